"""Counting events in a sliding window, shared by every worker through the database.

Below sign-in: the events' table is here, so sign-in and Send Test count with it and pruning
drops old events without importing either."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow
from webpanel.extensions import db


class RateEvent(Base):
    """One counted event (a failed sign-in, a Send Test) for throttling."""

    __tablename__ = "rate_events"

    __table_args__ = (Index("ix_rate_events_bucket_key_at", "bucket", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(default=utcnow)


def longest_window() -> int:
    """The longest rate-limit window in the settings (every `*_WINDOW`), in seconds."""
    return max((int(value) for key, value in current_app.config.items()
                if key.endswith("_WINDOW") and isinstance(value, int | float)
                and not isinstance(value, bool)), default=86_400)


def recent(bucket: str, key: str, window_seconds: int) -> int:
    """How many events of `bucket` for `key` happened in the last `window_seconds`."""
    since = utcnow() - timedelta(seconds=window_seconds)
    query = select(func.count()).where(
        RateEvent.bucket == bucket, RateEvent.key == key, RateEvent.at >= since
    )
    return db.session.scalar(query) or 0


def used_up(bucket: str, key: str, setting: str) -> int | None:
    """When `key` reached `<setting>_LIMIT` events of `bucket` in `<setting>_WINDOW` seconds,
    the window in whole minutes (what to tell the person to wait); else None."""
    cfg = current_app.config
    window = int(cfg[f"{setting}_WINDOW"])
    if recent(bucket, key, window) >= int(cfg[f"{setting}_LIMIT"]):
        return window // 60
    return None


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
