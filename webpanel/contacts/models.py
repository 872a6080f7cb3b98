"""A customer or a vendor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow


class Contact(Base):
    """A customer or a vendor: each kind of document says which it goes to (documents.kinds)."""

    __tablename__ = "contacts"
    # the lists' order (webpanel.contacts.services.BY_NAME), read from the index. SQLite's
    # reflection skips an index on an expression: a batch migration that rebuilds this table
    # must create it again.
    __table_args__ = (Index("ix_contacts_kind_lower_name_id", "kind", text("lower(name)"), "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    contact_person: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    default_cc: Mapped[str] = mapped_column(Text, default="")
    default_bcc: Mapped[str] = mapped_column(Text, default="")
    #: Customers only: no payment reminder goes to them (webpanel.reminders).
    no_reminders: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
