"""What was paid, what is still due, and the invoice's status in words.

Status, first that holds: Paid (nothing left to pay), Partly paid (the amount still due),
Overdue (days past the due date, in the office's time zone, once it was emailed), else the
document's email status from the outbox ("Not sent", "Sent", ...). Decimal, never floats.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, func, select

from webpanel import formatting, timefmt
from webpanel.company.services import get_company
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.payments.models import Payment

ZERO = Decimal("0")
#: The outbox's words for a document never emailed: such an invoice is not called overdue.
NOT_SENT = "Not sent"


@dataclass(frozen=True)
class Status:
    """An invoice's payment status: `key` for styles and tests, `label` in words."""

    key: str
    label: str
    amount_due: Decimal
    days_overdue: int = 0


def office_today() -> datetime.date:
    """Today in the office's time zone (the Company page; UTC when none is set)."""
    return timefmt.today(get_company().time_zone or "UTC")


def paid_totals(document_ids: list[int]) -> dict[int, Decimal]:
    """What was paid against each document, one query for a list (absent: nothing paid)."""
    if not document_ids:
        return {}
    rows = db.session.execute(_paid_query(), {"ids": list(document_ids)})
    return {document_id: Decimal(total) for document_id, total in rows}


@cache
def _paid_query() -> Select:
    """`paid_totals`' statement, built once per process (building costs more than running it)."""
    return (select(Payment.document_id, func.sum(Payment.amount))
            .where(Payment.document_id.in_(bindparam("ids", expanding=True)))
            .group_by(Payment.document_id))


def amount_due(document: Document) -> Decimal:
    """The invoice's total less what was paid (never below zero)."""
    return max(document.total - paid_totals([document.id]).get(document.id, ZERO), ZERO)


def days_overdue(document: Document, today: datetime.date | None = None) -> int:
    """Whole days since the due date (0 before it, or with no due date)."""
    if document.due_date is None:
        return 0
    return max(((today or office_today()) - document.due_date).days, 0)


def status_of(document: Document, paid: Decimal, email_word: str,
              today: datetime.date) -> Status:
    """The invoice's status from what was paid, its due date and its email status."""
    due = max(document.total - paid, ZERO)
    late = days_overdue(document, today)
    if paid > ZERO and due == ZERO:
        return Status("paid", "Paid", due)
    if paid > ZERO:
        return Status("partly_paid", f"Partly paid ({_money(due, document)} due)", due, late)
    if late and due > ZERO and email_word != NOT_SENT:
        return Status("overdue", f"Overdue ({late} day{'' if late == 1 else 's'})", due, late)
    return Status("sent" if email_word != NOT_SENT else "not_sent", email_word, due)


def statuses(documents: list[Document], email_words: dict[int, str]) -> dict[int, str]:
    """The list's words for each invoice among `documents` (others keep their email words)."""
    invoices = [d for d in documents if d.kind == "invoice"]
    paid, today = paid_totals([d.id for d in invoices]), office_today()
    return {d.id: status_of(d, paid.get(d.id, ZERO), email_words.get(d.id, NOT_SENT),
                            today).label for d in invoices}


def status(document: Document, email_word: str) -> Status:
    """One invoice's status (its page)."""
    return status_of(document, paid_totals([document.id]).get(document.id, ZERO), email_word,
                     office_today())


def payments_of(document: Document) -> list[Payment]:
    """The invoice's payments, the most recent first."""
    return list(db.session.scalars(select(Payment).where(Payment.document_id == document.id)
                                   .order_by(Payment.paid_on.desc(), Payment.id.desc())))


def add_payment(document: Document, paid_on: datetime.date, amount: Decimal,
                user_id: int | None) -> Payment:
    """Record a payment (the form checked it against the amount due)."""
    payment = Payment(document_id=document.id, paid_on=paid_on, amount=amount,
                      recorded_by=user_id)
    db.session.add(payment)
    db.session.commit()
    return payment


def undo_payment(document: Document, payment_id: int) -> bool:
    """Remove one payment of this invoice; False when there is no such payment."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.document_id != document.id:
        return False
    db.session.delete(payment)
    db.session.commit()
    return True


def _money(amount: Decimal, document: Document) -> str:
    return formatting.money_in(amount, document.currency, get_company().locale)
