"""Invoices waiting for payment reminders, made fast for the worker tests and the bench: each
as if one of a few people had emailed it days ago (a "sent" message about it), due on a day."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from sqlalchemy import select, update

from tests.conftest import csrf_from, sign_in
from webpanel import timefmt
from webpanel.contacts.models import Contact
from webpanel.database import utcnow
from webpanel.documents import services
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.reminders import plan


def emailed_invoices(app, user_ids: list[int], count: int, due_in_days: int,
                     emailed_days_ago: int = 30) -> list[int]:
    """`count` invoices to the sample customers (loaded already), due `due_in_days` from
    today (UTC), each emailed `emailed_days_ago` by one of `user_ids` in turn; their ids."""
    with app.app_context():
        customers = list(db.session.scalars(select(Contact).where(Contact.kind == "customer")
                                            .order_by(Contact.id)))
        due = timefmt.today("UTC") + datetime.timedelta(days=due_in_days)
        sent_at = utcnow() - datetime.timedelta(days=emailed_days_ago)
        ids = []
        for n in range(count):
            invoice = Document(kind="invoice", contact=customers[n % len(customers)],
                               date=due - datetime.timedelta(days=30), due_date=due,
                               payment_terms="net30", currency="USD", tax_rate=Decimal(0))
            services.set_items(invoice, [(f"Consulting, job {n}", Decimal(1), Decimal(100))])
            services.number_document(invoice)
            db.session.add(invoice)
            db.session.flush()
            db.session.add(Message(
                user_id=user_ids[n % len(user_ids)], idempotency_key=secrets.token_hex(16),
                method="smtp", status="sent", subject=f"Invoice {invoice.number}",
                to_addrs=invoice.contact.email, document_id=invoice.id,
                document_label=invoice.label, created_at=sent_at, sent_at=sent_at))
            ids.append(invoice.id)
        db.session.commit()
        return ids


def office_plan(app, days=(-3, 0, 7, 14), hour: int = 0, zone: str = "UTC") -> None:
    """Save the office's reminder plan."""
    with app.app_context():
        plan.save(list(days), hour, zone)


def due_in(app, document_id: int, days: int) -> None:
    """Give the invoice a due date `days` from today (office zone: UTC)."""
    with app.app_context():
        due = timefmt.today("UTC") + datetime.timedelta(days=days)
        db.session.execute(update(Document).where(Document.id == document_id)
                           .values(due_date=due))
        db.session.commit()


def later(sam, test_clock, **delta) -> None:
    """Move the clock (the session expires meanwhile: Sam signs in again)."""
    test_clock.move(**delta)
    sign_in(sam.client, "sam@example.com")
    sam.token = csrf_from(sam.client.get("/").get_data(as_text=True))
