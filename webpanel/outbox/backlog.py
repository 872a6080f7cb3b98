"""The outbox's queue as an administrator sees it: how many messages wait for the background
worker, how many of them are due now, and the one that has been due the longest. Reads only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.outbox.models import WAITING, Message


@dataclass(frozen=True)
class Oldest:
    """The message due the longest: whose, what, and since when it may go."""

    id: int
    user_id: int
    label: str
    to: str
    since: datetime


@dataclass(frozen=True)
class Backlog:
    """Messages waiting for the worker (queued, retrying later or scheduled), those due now,
    and the oldest due one (None when none is due)."""

    waiting: int
    due: int
    oldest: Oldest | None = None


def backlog(now: datetime | None = None) -> Backlog:
    """Where the office's queue stands now."""
    now = now or utcnow()
    since = func.coalesce(Message.due_at, Message.updated_at)
    due = or_(Message.due_at.is_(None), Message.due_at <= now)
    waiting, due_now = db.session.execute(
        select(func.count(), func.count().filter(due))
        .where(Message.status.in_(WAITING))).one()
    row = db.session.execute(
        select(Message.id, Message.user_id, Message.document_label, Message.subject,
               Message.to_addrs, since.label("since"))
        .where(Message.status.in_(WAITING), due)
        .order_by(since, Message.id).limit(1)).first()
    oldest = None if row is None else Oldest(row.id, row.user_id,
                                             row.document_label or row.subject, row.to_addrs,
                                             row.since)
    return Backlog(waiting, due_now, oldest)
