"""The date arithmetic of a schedule, apart from the database.

Every run date is counted from the schedule's first run (its anchor), never from the run
before it: "monthly on day 31" makes 31 Jan, 28 Feb (29 in a leap year), 31 Mar, 30 Apr,
31 May. A short month gives its last day, and the month after goes back to day 31.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

WEEK, MONTH = "week", "month"


@dataclass(frozen=True)
class Interval:
    """Every `every` weeks, or every `every` months on day `day` (1–31) of the month."""

    unit: str
    every: int = 1
    day: int = 1


def month_day(year: int, month: int, day: int) -> date:
    """Day `day` of the month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_months(start: date, months: int, day: int) -> date:
    """The month `months` after `start`'s, on day `day` (its last day when shorter)."""
    index = start.year * 12 + start.month - 1 + months
    return month_day(index // 12, index % 12 + 1, day)


def occurrence(first: date, interval: Interval, number: int) -> date:
    """The date of run `number` (0 is `first`)."""
    if interval.unit == WEEK:
        return first + timedelta(weeks=interval.every * number)
    return add_months(first, interval.every * number, interval.day)


def first_run(start: date, interval: Interval) -> date:
    """The first run on or after `start`: for months, day `day` of `start`'s month, or of
    the next month when that day has passed."""
    if interval.unit == WEEK:
        return start
    candidate = month_day(start.year, start.month, interval.day)
    return candidate if candidate >= start else add_months(start, 1, interval.day)


def latest_due(first: date, interval: Interval, today: date) -> tuple[int, date] | None:
    """The newest run on or before `today` (its number and date), or None before the first:
    the one run a schedule makes however many it missed while no worker ran."""
    if today < first:
        return None
    number = _estimate(first, interval, today)
    while occurrence(first, interval, number + 1) <= today:
        number += 1
    while number > 0 and occurrence(first, interval, number) > today:
        number -= 1
    return number, occurrence(first, interval, number)


def next_after(first: date, interval: Interval, today: date) -> date:
    """The first run after `today`."""
    found = latest_due(first, interval, today)
    return first if found is None else occurrence(first, interval, found[0] + 1)


def _estimate(first: date, interval: Interval, today: date) -> int:
    """A run number close to `today`'s, so counting from it is short."""
    if interval.unit == WEEK:
        return (today - first).days // (7 * interval.every)
    months = (today.year - first.year) * 12 + today.month - first.month
    return max(months // interval.every, 0)

