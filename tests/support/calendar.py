"""Days for scheduling tests, chosen from today so that they are always ahead (at least two days,
in every zone) and within the year Send later allows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def today() -> date:
    """Today in UTC."""
    return datetime.now(UTC).date()


def ahead(*candidates: tuple[int, int]) -> date:
    """The first of the (month, day) dates, in this year or the next, at least two days ahead."""
    soonest = today() + timedelta(days=2)
    found = [date(year, month, day) for year in (soonest.year, soonest.year + 1)
             for month, day in candidates]
    return min(day for day in found if day >= soonest)


def winter_day() -> date:
    """15 January or 15 February (Paris on CET, New York on EST), whichever comes first."""
    return ahead((1, 15), (2, 15))


def summer_day() -> date:
    """15 July or 15 August (Paris on CEST)."""
    return ahead((7, 15), (8, 15))


def last_sunday(month: int) -> date:
    """The next last Sunday of `month` at least two days ahead (Europe's clock change)."""
    soonest = today() + timedelta(days=2)
    for year in (soonest.year, soonest.year + 1):
        end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        sunday = end - timedelta(days=(end.weekday() + 1) % 7)
        if sunday >= soonest:
            return sunday
    raise AssertionError("unreachable: a year always has one")
