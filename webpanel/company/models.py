"""The typed settings store for the office's own company details and its mail server (one row
each)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webpanel.database import Base, utcnow
from webpanel.formatting import DEFAULT_LOCALE, locale_currency

COMPANY_ROW_ID = 1
DEFAULT_VALID_DAYS = 30


class Company(Base):
    """The company that sends the documents; printed at the top of every PDF."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True, default=COMPANY_ROW_ID)
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    tax_id: Mapped[str] = mapped_column(String(50), default="")
    registration_number: Mapped[str] = mapped_column(String(100), default="")
    bank_holder: Mapped[str] = mapped_column(String(200), default="")
    bank_account: Mapped[str] = mapped_column(String(50), default="")
    bank_code: Mapped[str] = mapped_column(String(50), default="")
    bank_name: Mapped[str] = mapped_column(String(200), default="")
    footer: Mapped[str] = mapped_column(String(300), default="")
    #: ISO 4217 code; empty means the currency of `locale`'s country.
    currency: Mapped[str] = mapped_column(String(3), default="")
    locale: Mapped[str] = mapped_column(String(20), default=DEFAULT_LOCALE)
    proposal_valid_days: Mapped[int] = mapped_column(default=DEFAULT_VALID_DAYS)
    #: Seconds an email from the Email dialog waits, with Undo, before it goes (0: none).
    undo_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The office's IANA time zone: when an invoice is overdue, when reminders go ("": UTC).
    time_zone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    #: The hour (0-23, in `time_zone`) at which the day's payment reminders go.
    reminder_hour: Mapped[int] = mapped_column(default=8, server_default="8")
    #: The logo as re-encoded on upload (PNG or JPEG), with its media type.
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    logo_type: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def currency_code(self) -> str:
        """The currency new documents use: the one chosen, else the locale's."""
        return self.currency or locale_currency(self.locale or DEFAULT_LOCALE)

    @property
    def has_bank_details(self) -> bool:
        """Whether there is an account to print under an invoice's totals."""
        return bool(self.bank_account.strip())


class OfficeMail(Base):
    """The office's mail server, set once by an administrator: where a colleague's SMTP tab and
    Sent-folder copy start from. Only a starting value: saved settings are each person's own,
    and a later change here moves nobody's saved settings."""

    __tablename__ = "office_mail"

    id: Mapped[int] = mapped_column(primary_key=True, default=COMPANY_ROW_ID)
    smtp_server: Mapped[str] = mapped_column(String(253), default="")
    smtp_port: Mapped[int | None] = mapped_column(default=None)
    smtp_security: Mapped[str] = mapped_column(String(8), default="tls")
    imap_host: Mapped[str] = mapped_column(String(253), default="")
    imap_port: Mapped[int | None] = mapped_column(default=None)
    imap_security: Mapped[str] = mapped_column(String(8), default="ssl")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
