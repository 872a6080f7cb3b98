"""Number series: each kind counts on its own (P-0001, SO-0001, INV-0001, PO-0001).

A number is taken in the transaction that inserts its document. On SQLite that is a write
transaction, begun with BEGIN IMMEDIATE, so two workers never read the same counter; other
databases lock the counter row (SELECT ... FOR UPDATE). A unique (kind, number)
constraint backs both. Numbers of deleted documents are never given again.
"""

from __future__ import annotations

from sqlalchemy import func, select

from webpanel.documents.models import Document, DocumentCounter, format_number
from webpanel.extensions import db


def allocate_number(kind: str) -> tuple[int, str]:
    """Take the next number of `kind`'s series: (sequence, printed number)."""
    counter = db.session.scalar(
        select(DocumentCounter).where(DocumentCounter.kind == kind).with_for_update()
    )
    if counter is None:
        counter = DocumentCounter(kind=kind, last_number=_highest_seq(kind))
        db.session.add(counter)
    counter.last_number += 1
    return counter.last_number, format_number(kind, counter.last_number)


def _highest_seq(kind: str) -> int:
    """The highest sequence used so far (for a series whose counter row is missing)."""
    return db.session.scalar(select(func.max(Document.seq)).where(Document.kind == kind)) or 0
