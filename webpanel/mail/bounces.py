"""Bounce reports (RFC 3464 ``multipart/report; report-type=delivery-status``) read from the
person's INBOX over IMAP, read-only: nothing is deleted, moved or marked as read.

Each report names its message by the ENVID the panel sent (see ``dsn``) and, when the original
headers come back, by Message-ID; each recipient has an action, a status and the diagnostic.
"""

from __future__ import annotations

import binascii
import email
import email.parser
import email.policy
import email.utils
import imaplib
import logging
import quopri
import re
import time
from collections.abc import Container, Mapping
from dataclasses import dataclass
from email.message import Message

from webpanel.mail.dsn_report import Bounce, RecipientStatus, field, parse
from webpanel.mail.imap import ImapConfig, ImapError, session
from webpanel.mail.imap_fetch import BadAnswer, fetch_items

log = logging.getLogger(__name__)
REPORTS_PER_CHECK = 500  # reports looked at per visit; the rest wait for the next one
BATCH = 25  # reports looked at per FETCH
READ_SHARE = 0.5  # of the IMAP deadline spent reading; the rest leaves time to stop cleanly
LOOK_BYTES = 8_192  # read of a report's status part and returned message at first
MAX_REPORT_BYTES = 2 * 1024 * 1024
LOOK_ITEMS = (f"(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (CONTENT-TYPE)]<0.{LOOK_BYTES}> "
              f"BODY.PEEK[2]<0.{LOOK_BYTES}> BODY.PEEK[3.MIME] BODY.PEEK[3]<0.{LOOK_BYTES}>)")
WHOLE_ITEMS = f"(UID BODY.PEEK[]<0.{MAX_REPORT_BYTES}>)"
MAX_NUMBER = 4_294_967_295  # IMAP numbers are 32-bit unsigned
NUMBER = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class Scan:
    """Reports found since the last visit, where to start next time, how many reports are
    left for later, and why the visit stopped early (what it read before is kept)."""

    bounces: tuple[Bounce, ...]
    uidvalidity: int
    last_uid: int
    remaining: int = 0
    looked: int = 0  # reports looked at in this visit
    error: ImapError | None = None


def scan_inbox(config: ImapConfig, uidvalidity: int = 0, after_uid: int = 0, *,
               known: Container[str] | None = None, limit: int = REPORTS_PER_CHECK) -> Scan:
    """Read the INBOX's new delivery reports (UIDs above ``after_uid``; all of them when the
    folder's UIDVALIDITY changed), without changing anything there.

    A flood must not stop the reading: each report is first looked at cheaply (its status
    part and returned headers, a few kB) and read whole only when one of its keys is in
    ``known`` (None: read every report whole); at most ``limit`` reports and a share of the
    deadline are spent, and what was read before a failure is kept (``Scan.error``).
    """
    reading = _Reading(known, limit, time.monotonic() + config.deadline * READ_SHARE)
    try:
        with session(config) as client:
            current = _open_inbox(client)
            reading.begin(current, after_uid if current == uidvalidity else 0)
            reading.uids = _search(client, reading.last_uid)
            reading.run(client)
    except ImapError as error:
        if reading.uidvalidity is None:
            raise
        return reading.scan(error)
    return reading.scan()


@dataclass(frozen=True)
class _Look:
    """The cheap first look at a report: its size, Content-Type, status part and the start of
    the returned message (RFC 6522: the report's second and third parts)."""

    size: int
    head: bytes
    status: bytes
    returned: bytes
    returned_mime: bytes = b""  # the third part's own header: how its bytes are encoded

    def keys(self) -> set[str] | None:
        """The keys the report names its message by, or None if it is no delivery report."""
        if not _is_delivery_report(_headers(self.head)):
            return None
        envid = field(_headers(self.status), "Original-Envelope-Id") or None
        returned = _decoded(self.returned, _headers(self.returned_mime))
        message_id = field(_headers(returned), "Message-ID") or None
        return Bounce(envid, message_id, ()).keys()


