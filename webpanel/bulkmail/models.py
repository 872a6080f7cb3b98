"""A batch of Email selected: which documents the person chose, and what became of each (the
message it was queued as, or why it was not)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webpanel.database import Base, utcnow


class Batch(Base):
    """One press of "Send" in the Email selected dialog; its key (from the dialog) is unique
    per person, so a double click or a second tab with the same dialog makes no second batch."""

    __tablename__ = "mail_batches"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_mail_batches_user_id_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set once every document of the batch was queued or refused.
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    items: Mapped[list[BatchItem]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="BatchItem.position")


class BatchItem(Base):
    """One document of a batch: `message_id` once it is queued, else `reason` (no email
    address, or what the panel refused); neither while the batch is being queued."""

    __tablename__ = "mail_batch_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "document_id", name="uq_mail_batch_items_batch_document"),
        Index("ix_mail_batch_items_batch_id_position", "batch_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("mail_batches.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    #: Not a foreign key: the batch keeps its story when a document is deleted later.
    document_id: Mapped[int] = mapped_column()
    document_label: Mapped[str] = mapped_column(String(120), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
