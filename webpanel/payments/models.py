"""One row per payment received against an invoice; Undo deletes the row."""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow
from webpanel.documents.models import MONEY


class Payment(Base):
    """An amount paid on a day against one invoice, and who recorded it."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_document_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    paid_on: Mapped[datetime.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    recorded_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
