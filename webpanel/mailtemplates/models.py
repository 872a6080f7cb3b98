"""A template per document kind, and the fixed files an administrator attached to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow


class MailTemplate(Base):
    """Subject and body for one kind of document, with its office-wide Bcc and Reply-To."""

    __tablename__ = "mail_templates"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    subject: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    bcc: Mapped[str] = mapped_column(Text, default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TemplateFile(Base):
    """A file sent with every email of one kind (terms and conditions, a price list)."""

    __tablename__ = "mail_template_files"
    __table_args__ = (Index("ix_mail_template_files_kind", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
