"""What the panel learnt from bounce reports: one row per reported recipient, each person's
place in their INBOX (so each report is read once), and each message's envelope id."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow


class BounceReport(Base):
    """A recipient a delivery report says failed ("failed") or is late ("delayed")."""

    __tablename__ = "bounce_reports"
    __table_args__ = (
        UniqueConstraint("message_id", "recipient", "action",
                         name="uq_bounce_reports_message_recipient_action"),
        Index("ix_bounce_reports_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="")
    diagnostic: Mapped[str] = mapped_column(String(300), default="")
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class BounceScan(Base):
    """Where a person's INBOX was read up to: reports above ``last_uid`` are new, unless the
    folder's UIDVALIDITY or the mailbox itself changed (then everything is read again); how
    many are left for later, when a failed reading may be tried again, and who reads it now."""

    __tablename__ = "bounce_scans"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(400), default="")
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)  # IMAP: up to 2**32 - 1
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    checked_at: Mapped[datetime | None] = mapped_column(default=None)  # the last attempt
    error: Mapped[str] = mapped_column(String(500), default="")  # why the last one failed
    read_at: Mapped[datetime | None] = mapped_column(default=None)  # the last that did not
    remaining: Mapped[int] = mapped_column(default=0)  # reports left for the next reading
    failures: Mapped[int] = mapped_column(default=0)  # failed readings in a row
    retry_at: Mapped[datetime | None] = mapped_column(default=None)  # none before, unless forced
    # Who reads the inbox now, until when (webpanel.bounces.services.claim): one at a time.
    claim_owner: Mapped[str | None] = mapped_column(String(32), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)


class MessageEnvelope(Base):
    """A message's ENVID (from its Message-ID), read once from its stored bytes."""

    __tablename__ = "message_envelopes"
    __table_args__ = (Index("ix_message_envelopes_user_id_envid", "user_id", "envid"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"),
                                            primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    envid: Mapped[str] = mapped_column(String(100), default="")
