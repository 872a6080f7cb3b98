"""Recurring documents' part of the documents pages (webpanel.documents.slots: a document's
schedule) and their job on the background worker. ``create_app`` calls ``init_app``."""

from __future__ import annotations

from flask import Flask

from webpanel import worker
from webpanel.documents import slots
from webpanel.recurring import runs, services


def init_app(app: Flask) -> None:
    """Make due runs every minute and as a worker starts; show a document's schedule."""
    worker.define(app, runs.RUN_JOB, runs.run_due, every=worker.every_minutes(1), at_start=True)
    slots.RECURRENCE.fill(app, lambda document: services.of_document(document.id))
