"""The office's reminder plan: its levels (days from the due date), the hour they go and the
office's time zone, and the office day whose reminders are due now."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, delete, select

from webpanel import clock, timefmt
from webpanel.company.services import get_company
from webpanel.extensions import db
from webpanel.reminders.models import ReminderLevel

#: What the plan form suggests to an office that has none: 3 days before the due date, on
#: it, then 7 and 14 days after.
SUGGESTED = (-3, 0, 7, 14)


@dataclass(frozen=True)
class Schedule:
    """The plan's levels as (level, days) in level order, the hour, and the zone's name."""

    levels: tuple[tuple[int, int], ...]
    hour: int
    zone: str

    def next_run(self, now: datetime.datetime) -> datetime.datetime:
        """The next time (aware, in the office's zone) the day's reminders go after `now`."""
        local = now.astimezone(timefmt.zone(self.zone))
        at = local.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        return at if at > local else at + datetime.timedelta(days=1)

    def current_day(self, now: datetime.datetime) -> datetime.date:
        """The latest office day whose hour has come: today from the hour on, else yesterday."""
        local = now.astimezone(timefmt.zone(self.zone))
        return local.date() if local.hour >= self.hour else local.date() - datetime.timedelta(1)


def schedule() -> Schedule:
    """The plan as it stands (no levels: no reminders)."""
    company = get_company()
    rows = db.session.scalars(_levels_query())
    return Schedule(tuple((row.level, row.days) for row in rows), company.reminder_hour,
                    company.time_zone or "UTC")


@cache
def _levels_query() -> Select:
    """`schedule`'s statement, built once per process (every page with a reminder line asks)."""
    return select(ReminderLevel).order_by(ReminderLevel.level)


def save(days: list[int], hour: int, zone: str) -> None:
    """Store the plan's levels (in the order given: Reminder 1 first), hour and time zone."""
    db.session.execute(delete(ReminderLevel))
    db.session.add_all(ReminderLevel(level=i, days=d) for i, d in enumerate(days, start=1))
    company = get_company()
    company.reminder_hour, company.time_zone = hour, zone
    db.session.add(company)
    db.session.commit()


def now() -> datetime.datetime:
    """The current time, aware (the test clock moves it)."""
    return clock.now_aware()


def describe(days: int) -> str:
    """A level's timing in words: "3 days before the due date", "on the due date"."""
    if days == 0:
        return "on the due date"
    count = abs(days)
    unit = "day" if count == 1 else "days"
    return f"{count} {unit} {'before' if days < 0 else 'after'} the due date"
