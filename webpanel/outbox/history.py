"""Each document's email history and its status in the documents list.

Everyone in the office sees that a document was sent, when, to whom and by whom; only the
sender opens the message itself (another person's message answers 404 in Sent mail).
Messages are matched by document id *and* label: SQLite may give a deleted document's id to a
new one, but numbers are never reused, so an old history never shows on a new document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, select

from webpanel import sending
from webpanel.auth.models import User
from webpanel.extensions import db
from webpanel.outbox import copying
from webpanel.outbox.models import STATUS_LABELS, Message, SentCopy
from webpanel.outbox.records import can_retry, effective_status, next_steps
from webpanel.outbox.slots import BOUNCE_OUTCOMES, MESSAGE_TAGS

HISTORY_LIMIT = 50
#: What the documents list says of a document, from its newest message.
LIST_STATUS = {"sent": "Sent", "failed": "Failed", "handed_off": "Handed to email client",
               "sending": "Sending", "unknown": "Unknown", "queued": "Queued",
               "scheduled": "Scheduled", "cancelled": "Cancelled"}
NOT_SENT = "Not sent"


@dataclass(frozen=True)
class Entry:
    """One email about a document, as its history lists it."""

    id: int
    when: datetime
    to: str
    by: str
    method: str
    status: str
    status_label: str
    own: bool
    retry: bool = False  # Retry is offered (webpanel.outbox.records.can_retry)
    steps: tuple[str, ...] = ()  # its actions, first first (webpanel.outbox.records.next_steps)
    user_id: int = 0
    error_step: str = ""
    error_fix_tab: str = ""  # the Email sub-tab whose settings fix its failure
    copy: SentCopy | None = None  # its copy in the Sent folder (own messages)
    bounces: Any = None  # its recipients' delivery reports, if any (BOUNCE_OUTCOMES)
    due_at: datetime | None = None  # when a scheduled (or retried) message goes
    tag: str = ""  # what the message was, when a feature sent it on its own ("Reminder 2")


def _of(document):
    return (Message.document_id == document.id) & (Message.document_label == document.label)


def history(document, user_id: int) -> list[Entry]:
    """The document's emails, newest first (at most HISTORY_LIMIT)."""
    rows = db.session.execute(
        select(Message.id, Message.created_at, Message.sent_at, Message.to_addrs,
               Message.cc_addrs, Message.method, Message.status, Message.updated_at,
               Message.user_id, Message.retry_helps, Message.due_at, Message.attempts,
               Message.error_step, Message.error_fix_tab, User.email)
        .join(User, User.id == Message.user_id)
        .where(_of(document))
        .order_by(Message.id.desc()).limit(HISTORY_LIMIT)).all()
    own = [row.id for row in rows if row.user_id == user_id]
    copies = copying.copies_of(own) if own else {}  # one query for the whole history
    bounces = BOUNCE_OUTCOMES([row.id for row in rows])  # and one for its bounces
    tags = MESSAGE_TAGS([row.id for row in rows]) if rows else {}
    return [_entry(row, user_id, copies.get(row.id), bounces.get(row.id), tags.get(row.id, ""))
            for row in rows]


def _entry(row, user_id: int, copy: SentCopy | None = None, bounces: Any = None,
           tag: str = "") -> Entry:
    status = effective_status(row)
    to = ", ".join(filter(None, (row.to_addrs, row.cc_addrs)))
    return Entry(id=row.id, when=row.sent_at or row.created_at, to=to, by=row.email,
                 method=sending.LABELS.get(row.method, row.method), status=status,
                 status_label=STATUS_LABELS.get(status, status), own=row.user_id == user_id,
                 retry=can_retry(row), steps=next_steps(row), user_id=row.user_id,
                 error_step=row.error_step, error_fix_tab=row.error_fix_tab, copy=copy,
                 bounces=bounces, due_at=row.due_at, tag=tag)


def ever_sent(document) -> datetime | None:
    """When the document last left (sent or handed to an email client), if ever. The status
    is checked inside the max, so the rows are found by the document's index, never by the
    status index (a scan of every message sent, which SQLite's planner may otherwise pick)."""
    left = case((Message.status.in_(("sent", "handed_off")),
                 func.coalesce(Message.sent_at, Message.created_at)))
    return db.session.scalar(select(func.max(left)).where(_of(document)))


def sent_among(documents: list) -> set[int]:
    """The ids of these documents that ever left (sent or handed to an email client): one
    query for a list, where `ever_sent` is one per document."""
    labels = {document.id: document.label for document in documents}
    if not labels:
        return set()
    rows = db.session.execute(select(Message.document_id, Message.document_label).distinct()
                              .where(Message.document_id.in_(labels),
                                     Message.status.in_(("sent", "handed_off"))))
    return {row.document_id for row in rows if labels.get(row.document_id) == row.document_label}


def list_statuses(documents: list) -> dict[int, str]:
    """The documents list's words for each document: its newest message's status."""
    labels = {document.id: document.label for document in documents}
    if not labels:
        return {}
    rows = db.session.execute(_newest_query(), {"ids": list(labels)})
    found = {row.document_id: LIST_STATUS.get(effective_status(row), NOT_SENT) for row in rows
             if labels.get(row.document_id) == row.document_label}
    return {document_id: found.get(document_id, NOT_SENT) for document_id in labels}


@cache
def _newest_query() -> Select:
    """`list_statuses`' statement, built once per process (building it cost more than running
    it): each document's newest message under its present label."""
    newest = (select(func.max(Message.id))
              .where(Message.document_id.in_(bindparam("ids", expanding=True)))
              .group_by(Message.document_id, Message.document_label))
    return (select(Message.document_id, Message.document_label, Message.status,
                   Message.updated_at).where(Message.id.in_(newest)))
