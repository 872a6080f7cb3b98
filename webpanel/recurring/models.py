"""Schedules that repeat a document, and the runs each one made.

A run is a database fact: (schedule_id, run_on) is unique, and it is inserted in the same
transaction as the claim on the schedule's next_run and the document it made, so two workers
or a restart never make two documents for one run.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webpanel.auth.models import User
from webpanel.database import Base, utcnow
from webpanel.documents.models import Document
from webpanel.recurring.dates import WEEK, Interval

ACTIVE, PAUSED, ENDED = "active", "paused", "ended"
EMAIL, DRAFT = "email", "draft"
#: What became of a run's document: left as a draft, queued in the outbox, or not emailed
#: (the reason in `problem`); "made" only between the document's commit and the email.
MADE, LEFT_DRAFT, EMAILED, NOT_EMAILED = "made", "draft", "emailed", "not emailed"


class Schedule(Base):
    """A document that repeats: how often, until when, and what each run does with its copy."""

    __tablename__ = "recurring_schedules"
    __table_args__ = (Index("ix_recurring_schedules_status_next_run", "status", "next_run"),
                      Index("ix_recurring_schedules_document_id", "document_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    #: Who made it: runs are dated in their time zone and emailed with their settings.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    unit: Mapped[str] = mapped_column(String(10))  # WEEK or MONTH
    every: Mapped[int] = mapped_column(default=1)
    day_of_month: Mapped[int] = mapped_column(default=1)
    first_run: Mapped[datetime.date] = mapped_column(Date)
    #: The date of the next run (None once ended); the workers' compare-and-set.
    next_run: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    until: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    times: Mapped[int | None] = mapped_column(default=None)
    runs_made: Mapped[int] = mapped_column(default=0)
    action: Mapped[str] = mapped_column(String(10), default=DRAFT)
    to_addrs: Mapped[str] = mapped_column(Text, default="")
    cc_addrs: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    document: Mapped[Document] = relationship()
    user: Mapped[User] = relationship()

    @property
    def interval(self) -> Interval:
        """The schedule's interval, for webpanel.recurring.dates."""
        return Interval(self.unit, self.every, self.day_of_month)

    @property
    def words(self) -> str:
        """How often, in words: "Every week", "Every 3 months on day 31"."""
        if self.unit == WEEK:
            return "Every week" if self.every == 1 else f"Every {self.every} weeks"
        every = "Every month" if self.every == 1 else f"Every {self.every} months"
        return f"{every} on day {self.day_of_month}"


class Run(Base):
    """One run of a schedule: the day it was for and the document it made."""

    __tablename__ = "recurring_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "run_on", name="uq_recurring_runs_run"),
                      Index("ix_recurring_runs_outcome", "outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("recurring_schedules.id", ondelete="CASCADE"))
    run_on: Mapped[datetime.date] = mapped_column(Date)
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), default=None)
    outcome: Mapped[str] = mapped_column(String(20), default=MADE)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None)
    problem: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    schedule: Mapped[Schedule] = relationship()
    document: Mapped[Document | None] = relationship()
