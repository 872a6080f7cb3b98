"""The outbox's part of the documents pages (webpanel.documents.slots): a list's email
statuses, a document's history and when it was last emailed. ``create_app`` calls
``init_app``."""

from __future__ import annotations

from flask import Flask

from webpanel.documents import slots
from webpanel.outbox import history


def init_app(app: Flask) -> None:
    """Fill the documents pages' email slots for ``app``."""
    slots.EMAIL_STATUSES.fill(app, history.list_statuses)
    slots.EMAIL_HISTORY.fill(app, history.history)
    slots.LAST_EMAILED.fill(app, history.ever_sent)
