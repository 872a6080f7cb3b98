"""Reading a message record: the status a person sees, whether Retry is offered, and its stored
bytes. One place for each, below the sending, the lists, the history and the Sent folder copy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.outbox.models import MessageBody


def stale_before() -> datetime:
    """Messages still "sending" since before this moment are shown as "unknown"."""
    return utcnow() - timedelta(seconds=current_app.config["SENDING_STALE_AFTER"])


def effective_status(message) -> str:
    """The status to show of a message record or list row: a "sending" left behind by a crash
    is "unknown"."""
    if message.status == "sending" and message.updated_at < stale_before():
        return "unknown"
    return message.status


def waiting_to_retry(message) -> bool:
    """Whether the message failed in a way that may pass and waits for its automatic retry."""
    return message.status == "queued" and message.attempts > 0 and message.due_at is not None


def on_its_way(message) -> bool:
    """Whether the message is being sent now, waits for a worker to take it, or waits out the
    Undo time (not for a later time: Send later, or an automatic retry)."""
    status = effective_status(message)
    return status == "sending" or (status == "queued" and not waiting_to_retry(message))


def can_retry(message) -> bool:
    """Whether Retry is offered: a stale "sending", a failure that a retry can help, or one
    waiting for its automatic retry (Retry sends it now)."""
    status = effective_status(message)
    return (status == "unknown" or (status == "failed" and message.retry_helps)
            or waiting_to_retry(message))


def mime_of(message) -> bytes:
    """The stored MIME bytes of a message (a record, or anything with its ``id``)."""
    return db.session.scalar(select(MessageBody.mime).where(MessageBody.message_id == message.id))
