"""The office's reminder plan (one row per level) and each reminder given a level of an
invoice (unique per invoice and level: "never twice" is a fact of the database)."""

from __future__ import annotations

import datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow

#: A reminder row's states: being sent (claimed by a worker), handed to the outbox (the
#: message says how it went), passed over (a later level was due when the worker came back),
#: or failed before any message could be recorded (reason says why).
CLAIMED, QUEUED, SKIPPED, FAILED = "claimed", "queued", "skipped", "failed"


class ReminderLevel(Base):
    """One level of the plan: `days` from the due date (negative: before it, 0: on it)."""

    __tablename__ = "reminder_levels"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    days: Mapped[int] = mapped_column()


class Reminder(Base):
    """One level of one invoice's ladder, claimed once; its message is in the outbox."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("document_id", "level",
                                       name="uq_reminders_document_id_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column()
    #: The office day the level fell due.
    due_on: Mapped[datetime.date] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None, index=True)
    status: Mapped[str] = mapped_column(String(16), default=CLAIMED)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
