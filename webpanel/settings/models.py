"""The typed settings store for each user's Email tab: email settings, the notes of an
administrator's changes, the IMAP settings of the Sent folder copy, and the mail servers that
worked for each person (webpanel.settings.servers keeps the budget)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from webpanel import sending
from webpanel.database import Base, utcnow

SECURITY_CHOICES = ("ssl", "tls", "none")


class EmailSettings(Base):
    """How mail is sent on one user's behalf: the General and SMTP sub-tabs."""

    __tablename__ = "email_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(254), default="")
    auto_bcc_self: Mapped[bool] = mapped_column(default=False)
    signature: Mapped[str] = mapped_column(Text, default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    smtp_server: Mapped[str] = mapped_column(String(253), default="")
    smtp_username: Mapped[str] = mapped_column(String(254), default="")
    smtp_password_enc: Mapped[str | None] = mapped_column(Text, default=None)
    smtp_port: Mapped[int | None] = mapped_column(default=None)
    smtp_security: Mapped[str] = mapped_column(String(8), default="tls")
    send_using: Mapped[str] = mapped_column(String(16), default=sending.SMTP.name)
    allow_self_signed: Mapped[bool] = mapped_column(default=False)
    #: How the saved SMTP settings last fared (webpanel.settings.smtp_health): "" not tried
    #: since they were saved, "ok" the server accepted the sign-in, "failed" it did not;
    #: `smtp_check_note` says what went wrong and what to do.
    smtp_check: Mapped[str] = mapped_column(String(8), default="", server_default="")
    smtp_checked_at: Mapped[datetime | None] = mapped_column(default=None)
    smtp_check_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def has_password(self) -> bool:
        """Whether a password is stored (never the password itself)."""
        return bool(self.smtp_password_enc)


class SettingsChange(Base):
    """An administrator's change to a colleague's Email tab, shown to them until dismissed.

    Names the fields only, never their values.
    """

    __tablename__ = "email_settings_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None)
    changed_by_email: Mapped[str] = mapped_column(String(254))
    fields: Mapped[str] = mapped_column(Text)  # labels, "; "-separated
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    dismissed: Mapped[bool] = mapped_column(default=False)


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


class KnownMailServer(Base):
    """A (host, port) through which a person's mail was accepted at least once."""

    __tablename__ = "known_mail_servers"
    __table_args__ = (UniqueConstraint("user_id", "host", "port",
                                       name="uq_known_mail_servers_user_host_port"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column()
    first_worked_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_worked_at: Mapped[datetime] = mapped_column(default=utcnow)
