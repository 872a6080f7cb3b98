"""A delivery report (RFC 3464) read from a stranger's bytes: which message it is about, and
what happened to each recipient. Text from a report is cleaned before it is kept or shown."""

from __future__ import annotations

import email
import email.policy
import email.utils
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message

from webpanel.mail.dsn import envid_for

MAX_TEXT = 200  # characters of a stranger's diagnostic kept


def clean(value: str, limit: int = MAX_TEXT) -> str:
    """Text from a report, safe to keep and show: no control or format characters (bidi
    overrides included), one space between words, at most ``limit`` characters."""
    kept = "".join(c if unicodedata.category(c)[0] != "C" else " " for c in value)
    text = " ".join(kept.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class RecipientStatus:
    """What happened to one recipient: "failed" / "delayed" / "delivered" ..."""

    recipient: str
    action: str
    status: str
    diagnostic: str = ""
    original: str = ""  # the address as the panel sent it, when the report says

    @property
    def summary(self) -> str:
        """The server's words, e.g. "550 5.1.1 user unknown", else the status code."""
        return self.diagnostic or self.status


@dataclass(frozen=True)
class Bounce:
    """One delivery report and the message it is about."""

    envid: str | None
    message_id: str | None
    recipients: tuple[RecipientStatus, ...]
    uid: int = 0
    reported_at: datetime | None = None  # UTC, naive; from the report's Date or Arrival-Date

    def keys(self) -> set[str]:
        """Every key the message may be known by (its ENVID and its Message-ID's ENVID)."""
        found = {self.envid} if self.envid else set()
        return found | ({envid_for(self.message_id)} if self.message_id else set())


def field(block: Message, name: str) -> str:
    return " ".join(str(block.get(name) or "").split())


def _address(value: str) -> str:
    """``rfc822; a@example.com`` -> ``a@example.com``."""
    return value.partition(";")[2].strip().strip("<>") if ";" in value else value.strip("<>")


def _diagnostic(value: str) -> str:
    """``smtp; 550 5.1.1 <a@x>: user unknown`` -> the text after the type."""
    return value.partition(";")[2].strip() if ";" in value else value


def _recipient(block: Message) -> RecipientStatus | None:
    original = clean(_address(field(block, "Original-Recipient")), 254)
    final = clean(_address(field(block, "Final-Recipient")), 254) or original
    action = clean(field(block, "Action").lower(), 16)
    if not final or not action:
        return None
    return RecipientStatus(final, action, clean(field(block, "Status"), 16),
                           clean(_diagnostic(field(block, "Diagnostic-Code"))), original)


def _date(*values: str) -> datetime | None:
    """The first value that is an RFC 5322 date, in UTC (naive)."""
    for value in values:
        try:
            parsed = email.utils.parsedate_to_datetime(value) if value else None
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None:
            aware = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            return aware.astimezone(UTC).replace(tzinfo=None)
    return None


def _original_id(report: Message) -> str | None:
    for part in report.walk():
        if part.get_content_type() == "text/rfc822-headers":
            headers = email.message_from_bytes(part.get_payload(decode=True) or b"",
                                               policy=email.policy.compat32)
            return field(headers, "Message-ID") or None
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                return field(inner, "Message-ID") or None
    return None


def parse(data: bytes, uid: int = 0) -> Bounce | None:
    """The delivery report in a message, or None if it is not one."""
    report = email.message_from_bytes(data, policy=email.policy.compat32)
    if (report.get_content_type() != "multipart/report"
            or str(report.get_param("report-type", "")).lower() != "delivery-status"):
        return None
    status = next((p for p in report.walk()
                   if p.get_content_type() == "message/delivery-status"), None)
    blocks = status.get_payload() if status is not None else None
    if not isinstance(blocks, list) or not blocks:
        return None
    envid = field(blocks[0], "Original-Envelope-Id") or None
    recipients = tuple(r for r in map(_recipient, blocks[1:]) if r is not None)
    when = _date(field(report, "Date"), field(blocks[0], "Arrival-Date"))
    return Bounce(envid, _original_id(report), recipients, uid, when) if recipients else None
