"""Send later: a chosen time read in the person's own time zone, the quick choices, and Change
time and Cancel on a scheduled message.

A time is typed (or filled by a quick choice) as a date and a clock time in the person's zone
(Email settings → General; UTC when unset) and stored as naive UTC in ``due_at``. A clock time
that does not exist on the day the clocks go forward moves later by the jump (zoneinfo's
fold=0); one that comes twice when they go back means the first; either way the person is told.
Cancel and Change time are compare-and-sets on status "scheduled", like the worker's claim
(webpanel.outbox.dispatch): whichever comes first wins, and a message a worker has taken is
left as it is, with a sentence saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update

from webpanel import timefmt
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.outbox import dispatch
from webpanel.outbox.models import Message
from webpanel.outbox.records import effective_status

#: A time this much in the past still counts as now (the person took a moment to press Send).
SLACK = timedelta(minutes=1)
#: The furthest ahead a message can be scheduled.
MAX_AHEAD = timedelta(days=366)
#: The clock time of the quick choices.
QUICK_AT = time(8, 0)
DATE_FORMAT = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
TIME_FORMAT = re.compile(r"(\d{1,2})[:.](\d{2})(?::\d{2}(?:\.\d+)?)?")
#: What happened to a message that is no longer scheduled, by the status a person sees.
GONE = {"sent": "it was already sent", "handed_off": "it was already handed to your email "
        "client", "sending": "it is being sent right now", "unknown": "the panel was sending "
        "it when it stopped", "queued": "it is already on its way", "failed": "the panel "
        "already tried to send it"}


class BadTime(ValueError):
    """A chosen time that cannot be used; `field` ("date" or "time") is where it is said."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class TooLate(Exception):
    """Cancel or Change time came after the message stopped being scheduled; `message` is
    the record as it now stands."""

    def __init__(self, reason: str, message: Message) -> None:
        super().__init__(reason)
        self.message = message


@dataclass(frozen=True)
class Chosen:
    """A valid time to send: `due_at` in naive UTC, and what was made of a clock time that
    the day's clock change skips or repeats (empty when nothing was)."""

    due_at: datetime
    note: str = ""


@dataclass(frozen=True)
class Quick:
    """A quick choice ("Tomorrow 8:00") and the date and time it fills in."""

    label: str
    day: date
    at: time

    @property
    def date_value(self) -> str:
        """The date as a date field holds it (2026-12-08)."""
        return self.day.isoformat()

    @property
    def time_value(self) -> str:
        """The time as a time field holds it (08:00)."""
        return self.at.strftime("%H:%M")


def choose(date_text: str, time_text: str, zone_name: str | None,
           now: datetime | None = None) -> Chosen:
    """The time typed as a date and a clock time in the zone `zone_name` (UTC when unset),
    checked: not in the past (a minute of slack), at most a year ahead. Raises BadTime."""
    day, at = parse_date(date_text), parse_time(time_text)
    moment, note = on_the_clock(day, at, zone_name)
    due_at = moment.astimezone(UTC).replace(tzinfo=None)
    check_range(due_at, zone_name, now or utcnow())
    return Chosen(due_at, note)


def parse_date(text: str | None) -> date:
    """A date as a date field sends it (2026-12-08). Raises BadTime."""
    text = (text or "").strip()
    if not text:
        raise BadTime("Enter the date to send it.", "date")
    match = DATE_FORMAT.fullmatch(text[:20])
    if not match:
        raise BadTime("Enter the date as year-month-day, like 2026-12-08, or choose it from "
                      "the calendar.", "date")
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        raise BadTime(f"There is no such date as {text}: choose one from the calendar.",
                      "date") from None


def parse_time(text: str | None) -> time:
    """A clock time as a time field sends it (08:00; 8:00 and 8.00 too). Raises BadTime."""
    text = (text or "").strip()
    if not text:
        raise BadTime("Enter the time to send it.", "time")
    match = TIME_FORMAT.fullmatch(text[:20])
    hour, minute = map(int, match.groups()) if match else (99, 99)
    if hour > 23 or minute > 59:
        raise BadTime("Enter the time as hours and minutes on a 24-hour clock, like 08:00 or "
                      "17:30.", "time")
    return time(hour, minute)


