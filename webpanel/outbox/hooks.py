"""The outbox's part of the documents pages (webpanel.documents.slots): a list's email
statuses, a document's history and when it was last emailed; and its jobs on the background
worker. ``create_app`` calls ``init_app``."""

from __future__ import annotations

from flask import Flask

from webpanel import worker
from webpanel.documents import slots
from webpanel.outbox import copying, dispatch, history, services


def init_app(app: Flask) -> None:
    """Fill the documents pages' email slots for ``app``, and give the worker the outbox's
    jobs (sending, the sweeper, Retry copy)."""
    worker.define(app, dispatch.SEND_JOB, services.run_queued)
    worker.define(app, copying.COPY_JOB, copying.copy_again)
    worker.define(app, dispatch.SWEEP_JOB, dispatch.sweep, every=worker.every_minutes(1),
                  at_start=True)
    slots.EMAIL_STATUSES.fill(app, history.list_statuses)
    slots.EMAIL_HISTORY.fill(app, history.history)
    slots.LAST_EMAILED.fill(app, history.ever_sent)
