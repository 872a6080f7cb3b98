"""The reminders' part of other pages and the worker: the invoice page's Reminders section
(webpanel.documents.slots), the level of each reminder in an email history
(webpanel.outbox.slots), and the job that sends them. ``create_app`` calls ``init_app``."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from webpanel import worker
from webpanel.documents import slots as documents
from webpanel.extensions import db
from webpanel.outbox import slots as outbox
from webpanel.reminders import panel, sender
from webpanel.reminders.models import Reminder


def tags(message_ids: list[int]) -> dict[int, str]:
    """"Reminder 2" for each of these messages that is a reminder; one query."""
    rows = db.session.execute(select(Reminder.message_id, Reminder.level)
                              .where(Reminder.message_id.in_(message_ids)))
    return {message_id: f"Reminder {level}" for message_id, level in rows}


def init_app(app: Flask) -> None:
    """Fill the slots and give the worker the reminders job (every minute, and at start)."""
    worker.define(app, sender.JOB, sender.send_due, every=worker.every_minutes(1),
                  at_start=True)
    worker.define(app, sender.SEND_JOB, sender.send_claimed)
    documents.REMINDERS_PANEL.fill(app, panel.slot)
    outbox.MESSAGE_TAGS.fill(app, tags)