def on_the_clock(day: date, at: time, zone_name: str | None) -> tuple[datetime, str]:
    """The moment the clocks of the zone show `at` on `day`, and a note when the clock change
    of that day skips that time (it moves later by the jump) or shows it twice (the first)."""
    place = timefmt.zone(zone_name)
    wall = datetime.combine(day, at)
    first, second = wall.replace(tzinfo=place), wall.replace(tzinfo=place, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, ""
    there = first.astimezone(UTC)
    shown, on = _local(there, zone_name), timefmt.day(day)
    if there.astimezone(place).replace(tzinfo=None) == wall:
        return first, (f"{at:%H:%M} comes twice on {on} in your time zone (the clocks go back "
                       f"that day), so it goes the first time: {shown}.")
    return there.astimezone(place), (f"{at:%H:%M} does not exist on {on} in your time zone "
                                     f"(the clocks go forward that day), so it goes at "
                                     f"{shown}.")


def check_range(due_at: datetime, zone_name: str | None, now: datetime) -> None:
    """Refuse a time in the past (beyond SLACK) or more than MAX_AHEAD away. Raises BadTime."""
    if due_at < now - SLACK:
        raise BadTime(f"That time has passed: it is now {_local(now, zone_name)}. Choose a "
                      "later time.", "time")
    if due_at > now + MAX_AHEAD:
        raise BadTime("That is more than a year ahead: choose a date within a year from now.",
                      "date")


def quick_choices(zone_name: str | None, now: datetime | None = None) -> list[Quick]:
    """Tomorrow 8:00 and next Monday 8:00 (a week on, on a Monday), in the person's zone."""
    today = _aware(now or utcnow()).astimezone(timefmt.zone(zone_name)).date()
    monday = today + timedelta(days=7 - today.weekday())
    return [Quick("Tomorrow 8:00", today + timedelta(days=1), QUICK_AT),
            Quick("Monday 8:00", monday, QUICK_AT)]


def clock_fields(due_at: datetime | None, zone_name: str | None) -> tuple[str, str]:
    """A stored time as the date and time fields show it in the person's zone."""
    if due_at is None:
        return "", ""
    local = _aware(due_at).astimezone(timefmt.zone(zone_name))
    return local.date().isoformat(), local.strftime("%H:%M")


def cancel(message: Message) -> Message:
    """Cancel a scheduled message: it stays, with its bytes, as "cancelled" and never goes.
    Returns the record as it now stands. Raises TooLate (saying why) once a worker took it,
    or when it was not scheduled."""
    if not _while_scheduled(message.id, status="cancelled"):
        raise _too_late(message.id, "cancel")
    return _current(message.id)


def change_time(message: Message, due_at: datetime) -> Message:
    """Move a scheduled message to `due_at` (naive UTC) and queue its job for then; the job
    queued for the old time finds it not due and does nothing. Returns the record as it now
    stands. Raises TooLate."""
    if not _while_scheduled(message.id, due_at=due_at):
        raise _too_late(message.id, "change the time")
    dispatch.enqueue(message.id, due_at)
    return _current(message.id)


def _while_scheduled(message_id: int, **values) -> bool:
    """Compare-and-set: change the row only while it is still "scheduled"."""
    changed = db.session.execute(
        update(Message).where(Message.id == message_id, Message.status == "scheduled")
        .values(updated_at=utcnow(), **values).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(changed)


def _current(message_id: int) -> Message:
    return db.session.get(Message, message_id, populate_existing=True)


def _too_late(message_id: int, action: str) -> TooLate:
    message = _current(message_id)
    status = effective_status(message)
    if status == "cancelled":
        return TooLate("It was already cancelled." if action == "cancel" else
                       "It was cancelled, so it has no time to change: send a new email if it "
                       "should go.", message)
    return TooLate(f"Too late to {action}: {GONE.get(status, 'it is no longer scheduled')}.",
                   message)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _local(moment: datetime, zone_name: str | None) -> str:
    return timefmt.local(_aware(moment), zone_name)

