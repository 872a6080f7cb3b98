"""The copy in the Sent folder: made after an SMTP send, and again on Retry copy.

It runs where the message was sent (the background worker's send job), once the message is
committed as "sent"; Retry copy marks the copy pending and queues a job of its own (the page
asks for the state until it is copied or failed). No transaction is open during the IMAP
visit, which ends within MAIL_TIMEOUT. It never changes the message's status: a failed copy is
recorded on the copy ("Sent; the copy in your Sent folder failed: …"), and the folder is
searched by Message-ID first, so a Retry never files a second copy.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import or_, select, update

from webpanel import sending, worker
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mail import imap
from webpanel.mail.imap import ImapConfig
from webpanel.mailbase import MailError
from webpanel.outbox.models import (
    COPIED,
    FAILED,
    NOT_NEEDED,
    PENDING,
    Message,
    SentCopy,
)
from webpanel.outbox.records import mime_of, stale_before
from webpanel.settings import imap_settings as services
from webpanel.settings import servers
from webpanel.settings.models import EmailSettings, ImapSettings
from webpanel.transactions import release

log = logging.getLogger("webpanel.sentcopy")

NO_PASSWORD = MailError("sign-in", "The panel has no IMAP password it may use for your Sent "
                        "folder.", "Open Email settings → SMTP, type the IMAP password in "
                        "the Sent folder copy section and save, then Retry copy.",
                        retryable=False)
UNEXPECTED = MailError("copy", "Something unexpected went wrong while copying.",
                       "Retry copy; if it fails again, tell your administrator.")
NOT_QUEUED = MailError("copy", "The panel could not hand the copy to its background worker.",
                       "Retry copy in a minute; if it fails again, tell your administrator.")
#: The background worker's job that makes a copy again (Retry copy).
COPY_JOB = "outbox.copy"


def after_send(message: Message, data: bytes) -> None:
    """Once the record says "sent": copy `data` (the stored bytes) to the sender's Sent
    folder when they set that up. Never raises, never touches the message's status."""
    try:
        message_id, user_id = message.id, message.user_id
        method = sending.METHODS.get(message.method)
        if message.status == "sent" and method is not None and method.imap_copy:
            _first_copy(message_id, user_id, data)
    except Exception:
        log.exception("unexpected error copying message to the Sent folder")
        db.session.rollback()
    finally:
        release()


def _first_copy(message_id: int, user_id: int, data: bytes) -> None:
    row = db.session.get(ImapSettings, user_id)
    if row is None or not row.enabled:
        return
    smtp = db.session.get(EmailSettings, user_id)
    why = imap.provider_copy(sending.SMTP.name, smtp.smtp_server if smtp else "")
    if why:
        _store(message_id, user_id, NOT_NEEDED, reason=why)
        return
    _store(message_id, user_id, PENDING, attempt=True)
    _copy(message_id, user_id, data)


INTERRUPTED = "The copy was interrupted before it finished."


def state_of(record: SentCopy) -> str:
    """The state to show: a "pending" left behind by a crash counts as "failed"."""
    if record.state == PENDING and record.updated_at < stale_before():
        return FAILED
    return record.state


def retry_copy(message: Message) -> SentCopy | None:
    """Mark the copy of a sent message whose copy failed (or was left pending) pending again,
    and queue the job that makes it; a second click while one waits or runs does nothing.
    Returns the copy's record."""
    stale = stale_before()
    claimed = db.session.execute(
        update(SentCopy).where(SentCopy.message_id == message.id,
                               or_(SentCopy.state == FAILED,
                                   (SentCopy.state == PENDING) & (SentCopy.updated_at < stale)))
        .values(state=PENDING, updated_at=utcnow(), attempts=SentCopy.attempts + 1)
    ).rowcount
    db.session.commit()
    if claimed:
        attempt = db.session.get(SentCopy, message.id, populate_existing=True).attempts
        release()
        if not worker.enqueue(COPY_JOB, message.id, attempt):
            _store(message.id, message.user_id, FAILED, error=NOT_QUEUED)
    return db.session.get(SentCopy, message.id, populate_existing=True)


def copy_again(message_id: int, attempt: int) -> None:
    """The job of a Retry copy: make the copy, unless it is no longer that attempt's (a later
    Retry copy took over) or no longer pending."""
    record = db.session.get(SentCopy, message_id, populate_existing=True)
    message = db.session.get(Message, message_id)
    if record is None or message is None or record.state != PENDING or (
            record.attempts != attempt):
        return
    try:
        _copy(message_id, record.user_id, mime_of(message))
    except Exception:
        log.exception("unexpected error copying message %s again", message_id)
        db.session.rollback()
        _store(message_id, record.user_id, FAILED, error=UNEXPECTED)


def _copy(message_id: int, user_id: int, data: bytes) -> None:
    """Make the copy, with no transaction open during the IMAP visit; record the outcome."""
    config, folder = services.imap_config_for(user_id), services.folder_for(user_id)
    try:
        if config is None:
            raise services.grant_refusal(user_id) or NO_PASSWORD
        _admit(config)
        release()  # nothing holds the database while the IMAP server answers
        result = imap.copy_to_sent(config, data, folder)
    except MailError as error:
        _store(message_id, user_id, FAILED, error=error)
        return
    _store(message_id, user_id, COPIED, folder=imap.decode_utf7(result.folder))


def _admit(config: ImapConfig) -> None:
    """Only a server the office allows (MAIL_ALLOWED_HOSTS)."""
    if not servers.is_allowed(config.host):
        raise MailError("settings", f"“{config.host}” is not one of the mail servers this "
                        f"office allows ({servers.allowed_words()}).", "Open Email settings → "
                        "SMTP and enter one of them for IMAP, or ask your administrator.",
                        retryable=False)


def _store(message_id: int, user_id: int, state: str, *, reason: str = "", folder: str = "",
           error: MailError | None = None, attempt: bool = False) -> None:
    """Write the copy's state in a short transaction of its own."""
    record = db.session.get(SentCopy, message_id) or SentCopy(
        message_id=message_id, user_id=user_id, attempts=0)
    record.state, record.folder = state, folder
    record.reason = error.reason if error else reason
    record.hint = error.hint if error else ""
    record.attempts += int(attempt)
    db.session.add(record)
    db.session.commit()


def copy_of(message_id: int) -> SentCopy | None:
    """The copy's record for a message, or None when no copy was asked for."""
    return db.session.get(SentCopy, message_id)


def copies_of(message_ids: Iterable[int]) -> dict[int, SentCopy]:
    """The copy records of several messages at once (messages without one are absent)."""
    rows = db.session.scalars(select(SentCopy).where(SentCopy.message_id.in_(list(message_ids))))
    return {row.message_id: row for row in rows}


def copy_for(message_id: int) -> SentCopy | None:
    """One message's copy record, if it has one."""
    return copies_of((message_id,)).get(message_id)


def failed_text(record: SentCopy) -> str:
    """ "Sent; the copy in your Sent folder failed: <reason>"."""
    reason = record.reason if record.state == FAILED else INTERRUPTED
    return imap.copy_failed_text(MailError("copy", reason, record.hint))