def _decoded(start: bytes, mime: Message) -> bytes:
    """The start of a part as it reads, when the sender encoded it (base64 or quoted-printable,
    as some servers do the returned headers); a cut-off base64 tail is left out."""
    encoding = field(mime, "Content-Transfer-Encoding").lower()
    try:
        if encoding == "base64":
            letters = b"".join(start.split())
            return binascii.a2b_base64(letters[: len(letters) // 4 * 4])
        if encoding == "quoted-printable":
            return quopri.decodestring(start)
    except (binascii.Error, ValueError):
        return b""
    return start


class _Reading:
    """One visit's progress: which reports are left, what was found, when to stop."""

    def __init__(self, known: Container[str] | None, limit: int, stop_at: float) -> None:
        self.known, self.limit, self.stop_at = known, max(limit, 1), stop_at
        self.uidvalidity: int | None = None
        self.last_uid, self.done, self.looked = 0, 0, 0
        self.uids: list[int] = []
        self.found: list[Bounce] = []

    def begin(self, uidvalidity: int, after_uid: int) -> None:
        self.uidvalidity, self.last_uid = uidvalidity, after_uid

    def scan(self, error: ImapError | None = None) -> Scan:
        return Scan(tuple(self.found), self.uidvalidity or 0, self.last_uid,
                    len(self.uids) - self.done, self.looked, error)

    def late(self) -> bool:
        """Whether the share of the deadline for reading is spent (the rest is for leaving)."""
        return time.monotonic() >= self.stop_at

    def run(self, client: imaplib.IMAP4) -> None:
        """Look at the reports batch by batch until none are left, or the cap or time is up;
        the first batch is always read, so every visit moves on."""
        while self.done < len(self.uids) and self.looked < self.limit:
            if self.looked and self.late():
                return
            size = min(BATCH, self.limit - self.looked)
            batch = self.uids[self.done:self.done + size]
            looks = _look(client, batch)
            self.looked += len(batch)
            for uid in batch:
                if not self.take(client, uid, looks.get(uid)):
                    return

    def take(self, client: imaplib.IMAP4, uid: int, look: _Look | None) -> bool:
        """Handle one report; False when there is no time left to read it whole."""
        keys = look.keys() if look is not None else None
        wanted = bool(keys) and (self.known is None or not keys.isdisjoint(self.known))
        if wanted and look.size <= MAX_REPORT_BYTES:
            if self.late():
                return False
            bounce = _readable(_whole(client, uid), uid)
            if bounce is not None:
                self.found.append(bounce)
        self.done, self.last_uid = self.done + 1, uid
        return True


def _headers(data: bytes) -> Message:
    """Headers from the start of a stranger's bytes (the parser never fails on them)."""
    return email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)


def _is_delivery_report(head: Message) -> bool:
    return (head.get_content_type() == "multipart/report"
            and str(head.get_param("report-type", "")).lower() == "delivery-status")


def _bad_answer(what: str) -> BadAnswer:
    """A malformed answer, naming its part; `imap.session` turns it into the one plain
    "not IMAP" message every IMAP visit gives."""
    return BadAnswer(what)


def _items(data: list) -> list[dict[str, object]]:
    return fetch_items(data)


def _answer(answer: tuple[str, list], what: str) -> list:
    """The data of an OK answer, or a plain ImapError."""
    status, data = answer
    if status != "OK":
        raise ImapError("folder", f"The IMAP server refused to {what}.", "Try again later.")
    return data


def _number(value: object, what: str) -> int:
    """An IMAP number (1 to 4294967295 and 0), or a plain ImapError for anything else."""
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    if not isinstance(text, str) or not NUMBER.fullmatch(text) or int(text) > MAX_NUMBER:
        raise _bad_answer(what)
    return int(text)


def _open_inbox(client: imaplib.IMAP4) -> int:
    """Select the INBOX read-only; its UIDVALIDITY (0 when the server gives none)."""
    _answer(client.select("INBOX", readonly=True), "open the INBOX")
    found = client.untagged_responses.get("UIDVALIDITY") or [b"0"]
    return _number(found[-1], "UIDVALIDITY")


def _search(client: imaplib.IMAP4, after_uid: int) -> list[int]:
    """The UIDs above ``after_uid`` of messages that look like reports, oldest first."""
    found = _answer(client.uid("SEARCH", f"UID {after_uid + 1}:*", "HEADER", "Content-Type",
                               '"report"'), "search the INBOX")
    words = b" ".join(d for d in found if isinstance(d, bytes)).split()
    return sorted({u for u in (_number(w, "SEARCH") for w in words) if u > after_uid})


def _look(client: imaplib.IMAP4, uids: list[int]) -> dict[int, _Look]:
    """One FETCH for a batch: each report's size, Content-Type, status part and the start of
    its returned message, a few kB whatever the report's size."""
    return looks(_answer(client.uid("FETCH", ",".join(map(str, uids)), LOOK_ITEMS),
                         "read reports"))


def looks(data: list) -> dict[int, _Look]:
    """The first looks in a FETCH answer, by UID; a malformed answer is a plain ImapError."""
    found = {}
    for item in _items(data):
        uid = _number(item.get("UID"), "UID")
        found[uid] = _Look(_number(item.get("RFC822.SIZE"), "RFC822.SIZE"),
                           _text(item, "BODY[HEADER"), _text(item, "BODY[2]"),
                           _text(item, "BODY[3]"), _text(item, "BODY[3.MIME]"))
    return found


def _whole(client: imaplib.IMAP4, uid: int) -> bytes:
    """The report's bytes (BODY.PEEK: it stays unread), never more than MAX_REPORT_BYTES."""
    data = _answer(client.uid("FETCH", str(uid), WHOLE_ITEMS), "read a report")
    return next((_text(item, "BODY[]") for item in _items(data)
                 if item.get("UID") == str(uid)), b"")


def _text(item: dict[str, object], name: str) -> bytes:
    """A string item of a FETCH answer (b"" when absent or NIL)."""
    value = next((v for k, v in item.items() if k.startswith(name)), b"")
    if value is not None and not isinstance(value, bytes):
        raise _bad_answer(name.rstrip("["))
    return value or b""


def _readable(data: bytes, uid: int) -> Bounce | None:
    """The report in a stranger's bytes, or None (logged) when they defeat the parser: one
    damaged message must not stop the others from being read."""
    try:
        return parse(data, uid)
    except Exception:  # noqa: BLE001 - any parser failure on untrusted input skips that one
        log.warning("Skipped an unreadable delivery report (UID %s).", uid, exc_info=True)
        return None


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
