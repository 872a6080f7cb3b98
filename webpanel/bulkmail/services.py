"""Queueing a batch: each chosen document becomes its own message, built by the Email dialog's
own code (webpanel.outbox.compose) and recorded and queued by the outbox, once per document
whatever is pressed twice; then the batch's progress, read in one query."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webpanel.bulkmail.models import Batch, BatchItem
from webpanel.bulkmail.selection import Entry, Selection
from webpanel.database import utcnow
from webpanel.documents import services as documents
from webpanel.documents.kinds import KINDS
from webpanel.documents.pdf import PdfRenderError
from webpanel.extensions import db
from webpanel.outbox import compose, records
from webpanel.outbox import services as outbox
from webpanel.outbox.models import Message
from webpanel.settings.models import EmailSettings

log = logging.getLogger(__name__)
#: A document on its way or sent by another Email selected of the person this recently is not
#: sent again by a new one (the same selection sent from two windows).
AGAIN_WITHIN = timedelta(minutes=10)
#: A batch still unfinished this long after its Send was pressed stopped midway.
STOPPED_AFTER = timedelta(minutes=5)

NO_ADDRESS = ("Not sent: {name} has no email address. Add one on the {kind}'s page, then "
              "email this document with its own Email button.")
PDF_FAILED = ("Not sent: its PDF could not be made. Try its own Email button in a moment; if "
              "it keeps happening, tell your administrator.")
STOPPED = ("Not sent: the panel stopped before it got to this one. Email it with its own Email "
           "button.")
UNEXPECTED = ("Not sent: something unexpected went wrong while preparing it (the details are in "
              "the panel's log). Try its own Email button.")
ALREADY = ("Not sent again: it went moments ago with another Email selected of yours (from "
           "another window?). See Sent mail, or use its own Email button to send it again.")
DELETED = "Not sent: this document was deleted after it was selected."
GONE = "Not in Sent mail any more."


def message_key(batch_key: str, document_id: int) -> str:
    """The outbox key of one document of a batch: the same for a second press of Send."""
    digest = hashlib.sha256(f"batch:{batch_key}:{document_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def find(user_id: int, key: str) -> Batch | None:
    """The person's batch made from the dialog with this key, if any."""
    return db.session.scalar(select(Batch).where(Batch.user_id == user_id, Batch.key == key))


def get_own(user_id: int, batch_id: int) -> Batch | None:
    """One of the person's own batches (another person's id gives None)."""
    batch = db.session.get(Batch, batch_id)
    return batch if batch and batch.user_id == user_id else None


def start(user_id: int, key: str, selection: Selection) -> tuple[Batch, bool]:
    """Record the batch and every chosen document (those without an email address with the
    reason already); True when this request made it, False when a second press found it."""
    existing = find(user_id, key)
    if existing:
        return existing, False
    items = [_item(position, entry) for position, entry in enumerate(selection.entries)]
    items += [BatchItem(position=len(items) + n, document_id=document_id,
                        document_label="A deleted document", reason=DELETED)
              for n, document_id in enumerate(selection.missing_ids)]
    batch = Batch(user_id=user_id, key=key, items=items)
    db.session.add(batch)
    try:
        db.session.commit()
    except IntegrityError:  # the same dialog's Send, pressed twice at once
        db.session.rollback()
        return find(user_id, key), False
    return batch, True


def _item(position: int, entry: Entry) -> BatchItem:
    document = entry.document
    name = document.contact.name if document.contact else ""
    reason = "" if entry.to else NO_ADDRESS.format(
        name=name or "the contact", kind=KINDS[document.kind].contact_kind)
    return BatchItem(position=position, document_id=document.id,
                     document_label=document.label[:120], contact_name=name[:200],
                     reason=reason)


def queue_all(batch: Batch, settings: EmailSettings) -> None:
    """Queue each document of the batch that has a recipient as its own message, then mark
    the batch finished. A document deleted meanwhile is said to be gone."""
    batch_id, key, user_id = batch.id, batch.key, batch.user_id
    for item_id in _waiting_items(batch_id):
        item = db.session.get(BatchItem, item_id)
        if _in_earlier_batch(user_id, batch_id, item.document_id):
            item.reason = ALREADY
            db.session.commit()
        else:
            _queue_one(item, key, settings)
    db.session.get(Batch, batch_id).finished_at = utcnow()
    db.session.commit()


def _in_earlier_batch(user_id: int, batch_id: int, document_id: int) -> bool:
    """Whether an earlier Email selected of the person, moments ago, has this document on
    its way or sent (the same selection sent from a second window): not a failed one."""
    rows = db.session.execute(
        select(BatchItem.message_id, Message.status)
        .join(Batch, Batch.id == BatchItem.batch_id)
        .outerjoin(Message, Message.id == BatchItem.message_id)
        .where(Batch.user_id == user_id, Batch.id < batch_id,
               Batch.created_at >= utcnow() - AGAIN_WITHIN,
               BatchItem.document_id == document_id, BatchItem.reason == "")).all()
    return any(message_id is None or status not in ("failed", "cancelled")
               for message_id, status in rows)


