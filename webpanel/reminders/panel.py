"""What the pages say of reminders: an invoice's (its slot on the document page), and the
home page's line about what goes out next ("3 reminders tomorrow at 08:00")."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select

from webpanel import timefmt
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.formatting import date_in
from webpanel.outbox.history import Entry
from webpanel.payments import services as payments
from webpanel.reminders import ladder, plan
from webpanel.reminders.models import FAILED, Reminder


@dataclass(frozen=True)
class Next:
    """The invoice's next reminder: its level, day and time (office zone) and its sender."""

    level: int
    day: datetime.date
    hour: int
    zone: str
    sender: str


def why_none(document: Document, schedule: plan.Schedule, sender: str | None) -> str:
    """Why no reminder will go for this invoice, in plain words; "" when they will."""
    if not schedule.levels:
        return "The office has no reminder plan yet, so no reminders go."
    if document.due_date is None:
        return "No reminders: this invoice has no due date."
    if not document.reminders_on:
        return "Reminders are off for this invoice."
    if document.contact.no_reminders:
        return f"No reminders: {document.contact.name} is left out of payment reminders."
    if payments.amount_due(document) <= 0:
        return "No reminders: nothing is left to pay."
    if sender is None:
        return ("No reminders yet: this invoice was never emailed from the panel, so there is "
                "no one to send them from. Email it, and its reminders go from whoever sent it.")
    return ""


def next_for(document: Document, schedule: plan.Schedule, sender: str) -> Next | None:
    """The invoice's next level and when it goes, or None when its ladder is done."""
    had = ladder.highest_levels([document.id]).get(document.id, 0)
    for level, days in schedule.levels:
        if level > had:
            day = document.due_date + datetime.timedelta(days=days)
            first = schedule.next_run(plan.now()).date()
            return Next(level, max(day, first), schedule.hour, schedule.zone, sender)
    return None


def last_sender(entries: list[Entry]) -> str | None:
    """Who last emailed the invoice, from its email history (newest first); None if no one."""
    return next((e.by for e in entries if e.status in ladder.EMAILED), None)


def may_retry(reminder: Reminder, user) -> bool:
    """Whether `user` may send a failed reminder again: its sender, or an administrator."""
    return reminder.status == FAILED and (user.is_admin or reminder.user_id == user.id)


def slot(document: Document, entries: list[Entry]) -> dict | None:
    """The document page's Reminders part for an invoice (None for other kinds), from its
    email history (`entries`, newest first)."""
    if document.kind != "invoice":
        return None
    schedule, sender = plan.schedule(), last_sender(entries)
    none = why_none(document, schedule, sender)
    rows = list(db.session.scalars(select(Reminder).where(Reminder.document_id == document.id)
                                   .order_by(Reminder.level)))
    return {"document": document, "reminders_off_reason": none, "reminders": rows,
            "may_retry": may_retry,
            "next_reminder": None if none or sender is None
            else next_for(document, schedule, sender)}


def next_batch(locale: str) -> str:
    """The home page's line: how many reminders go at the next run, and when; "" for none."""
    schedule = plan.schedule()
    if not schedule.levels:
        return ""
    at = schedule.next_run(plan.now())
    count = len(ladder.due_on(schedule, at.date()))
    if not count:
        return ""
    today = timefmt.today(schedule.zone)
    when = {today: "today", today + datetime.timedelta(days=1): "tomorrow"}.get(
        at.date(), f"on {date_in(at.date(), locale)}")
    noun = "reminder" if count == 1 else "reminders"
    return f"{count} payment {noun} {when} at {at:%H:%M} ({schedule.zone})."
