"""What time it is. Every "now" of the panel comes from here, so the test suite can move the
clock of a running worker process: with TEST_CLOCK_FILE set (never in production), the file
holds a number of seconds added to the real time, read at each call.

Time still runs while moved, so huey's schedules and the panel's due times stay in step.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from webpanel.config import StartupError

#: The file whose number of seconds moves the clock (test suite only); None: the real time.
_moved_by: Path | None = None


class ClockRefused(StartupError):
    """TEST_CLOCK_FILE set on an install that runs in production."""


def init_app(app: Flask) -> None:
    """Use the app's TEST_CLOCK_FILE (refused in production), or the real time."""
    global _moved_by
    path = app.config.get("TEST_CLOCK_FILE")
    if path and app.config.get("WEBPANEL_ENV") == "production" and not app.testing:
        raise ClockRefused("TEST_CLOCK_FILE is for the test suite only: remove it from config.py "
                           "(it moves the panel's clock).")
    _moved_by = Path(path) if path else None


def offset() -> timedelta:
    """How far the clock is moved: nothing, or the seconds in TEST_CLOCK_FILE."""
    if _moved_by is None:
        return timedelta(0)
    try:
        text = _moved_by.read_text().strip()
    except FileNotFoundError:
        return timedelta(0)
    return timedelta(seconds=float(text or 0))


def now_aware() -> datetime:
    """The current time in UTC, aware."""
    return datetime.now(UTC) + offset()


def utcnow() -> datetime:
    """The current time in UTC, naive (as every database column stores it)."""
    return now_aware().replace(tzinfo=None)


def today_in(zone: ZoneInfo) -> date:
    """Today's date in `zone`."""
    return now_aware().astimezone(zone).date()