def _waiting_items(batch_id: int) -> list[int]:
    return list(db.session.scalars(
        select(BatchItem.id).where(BatchItem.batch_id == batch_id, BatchItem.reason == "",
                                   BatchItem.message_id.is_(None))
        .order_by(BatchItem.position)))


def _queue_one(item: BatchItem, batch_key: str, settings: EmailSettings) -> None:
    """Build one document's message as its Email dialog would prefill it, and queue it."""
    document = documents.get_document(item.document_id)
    if document is None:
        item.reason = DELETED
    else:
        try:
            form = compose.prefilled_form(document, settings,
                                          message_key(batch_key, document.id))
            draft = compose.draft(form, document, settings)
            message = outbox.send(settings, draft, form.idempotency_key.data,
                                  (document.id, document.label))
        except outbox.NotReady as refused:
            item.reason = f"Not sent: {refused}"
        except Exception as error:  # one document's trouble never stops the others
            log.exception("document %s of a batch could not be queued", item.document_id)
            db.session.rollback()
            item = db.session.get(BatchItem, item.id)
            item.reason = PDF_FAILED if isinstance(error, PdfRenderError) else UNEXPECTED
        else:
            item.message_id = message.id
    db.session.add(item)
    db.session.commit()


@dataclass(frozen=True)
class Row:
    """One document of a batch as the progress shows it."""

    item: BatchItem
    message: Message | None
    status: str  # a message status, or "preparing", "not_sent"
    reason: str = ""

    @property
    def pending(self) -> bool:
        """Whether this row may still change by itself (the region asks again)."""
        return self.status == "preparing" or (
            self.message is not None and records.on_its_way(self.message))

    @property
    def retry(self) -> bool:
        """Whether Retry is offered for this row's message."""
        return self.message is not None and records.can_retry(self.message)


@dataclass
class Progress:
    """Every row of a batch and the counts the summary says."""

    rows: list[Row]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        """Whether any document is still on its way (the region asks again until none is)."""
        return any(row.pending for row in self.rows)

    @property
    def retryable(self) -> list[Row]:
        """The rows whose message Retry can send again."""
        return [row for row in self.rows if row.retry]

    def count(self, name: str) -> int:
        """How many rows fall under `name` (one of COUNTED)."""
        return self.counts.get(name, 0)

    @property
    def summary(self) -> str:
        """The one sentence that says how the batch stands."""
        parts = [f"{self.count('sent')} of {len(self.rows)} sent"]
        if self.count("waiting"):
            parts.append(f"{self.count('waiting')} waiting")
        parts += [f"{self.count(name)} {words}" for name, words in
                  (("failed", "failed"), ("not_sent", "not sent")) if self.count(name)]
        return f"{'Sending…' if self.pending else 'Finished:'} {', '.join(parts)}."

    @property
    def said(self) -> str:
        """The counts in a few characters: the region says them again only when they change."""
        return "-".join(str(self.counts.get(name, 0)) for name in COUNTED)


#: What the summary counts, in order.
COUNTED = ("sent", "waiting", "failed", "not_sent")


def progress(batch: Batch) -> Progress:
    """The batch as it stands: its documents in order, with their messages (one query)."""
    items = list(db.session.scalars(select(BatchItem).where(BatchItem.batch_id == batch.id)
                                    .order_by(BatchItem.position)))
    ids = [item.message_id for item in items if item.message_id]
    messages = {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_(ids)))}
    result = Progress([_row(batch, item, messages.get(item.message_id)) for item in items])
    for row in result.rows:
        group = _group(row)
        result.counts[group] = result.counts.get(group, 0) + 1
    return result


def _row(batch: Batch, item: BatchItem, message: Message | None) -> Row:
    if item.reason:
        return Row(item, None, "not_sent", item.reason)
    if message is not None:
        return Row(item, message, records.effective_status(message))
    if item.message_id is None and batch.finished_at is None and not _stopped(batch):
        return Row(item, None, "preparing")
    return Row(item, None, "not_sent", STOPPED if item.message_id is None else GONE)


def _stopped(batch: Batch) -> bool:
    """Whether the request queueing the batch must have ended without finishing it (it runs
    far shorter than this: the web server stops any request after a minute)."""
    return batch.created_at < utcnow() - STOPPED_AFTER


def _group(row: Row) -> str:
    if row.status in ("sent", "handed_off"):
        return "sent"
    if row.status in ("failed", "unknown"):
        return "failed"
    if row.status in ("not_sent", "cancelled"):
        return "not_sent"
    return "waiting"


def retry(batch: Batch, message_ids: list[int], settings: EmailSettings) -> int:
    """Queue again the batch's failed messages among `message_ids`; how many were queued."""
    rows = {row.message.id: row for row in progress(batch).rows if row.message is not None}
    queued = 0
    for message_id in message_ids:
        row = rows.get(message_id)
        if row is not None and row.retry:
            outbox.retry(row.message, settings)
            queued += 1
    return queued
