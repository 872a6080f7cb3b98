"""Sending with a record: recorded with its exact bytes before any network call and queued for
the background worker (webpanel.outbox.dispatch), then sent or failed; Retry queues it again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from webpanel import sending
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mail import builder, international
from webpanel.mail.unexpected import unexpected_error
from webpanel.mailbase import MailError, Outgoing
from webpanel.outbox import copying as sent_copy
from webpanel.outbox import dispatch, limits
from webpanel.outbox.models import Message, MessageBody
from webpanel.outbox.records import FIXED_IN_SETTINGS, fix_tab, mime_of, stale_before
from webpanel.settings import servers, smtp_health
from webpanel.settings import services as settings_services
from webpanel.settings.models import EmailSettings

log = logging.getLogger("webpanel.outbox")


class NotReady(Exception):
    """The message cannot be sent as it is; `field` names the form field to fix (or None)."""

    def __init__(self, message: str, field: str | None = None,
                 admin_can_allow: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.admin_can_allow = admin_can_allow  # an administrator could lift the limit


def find_by_key(user_id: int, key: str) -> Message | None:
    """The message already recorded for this compose dialog, if any."""
    return db.session.scalar(select(Message).where(Message.user_id == user_id,
                                                   Message.idempotency_key == key))


def send(settings: EmailSettings, draft: builder.Draft, key: str,
         document: tuple[int, str] | None = None, due_at: datetime | None = None,
         hold: int = 0) -> Message:
    """Build, check sizes, record with the exact bytes, then queue it for the worker (at
    `due_at`, UTC, with Send later; else after `hold` seconds, the office's Undo time); an
    Email Client draft is handed over at once. Sends once per key."""
    existing = find_by_key(settings.user_id, key)
    if existing:
        return existing
    if not settings.address:
        raise NotReady("There is no Email Address to send from: enter it on Email settings → "
                       "General, then try again.")
    method = settings.send_using
    try:
        outgoing = builder.build(draft, for_email_client=method == sending.CLIENT.name)
    except builder.MessageRejected as refused:
        raise NotReady(f"{refused.reason} {refused.hint}", refused.form_field) from None
    try:
        international.check_api(method, outgoing)
    except MailError as refused:  # known before anything is recorded: say so in the dialog
        raise NotReady(f"{refused.reason} {refused.hint}") from None
    try:
        limits.check(outgoing, method, draft.attachments)
    except limits.TooLarge as refused:
        raise NotReady(str(refused), "files", refused.admin_can_allow) from None
    queued = _over_network(method)
    status = ("scheduled" if due_at else "queued") if queued else "sending"
    if queued and due_at is None and hold > 0:
        due_at = utcnow() + timedelta(seconds=hold)
    try:
        message = record(settings.user_id, key, method, draft, outgoing, document, status,
                         due_at)
    except IntegrityError:
        db.session.rollback()
        return find_by_key(settings.user_id, key)
    if not queued:
        return deliver(message, outgoing, settings)
    message_id = message.id
    dispatch.enqueue(message_id, due_at)
    return db.session.get(Message, message_id, populate_existing=True)


def record(user_id: int, key: str, method: str, draft: builder.Draft, outgoing: Outgoing,
           document: tuple[int, str] | None, status: str = "queued",
           due_at: datetime | None = None) -> Message:
    """Store the message and its exact bytes, committed before any network call: "queued" for
    the worker, "scheduled" for `due_at`, or "sending" when handed over in this request."""
    message = Message(
        user_id=user_id, idempotency_key=key, method=method, status=status, due_at=due_at,
        subject=draft.subject, from_header=_from_header(draft), envelope_from=outgoing.sender,
        to_addrs=", ".join(draft.to), cc_addrs=", ".join(draft.cc),
        bcc_addrs=", ".join(draft.bcc), size=len(outgoing.data),
        attachment_count=len(draft.attachments), attempts=int(status == "sending"),
        document_id=document[0] if document else None,
        document_label=document[1] if document else "",
    )
    message.body = MessageBody(mime=outgoing.data)
    db.session.add(message)
    db.session.commit()
    return message


def run_queued(message_id: int) -> None:
    """The worker's send job: claim the message (a second job, or one for a message already
    sent or cancelled, does nothing), then send its stored bytes with its owner's settings."""
    if not dispatch.claim(message_id):
        return
    message = db.session.get(Message, message_id)
    try:
        settings = settings_services.load(message.user_id)
        outgoing = stored_outgoing(message, mime_of(message))
    except Exception:  # before anything left: failed with Retry, not "sending" for good
        log.exception("unexpected error preparing message %s", message_id)
        db.session.rollback()
        message = db.session.get(Message, message_id)
        _failed(message, unexpected_error("settings", may_have_left=False))
        db.session.commit()
        return
    deliver(message, outgoing, settings)


def deliver(message: Message, outgoing: Outgoing, settings: EmailSettings) -> Message:
    """Hand the message to its transport and record the outcome; whatever goes wrong, the
    record ends "failed" with a plain reason and Retry, or "queued" for an automatic retry
    when the failure may pass; never "sending"."""
    handed_over = False
    try:
        transport = sending.transport_for(settings, message.method)
        international.check_api(message.method, outgoing)
        servers.admit(settings.user_id, transport)  # commits before the network call
        handed_over = True
        result = transport.send(outgoing)
    except MailError as error:
        _failed(message, limits.name_the_file(error, outgoing.data))
        _later(message, error)
        if message.method == sending.SMTP.name and handed_over:  # the saved settings failed
            smtp_health.failed(settings.user_id, error)
    except Exception:
        log.exception("unexpected error sending message %s by %s", message.id, message.method)
        db.session.rollback()
        # SMTP's MAIL/RCPT/DATA report their own surprises (webpanel.mail.smtp), so one that
        # reaches here from SMTP came before the server was given anything.
        _failed(message, unexpected_error("message" if handed_over else "settings",
                                          handed_over and message.method != sending.SMTP.name))
    else:
        message.status = sending.get(message.method).success
        message.reply, message.provider_id = result.reply, result.provider_id or ""
        message.error_step = message.error_reason = message.error_hint = ""
        message.retry_helps, message.error_fix_tab = True, ""
        message.sent_at, message.due_at = utcnow(), None
    db.session.add(message)
    db.session.commit()
    if message.status == "queued":  # an automatic retry, once committed
        dispatch.enqueue(message.id, message.due_at)
    elif message.status != "failed":
        _remember(settings.user_id, transport, message.method)
    sent_copy.after_send(message, outgoing.data)  # after the commit: the copy in Sent (IMAP)
    return message


