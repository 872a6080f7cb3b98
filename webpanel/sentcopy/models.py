"""Each person's IMAP settings and each message's copy in the Sent folder (own tables, so the
Email tab's and the outbox's models stay as they are)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow

#: A copy's states: no copy is made (the provider keeps one), it is there, it failed, on its way.
NOT_NEEDED, COPIED, FAILED, PENDING = "not_needed", "copied", "failed", "pending"
STATES = (NOT_NEEDED, COPIED, FAILED, PENDING)


class ImapSettings(Base):
    """Where one person's Sent folder is: IMAP server, security, sign-in and folder.

    ``same_as_smtp``: the user name is the SMTP one, and so is the password where the IMAP
    server is the host the SMTP password was saved for; ``password_enc`` is a password typed
    for IMAP, sealed to this IMAP server (see ``services``). ``smtp_grant_enc`` is the IMAP
    endpoint at which the owner allowed their SMTP password, sealed; ``smtp_grant_legacy``
    marks a row saved before grants existed (see ``grant``).
    """

    __tablename__ = "imap_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    host: Mapped[str] = mapped_column(String(253), default="")
    port: Mapped[int | None] = mapped_column(default=None)
    security: Mapped[str] = mapped_column(String(8), default="ssl")
    allow_self_signed: Mapped[bool] = mapped_column(default=False)
    same_as_smtp: Mapped[bool] = mapped_column(default=True)
    username: Mapped[str] = mapped_column(String(254), default="")
    password_enc: Mapped[str | None] = mapped_column(Text, default=None)
    folder: Mapped[str] = mapped_column(String(500), default="")  # "": the \Sent folder
    smtp_grant_enc: Mapped[str | None] = mapped_column(Text, default=None)
    smtp_grant_legacy: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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
