"""Slots: a place in a lower feature's page whose data a higher feature provides.

Packages import only downward, so the documents pages cannot ask the outbox for a document's
email history, nor Sent mail ask bounces for its badges. Instead the lower feature declares a
``Slot`` (one module constant, with what it returns when nothing fills it), its view calls the
slot and passes the result to its template, and the higher feature fills the slot from its own
``init_app``, which ``create_app`` calls. From a template, the view is one hop away, and the
view names the slot, whose fillers a search for its constant finds.

Each slot has at most one provider per app, kept in ``app.extensions`` (not in module state),
so every test app is wired on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

EXTENSION = "webpanel.slots"


@dataclass(frozen=True)
class Slot:
    """A named slot and what it gives when no feature fills it."""

    name: str
    empty: Callable[..., Any]

    def fill(self, app: Flask, provider: Callable[..., Any]) -> None:
        """Make ``provider`` the slot's data for ``app`` (once: a second filler is a mistake)."""
        providers = app.extensions.setdefault(EXTENSION, {})
        if self.name in providers:
            raise RuntimeError(f"The slot {self.name} is already filled.")
        providers[self.name] = provider

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The provider's data for these arguments, or the empty value when none is wired."""
        provider = current_app.extensions.get(EXTENSION, {}).get(self.name, self.empty)
        return provider(*args, **kwargs)
