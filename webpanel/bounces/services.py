"""Reading a person's new bounce reports and keeping what they say about that person's messages.

`check(user_id)` reads the INBOX read-only over IMAP, outside any database transaction and
within the IMAP visit's total deadline, then stores one row per reported recipient in a short
write transaction. Each report is read once (the INBOX's UIDVALIDITY and last UID seen are kept
per person) and storing the same report again adds nothing (one row per message, recipient
and action). One check at a time reads a person's inbox (a claim on their row,
webpanel.bounces.claims): the background worker's periodic job, Check now and cron meet there.

A flood of reports (anyone can mail the office) cannot stop the reading: a check looks at a
capped number of reports within part of the IMAP deadline, reads whole only those about the
person's own messages, keeps its progress even when it fails, and a failed check waits longer
before the next one.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from webpanel.auth.models import User
from webpanel.bounces import claims
from webpanel.bounces.models import BounceReport, BounceScan, MessageEnvelope
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mail import bounces
from webpanel.mail.dsn import envid_for
from webpanel.mail.dsn_report import Bounce, RecipientStatus
from webpanel.mail.imap import ImapConfig
from webpanel.mailbase import MailError
from webpanel.outbox.models import Message, MessageBody
from webpanel.settings.imap_settings import grant_refusal, imap_config_for
from webpanel.settings.models import EmailSettings, ImapSettings
from webpanel.transactions import release, writing

log = logging.getLogger(__name__)
KEPT_ACTIONS = ("failed", "delayed")  # what a person needs to know; "delivered" stays "Sent"
HEADER_BYTES = 16_384  # where a stored message's Message-ID is found
INDEX_BATCH = 2_000  # messages whose envelope id is read per check
FIRST_WAIT = timedelta(minutes=1)  # after a failed reading; doubled after each further one
LONGEST_WAIT = timedelta(hours=1)


@dataclass(frozen=True)
class Reading:
    """Where the reading of a person's bounce reports stands: when it last worked, how many
    reports wait for the next one, and why the last one failed and when it is tried again."""

    read_at: datetime | None = None
    remaining: int = 0
    failure: str = ""
    retry_at: datetime | None = None

    @property
    def text(self) -> str:
        """One line in plain words, times in UTC (pages show them in the person's zone)."""
        read = f"Bounce reports read at {_utc(self.read_at)}" if self.read_at else ""
        if self.failure:
            failed = (f"{read}; the last reading failed: " if read
                      else "The last reading of bounce reports failed: ")
            return f"{failed}{self.failure} Next try at {_utc(self.retry_at)}."
        more = f"; {self.remaining} more to read" if self.remaining else ""
        return f"{read}{more}." if read else ""


@dataclass(frozen=True)
class CheckResult:
    """What one check found: how many recipients newly reported, or the IMAP error, and where
    the reading stands afterwards."""

    new: int = 0
    error: MailError | None = None
    set_up: bool = True  # False: the person has no IMAP settings, nothing was read
    recent: bool = False  # True: not read again, the last check was a moment ago
    busy: bool = False  # True: not read, another check is reading the inbox now
    waiting: bool = False  # True: not read, the last one failed and its next try is later
    reading: Reading = Reading()

    @property
    def failed(self) -> bool:
        """Whether the reports could not be read (now, or not yet again)."""
        return self.error is not None or self.waiting

    @property
    def text(self) -> str:
        """One line in plain words (for `flask mail check-bounces`)."""
        if not self.set_up:
            return _words(self.error) if self.error else "IMAP is not set up."
        if self.waiting:
            return f"Not read now. {self.reading.text}"
        if self.recent:
            return "Checked for bounce reports a moment ago."
        if self.busy:
            return "Being read now by another check."
        found = f"{self.new} new bounce{'' if self.new == 1 else 's'}"
        if self.error is not None:
            failed = _words(self.error)
            retry = f"Next try at {_utc(self.reading.retry_at)}."
            return f"{found}; the reading stopped: {failed} {retry}" if self.new else (
                f"{failed} {retry}")
        more = self.reading.remaining
        return f"{found}; {more} more to read" if more else found


def _words(error: MailError) -> str:
    return f"{error.reason} {error.hint}".strip()


def _utc(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else "?"


def imap_config(user_id: int) -> ImapConfig | None:
    """The person's usable IMAP settings (the Sent-copy settings), or None."""
    return imap_config_for(user_id)


def check(user_id: int, config: ImapConfig | None = None,
          min_interval: timedelta | None = None, force: bool = False) -> CheckResult:
    """Read the person's new delivery reports and store those about their own messages;
    with ``min_interval``, not again so soon after a check that worked. After a failure the
    next reading waits (1, 2, 4 ... minutes, at most an hour) unless ``force``d or the
    settings changed; one reader at a time per person (a claim); progress is kept whatever
    happens."""
    config = config or imap_config(user_id)
    held = not_now(user_id, config, min_interval, force)
    if held is not None:
        return held
    owner = claims.take(user_id)
    if owner is None:
        return CheckResult(busy=True, reading=reading_of(_state(user_id, _mailbox(config))))
    try:
        return _read(user_id, config, owner)
    except BaseException:
        with writing():
            claims.give_back(user_id, owner)
        raise


def not_now(user_id: int, config: ImapConfig | None, min_interval: timedelta | None = None,
            force: bool = False) -> CheckResult | None:
    """Why the person's inbox is not read now (not set up, waiting after a failure, read a
    moment ago), without reading it; None when a check may read."""
    if config is None:  # not set up, or waiting for its owner to confirm an admin's change
        return CheckResult(set_up=False, error=grant_refusal(user_id))
    state = _state(user_id, _mailbox(config))
    if not force and _waiting(user_id, state):
        return CheckResult(waiting=True, reading=reading_of(state))
    if min_interval is not None and _checked_within(state, min_interval):
        return CheckResult(recent=True, reading=reading_of(state))
    return None


def _read(user_id: int, config: ImapConfig, owner: str) -> CheckResult:
    """One reading, holding the claim; the claim ends where the outcome is stored."""
    mailbox = _mailbox(config)
    state = _state(user_id, mailbox)
    known = known_envids(user_id)
    uidvalidity, after_uid = (state.uidvalidity, state.last_uid) if state else (0, 0)
    release()  # no transaction while IMAP answers
    try:
        scan = bounces.scan_inbox(config, uidvalidity, after_uid, known=known,
                                  limit=reports_per_check())
    except MailError as error:
        with writing():
            reading = _remember(user_id, mailbox, error=error)
            claims.give_back(user_id, owner)
        return CheckResult(error=error, reading=reading)
    with writing():
        new = store(user_id, scan.bounces)
        reading = _remember(user_id, mailbox, scan=scan, error=scan.error)
        claims.give_back(user_id, owner)
    return CheckResult(new=new, error=scan.error, reading=reading)


def reading_for(user_id: int) -> Reading | None:
    """Where the reading of the person's bounce reports stands, or None without IMAP."""
    config = imap_config(user_id)
    return None if config is None else reading_of(_state(user_id, _mailbox(config)))


def done_since(user_id: int, moment: datetime) -> CheckResult | None:
    """What the readings of the person's inbox that ended after `moment` found (the recipients
    newly reported since, and where the reading stands), or None while none has ended."""
    config = imap_config(user_id)
    if config is None:
        return CheckResult(set_up=False, error=grant_refusal(user_id))
    state = _state(user_id, _mailbox(config))
    if state is None or state.checked_at is None or state.checked_at < moment:
        return None
    new = db.session.scalar(select(func.count()).select_from(BounceReport).where(
        BounceReport.user_id == user_id, BounceReport.recorded_at >= moment)) or 0
    return CheckResult(new=new, reading=reading_of(state))


def reports_per_check() -> int:
    """How many reports one check may look at (BOUNCE_REPORTS_PER_CHECK)."""
    return int(current_app.config["BOUNCE_REPORTS_PER_CHECK"])


def reading_of(state: BounceScan | None) -> Reading:
    """The stored state in plain terms."""
    if state is None:
        return Reading()
    return Reading(state.read_at, state.remaining, state.error,
                   state.retry_at if state.error else None)


def backoff(failures: int) -> timedelta:
    """How long to wait after ``failures`` failed readings in a row: 1, 2, 4 ... minutes."""
    return min(FIRST_WAIT * 2 ** min(max(failures - 1, 0), 10), LONGEST_WAIT)


def people_with_imap() -> list[tuple[User, ImapConfig]]:
    """Every active person whose IMAP settings are usable, with them."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))
    found = [(user, imap_config(user.id)) for user in users]
    return [(user, config) for user, config in found if config is not None]


def _mailbox(config: ImapConfig) -> str:
    """Which mailbox the UIDs belong to: a new server or account starts from the beginning."""
    return f"{config.username}@{config.host}:{config.port}".lower()[:400]


def _state(user_id: int, mailbox: str) -> BounceScan | None:
    """The person's stored reading of this mailbox (None: never read, or another mailbox)."""
    state = db.session.get(BounceScan, user_id, populate_existing=True)
    return state if state is not None and state.mailbox == mailbox else None


def _waiting(user_id: int, state: BounceScan | None) -> bool:
    """Whether the last reading failed and its next try is later, and the settings it
    failed with were not changed since (a fixed password is tried at once)."""
    if state is None or not state.error or state.retry_at is None or state.checked_at is None:
        return False
    if utcnow() >= state.retry_at:
        return False
    changed = [row.updated_at for row in (db.session.get(ImapSettings, user_id),
                                          db.session.get(EmailSettings, user_id))
               if row is not None and row.updated_at is not None]
    return not any(moment > state.checked_at for moment in changed)


def _checked_within(state: BounceScan | None, interval: timedelta) -> bool:
    return (state is not None and not state.error and state.checked_at is not None
            and utcnow() - state.checked_at < interval)


def _remember(user_id: int, mailbox: str, scan: bounces.Scan | None = None,
              error: MailError | None = None) -> Reading:
    """Keep where the reading got to (even when it stopped on an error) and, after a
    failure, when to try again."""
    state = (db.session.get(BounceScan, user_id, populate_existing=True)
             or BounceScan(user_id=user_id, mailbox=""))
    db.session.add(state)
    now = utcnow()
    if state.mailbox != mailbox:
        state.mailbox, state.failures, state.read_at, state.remaining = mailbox, 0, None, 0
        state.uidvalidity = state.last_uid = 0
    if scan is not None:
        moved = state.uidvalidity != scan.uidvalidity
        state.last_uid = scan.last_uid if moved else max(state.last_uid or 0, scan.last_uid)
        state.uidvalidity, state.remaining = scan.uidvalidity, scan.remaining
    state.checked_at = now
    if error is None:
        state.read_at, state.failures, state.retry_at, state.error = now, 0, None, ""
    else:
        state.failures = (state.failures or 0) + 1
        state.retry_at = now + backoff(state.failures)
        state.error = f"{error.reason} {error.hint}".strip()[:500]
    return reading_of(state)


def known_envids(user_id: int) -> set[str]:
    """The envelope ids of all the person's messages (new ones indexed first): a report
    naming none of them is about someone else's mail and is not read whole."""
    if _unindexed(user_id):
        with writing():
            index_envelopes(user_id)
    return set(db.session.scalars(select(MessageEnvelope.envid).where(
        MessageEnvelope.user_id == user_id, MessageEnvelope.envid != "")))


def _unindexed(user_id: int) -> bool:
    return db.session.scalar(
        select(Message.id).join(MessageBody, MessageBody.message_id == Message.id)
        .outerjoin(MessageEnvelope, MessageEnvelope.message_id == Message.id)
        .where(Message.user_id == user_id, MessageEnvelope.message_id.is_(None))
        .limit(1)) is not None


def store(user_id: int, found: tuple[Bounce, ...] | list[Bounce]) -> int:
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


def _insert(user_id: int, message_id: int, status: RecipientStatus,
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
