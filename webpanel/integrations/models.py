"""The panel's app registrations with Google and Microsoft (one row)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow


class IntegrationSettings(Base):
    """Client IDs, encrypted client secrets and the Microsoft tenant."""

    __tablename__ = "integration_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    google_client_id: Mapped[str] = mapped_column(String(300), default="")
    google_client_secret_enc: Mapped[str | None] = mapped_column(Text, default=None)
    microsoft_client_id: Mapped[str] = mapped_column(String(300), default="")
    microsoft_client_secret_enc: Mapped[str | None] = mapped_column(Text, default=None)
    microsoft_tenant: Mapped[str] = mapped_column(String(100), default="common")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
