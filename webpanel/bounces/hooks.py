"""Bounces' part of the outbox's pages (webpanel.outbox.slots): the delivery reports of Sent
mail's rows, a document's history and a previewed message. ``create_app`` calls ``init_app``."""

from __future__ import annotations

from flask import Flask

from webpanel.bounces import display
from webpanel.outbox import slots


def init_app(app: Flask) -> None:
    """Fill the outbox's bounce slot for ``app``."""
    slots.BOUNCE_OUTCOMES.fill(app, display.outcomes)
