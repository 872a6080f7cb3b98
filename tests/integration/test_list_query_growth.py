"""Every list reads its rows' related rows (customers, statuses, payments, schedules, templates)
with the list, not one query per row: each page costs the same SELECTs with 30 rows of
everything as with 5."""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlalchemy import select

from tests.support.queries import selects_by_table
from webpanel.auth import services as auth_services
from webpanel.contacts.models import Contact
from webpanel.documents.kinds import KINDS
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.payments.models import Payment
from webpanel.recurring.models import LEFT_DRAFT, Run, Schedule
from webpanel.reminders import plan

LISTS = ["/", "/customers/", "/vendors/", "/sent", "/documents/recurring/", "/users/",
         *(f"/documents/{kind.slug}/" for kind in KINDS.values())]
DAY = datetime.date(2026, 11, 2)


def message(user_id: int, key: str, document: Document | None, **fields) -> Message:
    return Message(user_id=user_id, idempotency_key=key, method="smtp", subject="Hello",
                   to_addrs="ann@example.com", document_id=document and document.id,
                   document_label=document.label if document else "", **fields)


def add_rows(app, admin_id: int, start: int, stop: int) -> None:
    """Rows `start`..`stop` of everything: per kind a contact and a document, each sent, one
    failed and one scheduled message; per invoice a payment, a schedule and a draft it made;
    a person with a message."""
    with app.app_context():
        for n in range(start, stop):
            for kind in KINDS.values():
                group = "vendor" if kind.key == "purchase_order" else "customer"
                contact = Contact(kind=group, name=f"{kind.title} customer {n}",
                                  email=f"c{n}@example.com")
                document = Document(kind=kind.key, seq=1000 + n, number=f"{kind.prefix}-{1000 + n}",
                                    date=DAY, contact=contact, due_date=DAY)
                db.session.add(document)
                db.session.flush()
                db.session.add_all([
                    message(admin_id, f"sent-{kind.key}-{n}", document, status="sent"),
                    message(admin_id, f"failed-{kind.key}-{n}", document, status="failed",
                            error_reason="Mailbox full"),
                    message(admin_id, f"later-{kind.key}-{n}", document, status="scheduled",
                            due_at=datetime.datetime(2030, 1, 1))])
                if kind.key == "invoice":
                    add_invoice_rows(admin_id, document)
            person = auth_services.create_user(f"person{n}@example.com", "a long password 123")
            db.session.flush()
            db.session.add(message(person.id, f"person-{n}", None, status="sent"))
        db.session.commit()
        plan.save([-3, 0, 7], 8, "UTC")


def add_invoice_rows(admin_id: int, invoice: Document) -> None:
    schedule = Schedule(document_id=invoice.id, user_id=admin_id, unit="month",
                        first_run=DAY, next_run=DAY + datetime.timedelta(days=40))
    db.session.add_all([schedule, Payment(document_id=invoice.id, paid_on=DAY,
                                          amount=Decimal("1.00"))])
    db.session.flush()
    db.session.add(Run(schedule_id=schedule.id, run_on=DAY, document_id=invoice.id,
                       outcome=LEFT_DRAFT))


def email_selected(app) -> str:
    """Email selected for every invoice (the confirmation lists each with its subject)."""
    with app.app_context():
        ids = db.session.scalars(select(Document.id).where(Document.kind == "invoice")
                                 .order_by(Document.id.desc()).limit(30)).all()
    return "/documents/email-selected?" + "&".join(f"ids={i}" for i in ids)


def costs(app, client) -> dict[str, dict[str, int]]:
    pages = {url: url for url in LISTS} | {"Email selected": email_selected(app)}
    return {name: dict(selects_by_table(app, client, url)) for name, url in pages.items()}


def test_no_list_costs_a_query_per_row(office, admin_client, admin_id):
    add_rows(office, admin_id, 0, 5)
    few = costs(office, admin_client)
    add_rows(office, admin_id, 5, 30)
    many = costs(office, admin_client)
    assert many == few
    shown = admin_client.get("/").get_data(as_text=True)
    assert "Invoice customer 29" in shown  # the recent documents, with their customers
    assert admin_client.get("/users/").get_data(as_text=True).count("person") >= 30
    schedules = admin_client.get("/documents/recurring/").get_data(as_text=True)
    assert all(f"INV-{1000 + n}" in schedules for n in range(30))


def test_the_documents_lists_read_email_and_payment_statuses_once_per_page(
        office, admin_client, admin_id):
    add_rows(office, admin_id, 0, 30)
    for kind in KINDS.values():
        counts = selects_by_table(office, admin_client, f"/documents/{kind.slug}/")
        assert counts["messages"] == 1, (kind.slug, counts)  # EMAIL_STATUSES
        assert counts["payments"] == (1 if kind.key == "invoice" else 0), (kind.slug, counts)
        assert counts["contacts"] == 0, (kind.slug, counts)  # read with the documents (a join)
        assert counts["documents"] == 2, (kind.slug, counts)  # the capped count, the page


def test_the_home_page_reads_whether_each_draft_was_sent_once(office, admin_client, admin_id):
    add_rows(office, admin_id, 0, 30)
    page = admin_client.get("/").get_data(as_text=True)
    counts = selects_by_table(office, admin_client, "/")
    # statuses, to retry with scheduled, drafts sent since, the next reminders' senders
    assert counts["messages"] == 4
    assert "Invoice customer" in page
