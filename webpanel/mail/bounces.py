"""Bounce reports (RFC 3464 ``multipart/report; report-type=delivery-status``) read from the
person's INBOX over IMAP, read-only: nothing is deleted, moved or marked as read.

Each report names its message by the ENVID the panel sent (see ``dsn``) and, when the original
headers come back, by Message-ID; each recipient has an action, a status and the diagnostic.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message

from webpanel.mail.dsn import envid_for
from webpanel.mail.imap import ImapConfig, ImapError, session

log = logging.getLogger(__name__)
MAX_PER_SCAN = 200  # reports read per visit; the rest wait for the next one
MAX_REPORT_BYTES = 2 * 1024 * 1024
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


@dataclass(frozen=True)
class Scan:
    """Reports found since the last visit, and where to start next time."""

    bounces: tuple[Bounce, ...]
    uidvalidity: int
    last_uid: int


def _field(block: Message, name: str) -> str:
    return " ".join(str(block.get(name) or "").split())


def _address(value: str) -> str:
    """``rfc822; a@example.com`` -> ``a@example.com``."""
    return value.partition(";")[2].strip().strip("<>") if ";" in value else value.strip("<>")


def _diagnostic(value: str) -> str:
    """``smtp; 550 5.1.1 <a@x>: user unknown`` -> the text after the type."""
    return value.partition(";")[2].strip() if ";" in value else value


def _recipient(block: Message) -> RecipientStatus | None:
    original = clean(_address(_field(block, "Original-Recipient")), 254)
    final = clean(_address(_field(block, "Final-Recipient")), 254) or original
    action = clean(_field(block, "Action").lower(), 16)
    if not final or not action:
        return None
    return RecipientStatus(final, action, clean(_field(block, "Status"), 16),
                           clean(_diagnostic(_field(block, "Diagnostic-Code"))), original)


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
            return _field(headers, "Message-ID") or None
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner, Message):
                return _field(inner, "Message-ID") or None
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
    envid = _field(blocks[0], "Original-Envelope-Id") or None
    recipients = tuple(r for r in map(_recipient, blocks[1:]) if r is not None)
    when = _date(_field(report, "Date"), _field(blocks[0], "Arrival-Date"))
    return Bounce(envid, _original_id(report), recipients, uid, when) if recipients else None


def scan_inbox(config: ImapConfig, uidvalidity: int = 0, after_uid: int = 0) -> Scan:
    """Read the INBOX's new delivery reports (UIDs above ``after_uid``; all of them when the
    folder's UIDVALIDITY changed), without changing anything there."""
    with session(config) as client:
        status, _ = client.select("INBOX", readonly=True)
        if status != "OK":
            raise ImapError("folder", "The INBOX could not be opened.", "Try again later.")
        current = int((client.untagged_responses.get("UIDVALIDITY") or [b"0"])[-1])
        start = after_uid if current == uidvalidity else 0
        _, found = client.uid("SEARCH", f"UID {start + 1}:*", "HEADER", "Content-Type",
                              '"report"')
        uids = sorted(u for u in map(int, (found[0] or b"").split()) if u > start)
        bounces = []
        for uid in uids[:MAX_PER_SCAN]:
            data = _fetch(client, uid)
            bounce = _readable(data, uid) if data else None
            if bounce is not None:
                bounces.append(bounce)
        last = max(uids[:MAX_PER_SCAN], default=start)
        return Scan(tuple(bounces), current, last)


def _readable(data: bytes, uid: int) -> Bounce | None:
    """The report in a stranger's bytes, or None (logged) when they defeat the parser: one
    damaged message must not stop the others from being read."""
    try:
        return parse(data, uid)
    except Exception:  # noqa: BLE001 - any parser failure on untrusted input skips that one
        log.warning("Skipped an unreadable delivery report (UID %s).", uid, exc_info=True)
        return None


def _fetch(client, uid: int) -> bytes | None:
    """The message's bytes (BODY.PEEK: it stays unread), unless it is too large for a report."""
    _, sizes = client.uid("FETCH", str(uid), "(RFC822.SIZE)")
    size = next((int(s.split(b"RFC822.SIZE ")[1].rstrip(b")").split()[0]) for s in sizes
                 if isinstance(s, bytes) and b"RFC822.SIZE " in s), 0)
    if size > MAX_REPORT_BYTES:
        return None
    _, parts = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    return next((p[1] for p in parts if isinstance(p, tuple)), None)


def match(bounces: tuple[Bounce, ...] | list[Bounce],
          messages: Mapping[str, object]) -> list[tuple[object, RecipientStatus]]:
    """(message, recipient status) for each reported recipient whose message is known;
    ``messages`` maps a message's ENVID (``dsn.envid_for(message_id)``) to the message."""
    found = []
    for bounce in bounces:
        key = next((k for k in bounce.keys() if k in messages), None)
        if key is not None:
            found.extend((messages[key], r) for r in bounce.recipients)
    return found
