"""Reading a person's new bounce reports and keeping what they say about that person's messages.

`check(user_id)` reads the INBOX read-only over IMAP, outside any database transaction and
within the IMAP visit's total deadline, then stores one row per reported recipient in a short
write transaction. Each report is read once (the INBOX's UIDVALIDITY and last UID seen are kept
per person) and storing the same report again adds nothing (one row per message, recipient
and action), so running the check twice, or from the page and cron at once, is harmless.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from webpanel.auth.models import User
from webpanel.bounces.models import BounceReport, BounceScan, MessageEnvelope
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mail import bounces
from webpanel.mail.base import MailError
from webpanel.mail.dsn import envid_for
from webpanel.mail.imap import ImapConfig
from webpanel.outbox.models import Message, MessageBody
from webpanel.sentcopy.services import imap_config_for
from webpanel.transactions import release, writing

log = logging.getLogger(__name__)
KEPT_ACTIONS = ("failed", "delayed")  # what a person needs to know; "delivered" stays "Sent"
HEADER_BYTES = 16_384  # where a stored message's Message-ID is found
INDEX_BATCH = 2_000  # messages whose envelope id is read per check


@dataclass(frozen=True)
class CheckResult:
    """What one check found: how many recipients newly reported, or the IMAP error."""

    new: int = 0
    error: MailError | None = None
    set_up: bool = True  # False: the person has no IMAP settings, nothing was read
    recent: bool = False  # True: not read again, the last check was a moment ago

    @property
    def text(self) -> str:
        """One line in plain words."""
        if not self.set_up:
            return "IMAP is not set up."
        if self.recent:
            return "Checked for bounce reports a moment ago."
        if self.error is not None:
            return f"{self.error.reason} {self.error.hint}".strip()
        return f"{self.new} new bounce{'' if self.new == 1 else 's'}"


def imap_config(user_id: int) -> ImapConfig | None:
    """The person's usable IMAP settings (the Sent-copy settings), or None."""
    return imap_config_for(user_id)


def check(user_id: int, config: ImapConfig | None = None,
          min_interval: timedelta | None = None) -> CheckResult:
    """Read the person's new delivery reports and store those about their own messages;
    with ``min_interval``, not again so soon after a check that worked (pages ask often)."""
    config = config or imap_config(user_id)
    if config is None:
        return CheckResult(set_up=False)
    mailbox = _mailbox(config)
    if min_interval is not None and _checked_within(user_id, mailbox, min_interval):
        return CheckResult(recent=True)
    uidvalidity, after_uid = _position(user_id, mailbox)
    release()  # no transaction while IMAP answers
    try:
        scan = bounces.scan_inbox(config, uidvalidity, after_uid)
    except MailError as error:
        with writing():
            _remember(user_id, mailbox, error=error.reason)
        return CheckResult(error=error)
    with writing():
        new = store(user_id, scan.bounces)
        _remember(user_id, mailbox, scan=scan)
    return CheckResult(new=new)


def people_with_imap() -> list[tuple[User, ImapConfig]]:
    """Every active person whose IMAP settings are usable, with them."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    found = [(user, imap_config(user.id)) for user in users]
    return [(user, config) for user, config in found if config is not None]


def _mailbox(config: ImapConfig) -> str:
    """Which mailbox the UIDs belong to: a new server or account starts from the beginning."""
    return f"{config.username}@{config.host}:{config.port}".lower()[:400]


def _checked_within(user_id: int, mailbox: str, interval: timedelta) -> bool:
    state = db.session.get(BounceScan, user_id)
    return (state is not None and state.mailbox == mailbox and not state.error
            and state.checked_at is not None and utcnow() - state.checked_at < interval)


def _position(user_id: int, mailbox: str) -> tuple[int, int]:
    state = db.session.get(BounceScan, user_id)
    if state is None or state.mailbox != mailbox:
        return 0, 0
    return state.uidvalidity, state.last_uid


def _remember(user_id: int, mailbox: str, scan: bounces.Scan | None = None,
              error: str = "") -> None:
    state = db.session.get(BounceScan, user_id) or BounceScan(user_id=user_id)
    db.session.add(state)
    if scan is not None:
        moved = state.mailbox != mailbox or state.uidvalidity != scan.uidvalidity
        state.last_uid = scan.last_uid if moved else max(state.last_uid, scan.last_uid)
        state.mailbox, state.uidvalidity = mailbox, scan.uidvalidity
    state.checked_at, state.error = utcnow(), error[:500]


def store(user_id: int, found: tuple[bounces.Bounce, ...] | list[bounces.Bounce]) -> int:
    """Keep each reported recipient of the person's own messages; how many were new."""
    if not found:
        return 0
    index_envelopes(user_id)
    known = _messages_by_envid(user_id, {key for bounce in found for key in bounce.keys()})
    new, now = 0, utcnow()
    for bounce in found:
        ids = next((known[key] for key in sorted(bounce.keys()) if key in known), [])
        for message_id in ids:
            for status in bounce.recipients:
                if status.action in KEPT_ACTIONS:
                    new += _insert(user_id, message_id, status, bounce.reported_at or now)
    return new


def _insert(user_id: int, message_id: int, status: bounces.RecipientStatus,
            when: datetime) -> int:
    """Add one recipient's report unless it is there already; 1 if added."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(BounceReport).values(
        message_id=message_id, user_id=user_id, recipient=status.recipient.lower(),
        action=status.action, status=status.status, diagnostic=status.diagnostic,
        reported_at=when, recorded_at=utcnow())
    added = db.session.execute(statement.on_conflict_do_nothing(
        index_elements=["message_id", "recipient", "action"]).returning(BounceReport.id))
    return 1 if added.first() is not None else 0  # (rowcount is not reliable on PostgreSQL)


def _messages_by_envid(user_id: int, keys: set[str]) -> dict[str, list[int]]:
    """The person's own messages known by these envelope ids (never anyone else's)."""
    found: dict[str, list[int]] = {}
    rows = db.session.execute(select(MessageEnvelope.envid, MessageEnvelope.message_id)
                              .where(MessageEnvelope.user_id == user_id,
                                     MessageEnvelope.envid.in_(sorted(keys))))
    for envid, message_id in rows:
        found.setdefault(envid, []).append(message_id)
    return found


def index_envelopes(user_id: int) -> int:
    """Read the envelope id of the person's messages not read before (newest first, from the
    start of their stored bytes); how many were read."""
    rows = db.session.execute(
        select(Message.id, func.substr(MessageBody.mime, 1, HEADER_BYTES))
        .join(MessageBody, MessageBody.message_id == Message.id)
        .outerjoin(MessageEnvelope, MessageEnvelope.message_id == Message.id)
        .where(Message.user_id == user_id, MessageEnvelope.message_id.is_(None))
        .order_by(Message.id.desc()).limit(INDEX_BATCH)).all()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for message_id, head in rows:
        statement = dialect.insert(MessageEnvelope).values(
            message_id=message_id, user_id=user_id, envid=_envid_of(bytes(head or b"")))
        db.session.execute(statement.on_conflict_do_nothing(index_elements=["message_id"]))
    return len(rows)


def _envid_of(head: bytes) -> str:
    """The ENVID the SMTP send gave (``dsn.envid_for`` of the Message-ID), or ""."""
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    message_id = " ".join(str(headers.get("Message-ID") or "").split())
    return envid_for(message_id)[:100] if message_id else ""
