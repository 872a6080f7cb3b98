"""A document's page, its Email dialog and its edit page cost the same few queries whatever the
document holds: the document is read with its customer and items in one query, the Payments
section asks what was paid only when something was, and the dialog reads the sender's settings
and the kind's email template once. What each page shows stays the same."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, insert, select, text

from tests.support.queries import selects_by_table
from tests.support.sent_mail import add_messages
from webpanel import maintenance
from webpanel.contacts.models import Contact
from webpanel.documents.models import Document, DocumentLine
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.payments.models import Payment


def pages(document_id: int) -> list[str]:
    return [f"/documents/{document_id}", f"/documents/{document_id}/email",
            f"/documents/{document_id}/edit"]


def first_invoice(app) -> tuple[int, str, str]:
    """The first sample invoice's id, label and customer name."""
    with app.app_context():
        document = db.session.scalars(select(Document).where(Document.kind == "invoice")
                                      .order_by(Document.id)).first()
        return document.id, document.label, document.contact.name


def customer_email(app, document_id: int) -> str:
    with app.app_context():
        return db.session.get(Document, document_id).contact.email


def fill(app, document_id: int, label: str, user_id: int, start: int, end: int) -> None:
    """Items, emails and payments (of 1.00 each) numbered `start` to `end` on the document;
    the first emails have Sent folder copies and a bounce."""
    with app.app_context():
        db.session.execute(insert(DocumentLine), [
            {"document_id": document_id, "position": 100 + n, "description": f"Extra item {n}",
             "quantity": Decimal(1), "unit_price": Decimal("2.00")} for n in range(start, end)])
        db.session.execute(insert(Payment), [
            {"document_id": document_id, "paid_on": date(2026, 1, 1), "amount": Decimal("1.00"),
             "recorded_by": user_id} for _ in range(start, end)])
        if start:
            db.session.add_all(Message(
                user_id=user_id, idempotency_key=f"more{n}", method="smtp", status="sent",
                subject=f"Invoice {n}", to_addrs="ann@example.com", document_id=document_id,
                document_label=label) for n in range(start, end))
        db.session.commit()
    if not start:
        add_messages(app, user_id, end, [(document_id, label)])


def test_the_document_is_read_with_its_customer_and_items_in_one_query(office, user_client):
    invoice, _label, customer = first_invoice(office)
    for url in pages(invoice):
        counts = selects_by_table(office, user_client, url)
        assert counts["documents"] == 1, (url, counts)
        assert counts["document_lines"] == 0 and counts["contacts"] <= 1, (url, counts)
        html = user_client.get(url).get_data(as_text=True)
        shown = customer_email(office, invoice) if url.endswith("/email") else customer
        assert shown.replace("&", "&amp;") in html, url


def test_no_payments_cost_one_question_and_the_page_still_says_what_is_due(office, user_client):
    invoice, _label, _customer = first_invoice(office)
    counts = selects_by_table(office, user_client, f"/documents/{invoice}")
    assert counts["payments"] == 1
    html = user_client.get(f"/documents/{invoice}").get_data(as_text=True)
    assert "Mark as paid" in html and "Not sent" in html


@pytest.mark.parametrize("url_of", [0, 1, 2], ids=["page", "email dialog", "edit page"])
def test_queries_do_not_grow_with_items_emails_and_payments(office, user_client, user_id,
                                                             url_of):
    invoice, label, _customer = first_invoice(office)
    fill(office, invoice, label, user_id, 0, 2)
    url = pages(invoice)[url_of]
    few = selects_by_table(office, user_client, url)
    fill(office, invoice, label, user_id, 2, 25)
    many = selects_by_table(office, user_client, url)
    assert many == few
    html = user_client.get(url).get_data(as_text=True)
    assert "Extra item 24" in html or url.endswith("/email")
    if url_of == 0:
        assert "Partly paid" in html and html.count('href="/sent/') == 25


def test_the_email_dialog_reads_the_settings_and_the_template_once(office, user_client):
    invoice, _label, _customer = first_invoice(office)
    counts = selects_by_table(office, user_client, f"/documents/{invoice}/email")
    assert counts["email_settings"] == 1 and counts["mail_templates"] == 1, counts


def test_the_saved_customer_past_the_first_hundred_is_chosen_without_a_second_read(
        office, user_client):
    invoice, _label, customer = first_invoice(office)
    with office.app_context():
        db.session.execute(insert(Contact), [
            {"kind": "customer", "name": f"AAA Early {n:03d}", "contact_person": "",
             "email": "", "address": ""} for n in range(101)])
        db.session.commit()
    counts = selects_by_table(office, user_client, f"/documents/{invoice}/edit")
    assert counts["contacts"] == 1, counts  # the first 100 by name; the saved one came along
    html = user_client.get(f"/documents/{invoice}/edit").get_data(as_text=True)
    assert f'selected value="{_contact_id(office, invoice)}">' in html
    assert customer.replace("&", "&amp;") in html and "AAA Early 099" in html
    assert "AAA Early 100" not in html


def _contact_id(app, document_id: int) -> int:
    with app.app_context():
        return db.session.get(Document, document_id).contact_id


def test_when_a_document_was_last_emailed_is_read_from_its_index(office, user_id):
    """Most messages about no document (or sent ones everywhere) do not make the edit page's
    "already emailed" question walk every message sent: it reads the document's own."""
    from webpanel.outbox.history import ever_sent

    invoice, label, _customer = first_invoice(office)
    statuses = ("sent", "failed", "handed_off", "cancelled")
    with office.app_context():  # about no document, of every status
        db.session.execute(insert(Message), [
            {"user_id": user_id, "idempotency_key": f"other{n}", "method": "smtp",
             "status": statuses[n % 4], "subject": "Hello", "to_addrs": "ann@example.com"}
            for n in range(2000)])
        db.session.add(Message(user_id=user_id, idempotency_key="about-it", method="smtp",
                               status="sent", subject="Invoice", to_addrs="ann@example.com",
                               document_id=invoice, document_label=label))
        db.session.commit()
    seen: list[tuple[str, object]] = []
    engine = office.extensions["webpanel.engine"]

    def keep(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    with office.app_context():
        if office.config["DATABASE_URL"].startswith("sqlite"):
            maintenance.refresh_statistics()  # as the worker does
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        event.listen(engine, "before_cursor_execute", keep)
        try:
            assert ever_sent(db.session.get(Document, invoice)) is not None
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        [(asked, parameters)] = [(s, p) for s, p in seen if "FROM messages" in s]
        connection = db.session.connection()
        if office.config["DATABASE_URL"].startswith("sqlite"):
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {asked}", parameters))
        else:
            plan = " ".join(row[0] for row in connection.exec_driver_sql(
                f"EXPLAIN {asked}", parameters))
        assert "ix_messages_document_id_id" in plan and "status" not in plan.lower(), plan
