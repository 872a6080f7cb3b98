"""Which reminder each invoice is due for on an office day.

An invoice gets reminders when it has a due date, reminders on, a customer not left out,
something still to pay, and someone who emailed it from the panel (the sender of its newest
sent message: its reminders go in that person's name). On a day, its due level is the highest
level whose day has come and that it has not had: after days without a worker, only that one
goes and the lower ones are passed over (once, not once per missed day).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import func, select

from webpanel import timefmt
from webpanel.contacts.models import Contact
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.payments import services as payments
from webpanel.reminders.models import Reminder
from webpanel.reminders.plan import Schedule


@dataclass(frozen=True)
class Due:
    """One invoice's reminder due on a day: its level, the day the level fell due, the levels
    passed over, and who it goes from."""

    document_id: int
    level: int
    due_on: datetime.date
    passed_over: tuple[tuple[int, datetime.date], ...]
    sender_id: int


def level_due(due_date: datetime.date, levels: tuple[tuple[int, int], ...], had: int,
              day: datetime.date, emailed_on: datetime.date | None = None
              ) -> tuple[int, datetime.date, tuple] | None:
    """The highest level above `had` whose day has come by `day` (and came after the invoice
    was first emailed, on `emailed_on`: no reminder right behind the invoice itself), with
    the levels below it (and above `had`) that it passes over; None when none is due."""
    come = [(level, due_date + datetime.timedelta(days=days)) for level, days in levels
            if level > had and due_date + datetime.timedelta(days=days) <= day
            and (emailed_on is None or due_date + datetime.timedelta(days=days) > emailed_on)]
    if not come:
        return None
    level, due_on = max(come)
    return level, due_on, tuple(item for item in come if item[0] < level)


#: The statuses of a message that left: its sender is the invoice's sender.
EMAILED = ("sent", "handed_off")


@dataclass(frozen=True)
class Emailed:
    """Who last emailed an invoice from the panel, and the office day it was first emailed."""

    user_id: int
    first_day: datetime.date


def senders(document_ids: list[int], zone: str) -> dict[int, Emailed]:
    """For each invoice ever emailed: the person of its newest sent message (its reminders go
    in their name) and its first day emailed, in the office's zone; one query."""
    if not document_ids:
        return {}
    rows = db.session.execute(
        select(Message.document_id, Message.user_id,
               func.coalesce(Message.sent_at, Message.created_at))
        .where(Message.document_id.in_(document_ids),
               Message.status.in_(EMAILED))
        .order_by(Message.id))
    place, found = timefmt.zone(zone), {}
    for document_id, user_id, at in rows:
        day = at.replace(tzinfo=datetime.UTC).astimezone(place).date()
        first = found[document_id].first_day if document_id in found else day
        found[document_id] = Emailed(user_id, min(first, day))
    return found


def eligible(schedule: Schedule, day: datetime.date) -> list[Document]:
    """Invoices that may have a level due by `day`: a due date early enough, reminders on, the
    customer not left out."""
    if not schedule.levels:
        return []
    earliest = min(days for _level, days in schedule.levels)
    latest_due = day - datetime.timedelta(days=earliest)
    return list(db.session.scalars(
        select(Document).join(Contact, Contact.id == Document.contact_id)
        .where(Document.kind == "invoice", Document.due_date.is_not(None),
               Document.due_date <= latest_due, Document.reminders_on.is_(True),
               Contact.no_reminders.is_(False))
        .order_by(Document.id)))


def due_on(schedule: Schedule, day: datetime.date) -> list[Due]:
    """Every invoice's reminder due by `day` that it has not had (nor had passed over)."""
    invoices = eligible(schedule, day)
    ids = [invoice.id for invoice in invoices]
    paid, had = payments.paid_totals(ids), highest_levels(ids)
    who = senders(ids, schedule.zone)
    found = []
    for invoice in invoices:
        emailed = who.get(invoice.id)
        if emailed is None or invoice.total - paid.get(invoice.id, payments.ZERO) <= 0:
            continue
        step = level_due(invoice.due_date, schedule.levels, had.get(invoice.id, 0), day,
                         emailed.first_day)
        if step:
            found.append(Due(invoice.id, step[0], step[1], step[2], emailed.user_id))
    return found


def highest_levels(document_ids: list[int]) -> dict[int, int]:
    """The highest level each invoice already had (sent, passed over or failed)."""
    if not document_ids:
        return {}
    rows = db.session.execute(select(Reminder.document_id, func.max(Reminder.level))
                              .where(Reminder.document_id.in_(document_ids))
                              .group_by(Reminder.document_id))
    return dict(rows.all())
