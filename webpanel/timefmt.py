"""Times in each person's own time zone, labelled ("3 Dec 2026, 14:02 CET").

Every stored time is naive UTC (see `database.utcnow`); every template shows one through the
`when` filter, which uses the signed-in person's zone (their General tab), else UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_date, format_datetime

PATTERNS = {"datetime": "d MMM y, HH:mm", "short": "d MMM HH:mm", "date": "d MMM y"}


def zone(name: str | None) -> tzinfo:
    """The IANA zone `name`, or UTC when it is empty or unknown."""
    if not name or not is_zone(name):
        return UTC
    return ZoneInfo(name)


def is_zone(name: str) -> bool:
    """Whether `name` is a time zone this machine knows ("Europe/Paris", "UTC")."""
    return name in zone_names()


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted, UTC first (for the General tab's choice)."""
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith(
        ("Etc/", "SystemV/", "US/", "posix/", "right/")))
    return ("UTC", *names)


def local(moment: datetime, zone_name: str | None, style: str = "datetime") -> str:
    """`moment` (naive UTC, or aware) in the zone, with the zone's abbreviation for a time."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    place = zone(zone_name)
    text = format_datetime(aware, PATTERNS[style], tzinfo=place, locale="en_GB")
    if style == "date":
        return text
    return f"{text} {aware.astimezone(place).tzname()}"


from datetime import UTC, date, datetime, timedelta, tzinfo
