"""Messages on the background worker.

The Email dialog (and Retry) records a message with its exact bytes as "queued" (or, with Send
later, "scheduled"), commits, and queues a job carrying only its id. The job claims the row
with a compare-and-set (waiting and due → "sending", one attempt more) before any network
call, so a doubled or re-queued job finds nothing to do, and a worker killed mid-send leaves
"sending", shown as "unknown" and never sent again on its own. A failure that may pass goes
back to "queued" with a later due_at (about 1, 5, 15, 60 minutes, then hourly); the sweeper
queues again every due message whose job was lost (a queue emptied, a worker killed between
claim-free steps), and runs once when a worker starts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from webpanel import worker
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mailbase import MailError
from webpanel.outbox.models import WAITING, Message
from webpanel.transactions import release

log = logging.getLogger("webpanel.outbox")

SEND_JOB = "outbox.send"
SWEEP_JOB = "outbox.sweep"
#: A due message whose job has not claimed it after this long counts as lost and is queued
#: again (the claim makes a second job harmless; the wait keeps a long queue from doubling).
LOST_AFTER = timedelta(minutes=2)
#: The most due messages one sweep queues again (the next sweep takes the rest).
SWEEP_BATCH = 1000


def enqueue(message_id: int, due_at: datetime | None = None) -> bool:
    """Queue the send job for a committed message, at once or at `due_at` (UTC). The open
    transaction ends first: nothing holds the database while the queue (or, in a test's
    immediate mode, the send itself) runs. False if the queue was unreachable: the message
    stays waiting and the sweeper queues it."""
    release()
    return worker.enqueue(SEND_JOB, message_id, eta=due_at)


def claim(message_id: int) -> bool:
    """Take a waiting, due message for sending: one attempt more, "sending" from now. Only one
    caller ever gets True for each wait, whatever runs at the same time."""
    now = utcnow()
    claimed = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status.in_(WAITING),
               or_(Message.due_at.is_(None), Message.due_at <= now))
        .values(status="sending", updated_at=now, attempts=Message.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def sweep(now: datetime | None = None) -> int:
    """Queue again each due message that has waited past LOST_AFTER (its job was lost);
    returns how many. Their wait starts over in the same statement, so neither a sweep at the
    same time (on PostgreSQL it skips the rows this one holds) nor the next one queues them
    again before LOST_AFTER has passed once more."""
    now = now or utcnow()
    before = now - LOST_AFTER
    lost = (select(Message.id)
            .where(Message.status.in_(WAITING), Message.updated_at < before,
                   or_(Message.due_at.is_(None), Message.due_at < before))
            .order_by(Message.id).limit(SWEEP_BATCH).with_for_update(skip_locked=True))
    ids = sorted(db.session.scalars(
        update(Message).where(Message.id.in_(lost.scalar_subquery()))
        .values(updated_at=now).returning(Message.id)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    for message_id in ids:
        if not enqueue(message_id):
            break
    if ids:
        log.info("queued %d waiting messages again", len(ids))
    return len(ids)


def may_pass(error: MailError) -> bool:
    """Whether a failure may pass by itself, so that sending the same bytes later can work: a
    refused or timed-out connection, a server's 4xx, Google's or Microsoft's 429 or 5xx. Not a
    missing setting, a refusal for good, or a failure while the message was being handed over
    with no answer (it may have gone: only a person decides to send it again)."""
    if not error.retryable or error.step == "settings":
        return False
    return error.step != "message" or bool(error.reply)


def next_try(attempts: int) -> datetime | None:
    """When the attempt after `attempts` failed ones goes, or None once SEND_ATTEMPTS ran."""
    config = current_app.config
    if attempts >= config["SEND_ATTEMPTS"]:
        return None
    delays = config["SEND_RETRY_SECONDS"]
    return utcnow() + timedelta(seconds=delays[min(attempts, len(delays)) - 1])
