"""The typed settings store for the office's own company details (one row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow

COMPANY_ROW_ID = 1


class Company(Base):
    """The company that sends the documents; printed at the top of every PDF."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True, default=COMPANY_ROW_ID)
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
