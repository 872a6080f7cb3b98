"""Reading a message record: the status a person sees, whether Retry is offered, which settings
fix a failure and which action comes first, and its stored bytes. One place for each, below the
sending, the lists, the history, the home page, Send Test and the Sent folder copy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from webpanel import sending
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mailbase import MailError
from webpanel.outbox.models import MessageBody

#: Steps whose failures the person can fix in their settings, after which Retry works even
#: though the same attempt now would fail again (MailError.retryable False).
FIXED_IN_SETTINGS = frozenset({"settings", "sign-in", "connect", "tls", "greeting"})
#: A failure's actions: open the settings that fix it, or send the same bytes again.
FIX, RETRY = "fix", "retry"


def stale_before() -> datetime:
    """Messages still "sending" since before this moment are shown as "unknown"."""
    return utcnow() - timedelta(seconds=current_app.config["SENDING_STALE_AFTER"])


def effective_status(message) -> str:
    """The status to show of a message record or list row: a "sending" left behind by a crash
    is "unknown"."""
    if message.status == "sending" and message.updated_at < stale_before():
        return "unknown"
    return message.status


def waiting_to_retry(message) -> bool:
    """Whether the message failed in a way that may pass and waits for its automatic retry."""
    return message.status == "queued" and message.attempts > 0 and message.due_at is not None


def on_its_way(message) -> bool:
    """Whether the message is being sent now, waits for a worker to take it, or waits out the
    Undo time (not for a later time: Send later, or an automatic retry)."""
    status = effective_status(message)
    return status == "sending" or (status == "queued" and not waiting_to_retry(message))


def can_retry(message) -> bool:
    """Whether Retry is offered: a stale "sending", a failure that a retry can help, or one
    waiting for its automatic retry (Retry sends it now)."""
    status = effective_status(message)
    return (status == "unknown" or (status == "failed" and message.retry_helps)
            or waiting_to_retry(message))


def fix_tab(error: MailError, method: str) -> str:
    """The Email sub-tab whose settings fix a failure of sending by `method`: the one the
    failure names (a wrong server name or port, Microsoft's "passwords are off"), else the
    method's own tab for a refusal at a settings step that no retry by itself can change (a
    refused sign-in, an untrusted certificate, a revoked Gmail or Outlook sign-in); "" when
    the failure may pass by itself or its fix is not in the settings."""
    if error.fix_tab:
        return error.fix_tab
    known = sending.METHODS.get(method)
    if error.step in FIXED_IN_SETTINGS and not error.retryable and known and known.network:
        return known.tab
    return ""


def ordered(fix: str, retry: bool, waiting: bool) -> tuple[str, ...]:
    """A failure's actions, first first: the settings that fix it (`fix`, a sub-tab), then
    Retry; Retry first while the panel still retries by itself (`waiting`)."""
    actions = ((FIX,) if fix else ()) + ((RETRY,) if retry else ())
    return actions[::-1] if waiting else actions


def next_steps(message) -> tuple[str, ...]:
    """What a message record or list row offers, first first (FIX, RETRY): every place that
    shows a failed message asks here."""
    waiting = waiting_to_retry(message)
    shows_failure = waiting or effective_status(message) == "failed"
    return ordered(message.error_fix_tab if shows_failure else "", can_retry(message), waiting)


def mime_of(message) -> bytes:
    """The stored MIME bytes of a message (a record, or anything with its ``id``)."""
    return db.session.scalar(select(MessageBody.mime).where(MessageBody.message_id == message.id))
