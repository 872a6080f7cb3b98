"""The message record: every message the panel was asked to send, with its exact MIME bytes,
and the state of its copy in the sender's Sent folder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webpanel.database import Base, utcnow

STATUS_LABELS = {"queued": "Queued", "scheduled": "Scheduled", "sending": "Sending",
                 "sent": "Sent", "failed": "Failed", "cancelled": "Cancelled",
                 "handed_off": "Handed to email client", "unknown": "Unknown – check your mailbox"}
#: A message waits for the worker: now or at due_at ("queued"), or at a time chosen with Send
#: later ("scheduled", which Change time and Cancel act on).
WAITING = ("queued", "scheduled")


class Message(Base):
    """One message: recorded with its bytes as "queued" (or "scheduled") before any network
    call; a worker claims it ("sending"), then it is "sent" or "failed", or "queued" again for
    an automatic retry at due_at."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_user_id_id", "user_id", "id"),
        Index("ix_messages_user_status_id", "user_id", "status", "id"),
        Index("ix_messages_user_method_id", "user_id", "method", "id"),
        Index("ix_messages_document_id_id", "document_id", "id"),
        Index("ix_messages_status_due_at", "status", "due_at"),
        # A compose dialog's key is unique per person: another's key is a new key for you.
        UniqueConstraint("user_id", "idempotency_key", name="uq_messages_user_id_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="sending")
    subject: Mapped[str] = mapped_column(String(998), default="")
    from_header: Mapped[str] = mapped_column(String(400), default="")
    envelope_from: Mapped[str] = mapped_column(String(254), default="")
    to_addrs: Mapped[str] = mapped_column(Text, default="")
    cc_addrs: Mapped[str] = mapped_column(Text, default="")
    bcc_addrs: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[int | None] = mapped_column(default=None)
    document_label: Mapped[str] = mapped_column(String(120), default="")
    size: Mapped[int] = mapped_column(default=0)
    attachment_count: Mapped[int] = mapped_column(default=0)
    reply: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[str] = mapped_column(String(200), default="")
    error_step: Mapped[str] = mapped_column(String(20), default="")
    error_reason: Mapped[str] = mapped_column(Text, default="")
    error_hint: Mapped[str] = mapped_column(Text, default="")
    #: False when sending the same bytes again cannot help (error_step says what failed).
    retry_helps: Mapped[bool] = mapped_column(default=True, server_default=true())
    error_fix_tab: Mapped[str] = mapped_column(String(16), default="", server_default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    #: When a waiting message may go (None: now).
    due_at: Mapped[datetime | None] = mapped_column(default=None)

    body: Mapped[MessageBody] = relationship(lazy="raise", cascade="all, delete-orphan")


class MessageBody(Base):
    """The exact MIME bytes of a message, kept apart so lists never read them."""

    __tablename__ = "message_bodies"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    mime: Mapped[bytes] = mapped_column(LargeBinary)


#: A copy's states: no copy is made (the provider keeps one), it is there, it failed, on its way.
NOT_NEEDED, COPIED, FAILED, PENDING = "not_needed", "copied", "failed", "pending"
STATES = (NOT_NEEDED, COPIED, FAILED, PENDING)


class SentCopy(Base):
    """The copy of one message in its sender's Sent folder: state, folder, why it failed."""

    __tablename__ = "sent_copies"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    folder: Mapped[str] = mapped_column(String(500), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    hint: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
