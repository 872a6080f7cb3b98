"""Mark as paid: full and partial payments, Undo, the invoice's status on its page, in the
invoices list and on the home page, and plain messages for bad amounts and dates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from tests.support.documents import text_of
from tests.support.office import first_document, send
from webpanel import timefmt
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.payments.models import Payment


def set_due(app, document_id: int, days_from_today: int) -> datetime.date:
    """Give the invoice a due date `days_from_today` (negative: in the past)."""
    with app.app_context():
        due = timefmt.today("UTC") + datetime.timedelta(days=days_from_today)
        db.session.execute(update(Document).where(Document.id == document_id)
                           .values(due_date=due))
        db.session.commit()
    return due


def pay(sam, document_id: int, amount: str, paid_on: str | None = None):
    day = paid_on or str(timefmt.today("UTC"))
    return sam.post(f"/documents/{document_id}/payments", {"paid_on": day, "amount": amount})


def status_in_list(sam, number: str) -> str:
    page = text_of(sam.client.get("/documents/invoices/"))
    return page.split(number, 1)[1].split("Email", 1)[0]


def test_an_overdue_invoice_is_paid_in_two_parts_and_undone(sam, office):
    invoice = first_document(office, "invoice")
    set_due(office, invoice.id, -5)
    assert "Not sent" in status_in_list(sam, invoice.number)  # never emailed: not "overdue"
    send(sam, invoice.id)
    assert "Overdue (5 days)" in status_in_list(sam, invoice.number)
    part = (invoice.total / 2).quantize(Decimal("0.01"))
    answer = pay(sam, invoice.id, str(part))
    assert answer.status_code == 200 and "Payment recorded." in text_of(answer)
    rest = invoice.total - part
    assert f"Partly paid (${rest:,.2f} due)" in text_of(answer)
    assert f"Partly paid (${rest:,.2f} due)" in status_in_list(sam, invoice.number)
    answer = pay(sam, invoice.id, f"{rest:.2f}")
    assert "Paid" in text_of(answer) and "Mark as paid" not in text_of(answer)
    assert "Paid" in status_in_list(sam, invoice.number)
    home = text_of(sam.client.get("/"))
    assert "Paid" in home.split(invoice.number, 1)[1]
    page = text_of(sam.client.get(f"/documents/{invoice.id}"))
    assert "Paid in full" in page and page.count("Undo the payment of") == 2
    with office.app_context():
        newest = db.session.query(Payment).order_by(Payment.id.desc()).first().id
    answer = sam.post(f"/documents/{invoice.id}/payments/{newest}/undo", {})
    assert "Payment removed." in text_of(answer) and "Partly paid" in text_of(answer)


def test_an_invoice_not_yet_due_keeps_its_email_status(sam, office):
    invoice = first_document(office, "invoice")
    set_due(office, invoice.id, 10)
    assert "Not sent" in status_in_list(sam, invoice.number)
    send(sam, invoice.id)
    assert "Sent" in status_in_list(sam, invoice.number)


@pytest.mark.parametrize(("amount", "day", "message"), [
    ("99999", None, "more than the $"),
    ("-5", None, "cannot be negative"),
    ("lots", None, "as a number"),
    ("0", None, "above 0"),
    ("", None, "Enter the amount paid"),
    ("10", "2999-01-01", "cannot be dated after today"),
    ("10", "yesterday", "Enter the date like"),
])
def test_bad_input_gets_a_message_at_the_field(sam, office, amount, day, message):
    invoice = first_document(office, "invoice")
    answer = pay(sam, invoice.id, amount, day or str(timefmt.today("UTC")))
    assert answer.status_code == 422
    assert message in text_of(answer)
    with office.app_context():
        assert db.session.query(Payment).count() == 0


def test_only_invoices_take_payments_and_another_invoices_payment_is_not_found(sam, office):
    proposal = first_document(office, "proposal")
    assert pay(sam, proposal.id, "1").status_code == 404
    invoice = first_document(office, "invoice")
    pay(sam, invoice.id, "1")
    assert sam.post(f"/documents/{invoice.id}/payments/99999/undo", {}).status_code == 404


def test_without_htmx_mark_as_paid_goes_back_to_the_invoice(sam, office):
    invoice = first_document(office, "invoice")
    answer = sam.client.post(f"/documents/{invoice.id}/payments", data={
        "csrf_token": sam.token, "paid_on": str(timefmt.today("UTC")), "amount": "1.00"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(
        f"/documents/{invoice.id}")
