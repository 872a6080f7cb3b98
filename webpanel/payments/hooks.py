"""The payments' part of the documents pages (webpanel.documents.slots): an invoice's status
in lists, and the Payments section of its page. ``create_app`` calls ``init_app``."""

from __future__ import annotations

from flask import Flask

from webpanel.documents import slots
from webpanel.payments import panel, services


def init_app(app: Flask) -> None:
    """Fill the documents pages' payment slots for ``app``."""
    slots.PAYMENT_STATUSES.fill(app, services.statuses)
    slots.PAYMENT_PANEL.fill(app, panel.slot)