def _remember(user_id: int, transport: object, method: str) -> None:
    """Note that the server worked (and, for SMTP, that the saved settings do), after the
    record says "sent": failing to note it must never turn a message that went into one stuck
    in "sending"."""
    try:
        servers.worked(user_id, transport)
        if method == sending.SMTP.name:
            smtp_health.worked(user_id)
        db.session.commit()
    except Exception:
        log.exception("could not note that a mail server worked for user %s", user_id)
        db.session.rollback()


def retry_helps(error: MailError) -> bool:
    """Whether sending the same bytes again can succeed: later by itself, once the person fixed
    their settings, or by another server or way of sending (what the panel refused itself
    because this server or API lacks something); not when the server answered that it refuses
    this message or its recipients for good."""
    return error.retryable or error.step in FIXED_IN_SETTINGS or not error.reply


def _later(message: Message, error: MailError) -> None:
    """Wait for an automatic retry when the failure may pass and attempts are left (the
    reason stays on the record, to say why it waits)."""
    due = dispatch.next_try(message.attempts) if dispatch.may_pass(error) else None
    if due is not None and _over_network(message.method):
        message.status, message.due_at = "queued", due


def _over_network(method: str) -> bool:
    """Whether a method's own network carries the message (so the worker sends it); an
    unknown method is taken to, and fails there with a plain reason."""
    known = sending.METHODS.get(method)
    return known.network if known else True


def _failed(message: Message, error: MailError) -> None:
    message.status, message.retry_helps = "failed", retry_helps(error)
    message.error_step, message.error_reason = error.step, error.reason
    message.error_hint, message.reply = error.hint, error.reply or ""
    message.error_fix_tab = fix_tab(error, message.method)


def retry(message: Message, settings: EmailSettings) -> Message:
    """Queue a failed (or unknown) message's stored bytes again, now (one waiting for its
    automatic retry too), or send them at once when Retry hands a draft to the email client;
    a second click does nothing."""
    method = retry_method(message, settings)
    network = _over_network(method)
    values = ({"status": "queued", "due_at": None} if network
              else {"status": "sending", "attempts": Message.attempts + 1})
    claimed = db.session.execute(
        update(Message)
        .where(Message.id == message.id,
               or_((Message.status == "failed") & Message.retry_helps,
                   (Message.status == "queued") & Message.due_at.is_not(None)
                   & (Message.attempts > 0),
                   (Message.status == "sending") & (Message.updated_at < stale_before())))
        .values(updated_at=utcnow(), method=method, **values)
    ).rowcount
    db.session.commit()
    message_id = message.id
    if claimed and network:
        dispatch.enqueue(message_id)
    message = db.session.get(Message, message_id, populate_existing=True)
    if not claimed or network:
        return message
    return deliver(message, stored_outgoing(message, mime_of(message)), settings)


def undo(message: Message) -> bool:
    """Cancel a message still waiting out the Undo time; False once a worker took it."""
    cancelled = db.session.execute(
        update(Message)
        .where(Message.id == message.id, Message.status == "queued", Message.attempts == 0,
               Message.due_at.is_not(None))
        .values(status="cancelled", updated_at=utcnow())
    ).rowcount
    db.session.commit()
    db.session.refresh(message)
    return bool(cancelled)


def retry_method(message: Message, settings: EmailSettings) -> str:
    """How Retry sends: the person's current "Send Mail Using" for a message that failed at a
    step their settings fix (Microsoft stopped taking passwords, they signed in on the Outlook
    tab), when both ways carry the same stored bytes over the network; else as before."""
    before, now = sending.METHODS.get(message.method), sending.METHODS.get(settings.send_using)
    if (message.status == "failed" and message.error_step in FIXED_IN_SETTINGS
            and before and now and before.network and now.network):
        return now.name
    return message.method


def stored_outgoing(message: Message, mime: bytes) -> Outgoing:
    """The recorded bytes and envelope, exactly as first built."""
    recipients = [a.strip() for field in (message.to_addrs, message.cc_addrs, message.bcc_addrs)
                  for a in field.split(",") if a.strip()]
    bcc = tuple(_wire(a.strip()) for a in message.bcc_addrs.split(",") if a.strip())
    return Outgoing(data=mime, sender=_wire(message.envelope_from),
                    recipients=tuple(dict.fromkeys(map(_wire, recipients))), bcc=bcc)


def _wire(address: str) -> str:
    """An address as sent (IDNA domain); one that no longer parses goes as it was stored."""
    try:
        return international.wire_address(address)
    except ValueError:
        return address


def get_own(user_id: int, message_id: int) -> Message | None:
    """One of the user's own messages (another user's id gives None)."""
    message = db.session.get(Message, message_id)
    return message if message and message.user_id == user_id else None


def _from_header(draft: builder.Draft) -> str:
    return f"{draft.from_name} <{draft.from_address}>" if draft.from_name else draft.from_address
