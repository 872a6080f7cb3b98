"""Counting events in a sliding window, shared by every worker through the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from webpanel.auth.models import RateEvent
from webpanel.database import utcnow
from webpanel.extensions import db


def recent(bucket: str, key: str, window_seconds: int) -> int:
    """How many events of `bucket` for `key` happened in the last `window_seconds`."""
    since = utcnow() - timedelta(seconds=window_seconds)
    query = select(func.count()).where(
        RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at >= since
    )
    return db.session.scalar(query) or 0


def first_seen(bucket: str, window_seconds: int) -> dict[str, datetime]:
    """Each distinct key of `bucket` in the last `window_seconds`, with its earliest event."""
    since = utcnow() - timedelta(seconds=window_seconds)
    query = (select(RateEvent.key, func.min(RateEvent.at))
             .where(RateEvent.bucket == bucket, RateEvent.at >= since).group_by(RateEvent.key))
    return {key: at for key, at in db.session.execute(query)}


def record(bucket: str, key: str) -> None:
    """Count one event (the caller commits)."""
    db.session.add(RateEvent(bucket=bucket, key=key[:300]))


def clear(bucket: str, key: str) -> None:
    """Forget the events of `bucket` for `key` (e.g. after a successful sign-in)."""
    db.session.execute(delete(RateEvent).where(RateEvent.bucket == bucket, RateEvent.key == key))


def prune(older_than_seconds: int = 86_400) -> int:
    """Drop events older than `older_than_seconds` (default a day); returns how many (the
    caller commits)."""
    since = utcnow() - timedelta(seconds=older_than_seconds)
    return db.session.execute(delete(RateEvent).where(RateEvent.at < since)).rowcount
