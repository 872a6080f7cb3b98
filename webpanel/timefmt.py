"""Times in each person's own time zone, labelled ("3 Dec 2026, 14:02 CET").

Every stored time is naive UTC (see `database.utcnow`); every template shows one through the
`when` filter, which uses the signed-in person's zone (their General tab), else UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.dates import format_date, format_datetime
from flask import has_request_context
from flask_login import current_user

from webpanel import clock

PATTERNS = {"datetime": "d MMM y, HH:mm", "short": "d MMM HH:mm", "date": "d MMM y"}
#: Parsed once: Babel parses a locale given by name again on every call (a list shows dozens).
EN_GB = Locale.parse("en_GB")


def zone(name: str | None) -> tzinfo:
    """The IANA zone `name`, or UTC when it is empty or unknown."""
    if not name or not is_zone(name):
        return UTC
    return ZoneInfo(name)


def is_zone(name: str) -> bool:
    """Whether `name` is a time zone this machine knows ("Europe/Paris", "UTC")."""
    return name in _zone_set()


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted, UTC first (for the General tab's choice)."""
    names = sorted(n for n in available_timezones() if "/" in n and not n.startswith(
        ("Etc/", "SystemV/", "US/", "posix/", "right/")))
    return ("UTC", *names)


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(zone_names())


def local(moment: datetime, zone_name: str | None, style: str = "datetime") -> str:
    """`moment` (naive UTC, or aware) in the zone, with the zone's abbreviation for a time."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    place = zone(zone_name)
    text = format_datetime(aware, PATTERNS[style], tzinfo=place, locale=EN_GB)
    if style == "date":
        return text
    return f"{text} {aware.astimezone(place).tzname()}"


def today(zone_name: str | None = None) -> date:
    """Today's date in the zone (by default the signed-in person's, else UTC): at 19:34 in Los
    Angeles it is still that day there, whatever the server's clock says."""
    if zone_name is None:
        zone_name = getattr(current_user, "time_zone", "") if has_request_context() else ""
    return clock.today_in(zone(zone_name))


def day(value: date) -> str:
    """A calendar day as the panel writes one ("8 Dec 2026")."""
    return format_date(value, PATTERNS["date"], locale=EN_GB)


def duration(length: timedelta) -> str:
    """A length of time in the largest whole unit: "less than a minute", "1 minute",
    "12 minutes", "3 hours", "2 days"."""
    seconds = max(int(length.total_seconds()), 0)
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "less than a minute"
