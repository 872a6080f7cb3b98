"""Documents: number series, contacts by kind, items in place, Decimal totals, PDFs, sample data."""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import Htmx, child_env
from tests.support.documents import (
    add_contact,
    document_form,
    pager_links,
    redirect_target,
    text_of,
)
from webpanel.contacts.models import Contact
from webpanel.documents import services
from webpanel.documents.models import Document
from webpanel.documents.totals import compute_totals, line_amount
from webpanel.extensions import db

pytestmark = pytest.mark.renders_pdfs  # counts renders and reads the cache folder

NEW = {"proposal": "/documents/proposals/new", "sales_order": "/documents/sales-orders/new",
       "invoice": "/documents/invoices/new", "purchase_order": "/documents/purchase-orders/new"}
HOSTILE = ('<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
           '"><b hx-get="/logout" hx-trigger="load">x</b>')


@pytest.fixture
def people(app):
    """A customer and a vendor."""
    return {"customer": add_contact(app, "Zoë Müller & Søn", email="zoe@example.com"),
            "vendor": add_contact(app, "Paper & Ink Supplies", kind="vendor")}


@pytest.fixture
def hx(user_client):
    return Htmx(user_client, "/documents/invoices/new")


def create(hx, kind: str, contact_id: int, **fields):
    """Post the new-document form; returns the response."""
    return hx.post(NEW[kind], document_form(contact_id, **fields))


def saved(app, number: str) -> Document:
    with app.app_context():
        document = db.session.query(Document).filter_by(number=number).one()
        document.lines  # noqa: B018  (load the items before the session closes)
        return document


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_each_kind_is_numbered_in_its_own_series(app, hx, people):
    for kind in ("proposal", "sales_order", "invoice", "purchase_order", "invoice"):
        contact = people["vendor" if kind == "purchase_order" else "customer"]
        response = create(hx, kind, contact)
        assert response.status_code == 200, text_of(response)
        assert re.fullmatch(r"/documents/\d+", redirect_target(response))
    with app.app_context():
        numbers = {(d.kind, d.number) for d in db.session.query(Document)}
    assert numbers == {("proposal", "P-0001"), ("sales_order", "SO-0001"),
                       ("invoice", "INV-0001"), ("purchase_order", "PO-0001"),
                       ("invoice", "INV-0002")}


def test_numbers_of_deleted_documents_are_not_given_again(app, hx, people):
    create(hx, "invoice", people["customer"])
    first = saved(app, "INV-0001")
    confirm = hx.client.get(f"/documents/{first.id}/delete")
    assert "Delete Invoice INV-0001?" in text_of(confirm) and "csrf_token" in confirm.text
    assert hx.client.post(f"/documents/{first.id}/delete").status_code == 400  # no CSRF token
    deleted = hx.post(f"/documents/{first.id}/delete", {}, htmx=False)
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/documents/invoices/"
    assert "Deleted Invoice INV-0001." in text_of(hx.client.get("/documents/invoices/"))
    create(hx, "invoice", people["customer"])
    assert saved(app, "INV-0002").total == Decimal("64.92")


def test_purchase_orders_go_to_vendors_and_the_rest_to_customers(app, hx, people):
    cases = [("purchase_order", people["customer"], "Choose a vendor from the list."),
             ("invoice", people["vendor"], "Choose a customer from the list."),
             ("proposal", "", "Choose a customer from the list."),
             ("sales_order", "12abc", "Choose a customer from the list."),
             ("sales_order", "99999", "Choose a customer from the list.")]
    for kind, contact, message in cases:
        response = create(hx, kind, contact)
        assert response.status_code == 422, (kind, contact)
        assert 'id="contact_id-error"' in response.text and message in text_of(response)
    with app.app_context():
        assert db.session.query(Document).count() == 0


def test_the_contact_list_offers_only_the_right_kind(hx, people):
    po_form = text_of(hx.client.get(NEW["purchase_order"]))
    assert "Vendor" in po_form and "Paper & Ink Supplies" in po_form
    assert "Zoë Müller" not in po_form
    invoice_form = text_of(hx.client.get(NEW["invoice"]))
    assert "Zoë Müller & Søn" in invoice_form and "Paper & Ink" not in invoice_form


def test_items_are_added_and_removed_in_place(hx, people):
    url = "/documents/invoices/new/lines"
    rows = document_form(people["customer"], lines=[("Design", "2", "100"),
                                                     ("Hosting", "12", "19.99")])
    added = hx.post(url, {**rows, "add": "1"})
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and body.lstrip().startswith('<div id="line-items"')
    assert "<html" not in body and "HX-Request" in added.headers["Vary"]
    assert body.count('name="remove"') == 3 and 'name="lines-2-description"' in body
    assert "439.88" in text_of(added)  # 200.00 + 239.88, before tax
    removed = hx.post(url, {**rows, "remove": "lines-0"})
    text = text_of(removed)
    assert removed.get_data(as_text=True).count('name="remove"') == 1
    assert 'value="Hosting"' in removed.text and 'value="Design"' not in removed.text
    assert "239.88" in text and "259.67" in text  # subtotal, and total with 8.25 % tax
    last = document_form(people["customer"], lines=[("Design", "2", "100")])
    emptied = hx.post(url, {**last, "remove": "lines-0"})
    assert emptied.text.count('name="remove"') == 1 and 'value="Design"' not in emptied.text


def test_items_of_a_saved_document_are_edited_in_place(app, hx, people):
    create(hx, "invoice", people["customer"])
    document = saved(app, "INV-0001")
    form = hx.client.get(f"/documents/{document.id}/edit")
    assert 'value="Consulting"' in form.text and 'value="19.99"' in form.text
    added = hx.post(f"/documents/{document.id}/lines",
                    {**document_form(people["customer"]), "add": "1"})
    assert added.text.count('name="remove"') == 2


def test_totals_use_decimal_rounding(app, hx, people):
    response = create(hx, "invoice", people["customer"])
    document = saved(app, "INV-0001")
    assert (document.subtotal, document.tax, document.total) == (
        Decimal("59.97"), Decimal("4.95"), Decimal("64.92"))
    page = text_of(hx.client.get(redirect_target(response)))
    assert "Saved Invoice INV-0001." in page
    assert "Subtotal $59.97" in page and "Tax (8.25%) $4.95" in page and "Total $64.92" in page


def test_money_is_rounded_half_up_per_line_and_on_the_tax():
    assert line_amount(Decimal("0.5"), Decimal("0.25")) == Decimal("0.13")  # 0.125
    totals = compute_totals([(Decimal("3"), Decimal("19.99"))], Decimal("8.25"))
    assert (totals.subtotal, totals.tax, totals.total) == (
        Decimal("59.97"), Decimal("4.95"), Decimal("64.92"))
    assert compute_totals([], Decimal("10")).total == Decimal("0.00")


def test_workers_saving_at_once_get_distinct_numbers_in_order(app, people):
    def save_three() -> None:
        with app.app_context():
            for _ in range(3):
                document = Document(kind="invoice", contact_id=people["customer"],
                                    date=datetime.date(2025, 1, 1), tax_rate=Decimal(0))
                services.set_items(document, [("Item", Decimal(1), Decimal(1))])
                services.add_numbered(document)

    workers = [threading.Thread(target=save_three) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Document.number)))
    assert numbers == [f"INV-{n:04d}" for n in range(1, 13)]


def test_blank_rows_are_ignored_and_edits_replace_the_items(app, hx, people):
    lines = [("Design", "1.5", "80"), ("", "", ""), ("Printing", "1,000", "0.35")]
    create(hx, "sales_order", people["customer"], lines=lines, tax_rate="0")
    document = saved(app, "SO-0001")
    assert [(line.description, line.quantity) for line in document.lines] == [
        ("Design", Decimal("1.5")), ("Printing", Decimal("1000"))]
    assert document.total == Decimal("470.00")
    edited = hx.post(f"/documents/{document.id}/edit",
                     document_form(people["customer"], lines=[("Design", "2", "80")],
                                   tax_rate="10%"))
    assert edited.status_code == 200
    document = saved(app, "SO-0001")
    assert len(document.lines) == 1 and document.total == Decimal("176.00")


BAD_INPUT = [
    ("lines-0-quantity", "abc", "Enter the quantity as a number, like 2 or 1.5."),
    ("lines-0-quantity", "-3", "The quantity cannot be negative."),
    ("lines-0-quantity", "1000000001", "Enter a quantity of at most 1,000,000,000."),
    ("lines-0-quantity", "NaN", "Enter the quantity as a number"),
    ("lines-0-quantity", "0", "Enter a quantity above 0."),
    ("lines-0-quantity", "", "Enter the quantity."),
    ("lines-0-unit_price", "1e5", "Enter the unit price as a number, like 19.99."),
    ("lines-0-unit_price", "19,99", "Use a point for decimals, like 19.99."),
    ("lines-0-unit_price", "19.999", "Use at most 2 decimals for the unit price."),
    ("lines-0-unit_price", "9" * 5000, "Enter a unit price of at most 1,000,000,000."),
    ("lines-0-description", "", "Describe the item."),
    ("lines-0-description", "Design\r\nBcc: x@example.com", "Line breaks are not allowed"),
    ("tax_rate", "101", "Enter a tax rate from 0 to 100."),
    ("tax_rate", "Infinity", "Enter the tax rate as a number, like 8.25."),
    ("date", "24/11/2025", "Enter the date like 2025-11-24"),
    ("date", "", "Enter the document's date."),
]


def test_bad_input_gives_422_with_a_plain_message(app, hx, people):
    for field, value, message in BAD_INPUT:
        data = {**document_form(people["customer"]), field: value}
        response = hx.post(NEW["invoice"], data)
        assert response.status_code == 422, (field, value)
        assert "<html" not in response.text and 'id="document-form"' in response.text
        assert message in text_of(response), (field, value)
        assert f'id="{field}-error"' in response.text, (field, value)
        assert "Not saved: fix the fields marked in red." in text_of(response)
    no_items = create(hx, "invoice", people["customer"], lines=[("", "", "")])
    assert no_items.status_code == 422 and "Add at least one item" in text_of(no_items)
    huge = create(hx, "invoice", people["customer"], lines=[("Gold", "1000000000", "999999")])
    assert huge.status_code == 422 and "Split it into several documents" in text_of(huge)
    with app.app_context():
        assert db.session.query(Document).count() == 0


def test_lists_search_by_number_or_contact_name_and_paginate(app, hx, people):
    other = add_contact(app, "Acme Dental")
    with app.app_context():
        for index in range(27):
            contact = other if index % 9 == 0 else people["customer"]
            document = Document(kind="invoice", contact_id=contact, date=datetime.date(2025, 1, 1),
                                tax_rate=Decimal("0"), notes="")
            services.set_items(document, [("Item", Decimal(1), Decimal(index))])
            services.add_numbered(document)
    first = text_of(hx.client.get("/documents/invoices/"))
    page = hx.client.get("/documents/invoices/").get_data(as_text=True)
    assert 'label for="q">Search invoices' in page and "New invoice" in page
    assert "INV-0027" in first and "INV-0003" in first and "INV-0002" not in first
    assert "27 invoices Next page" in first and "Previous page" not in first
    following = pager_links(page)["next"]
    second = text_of(hx.get(following))
    assert "27 invoices" in second and "Next page" not in second and "Previous page" in second
    assert "INV-0002" in second and "INV-0001" in second and "INV-0027" not in second
    by_number = text_of(hx.get("/documents/invoices/?q=inv-0012"))
    assert "INV-0012" in by_number and "INV-0011" not in by_number
    by_name = text_of(hx.get("/documents/invoices/?q=acme"))
    found = list(dict.fromkeys(re.findall(r"INV-\d+", by_name)))
    assert found == ["INV-0019", "INV-0010", "INV-0001"]
    assert "No proposals yet" in text_of(hx.client.get("/documents/proposals/"))


def test_documents_are_shared_by_the_office(app, hx, people, admin_client):
    create(hx, "invoice", people["customer"])
    document = saved(app, "INV-0001")
    assert "INV-0001" in text_of(admin_client.get("/documents/invoices/"))
    assert admin_client.get(f"/documents/{document.id}/edit").status_code == 200
    assert hx.client.get("/documents/999/edit").status_code == 404


def test_the_document_page_has_view_pdf_and_email(app, hx, people):
    create(hx, "invoice", people["customer"])
    document = saved(app, "INV-0001")
    page = hx.client.get(f"/documents/{document.id}").text
    assert f'href="/documents/{document.id}/pdf"' in page and ">View PDF<" in page
    assert f'hx-get="/documents/{document.id}/email"' in page and ">Email<" in page
    assert "the PDF has no letterhead" in page


def test_view_pdf_opens_inline_and_shows_number_and_total(app, hx, people, admin_client):
    admin_hx = Htmx(admin_client, "/company/")
    admin_hx.post("/company/", {"name": "Northwind Studio LLC", "address": "120 Harbor St"})
    create(hx, "invoice", people["customer"])
    document = saved(app, "INV-0001")
    response = hx.client.get(f"/documents/{document.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "inline; filename=Invoice-INV-0001.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(response.data)
    assert "INV-0001" in text and "64.92" in text
    assert "Northwind Studio LLC" in text and "Zoë Müller & Søn" in text
    with app.app_context():
        data, filename = services.pdf_for(services.get_document(document.id))
    assert data == response.data and filename == "Invoice-INV-0001.pdf"


def test_an_unchanged_document_is_rendered_once(app, hx, people):
    create(hx, "invoice", people["customer"])
    document = saved(app, "INV-0001")
    cache = lambda: app.extensions[services.PDF_CACHE_KEY]  # noqa: E731
    first = hx.client.get(f"/documents/{document.id}/pdf")
    assert cache().render_count == 1
    again = hx.client.get(f"/documents/{document.id}/pdf")
    assert cache().render_count == 1 and again.data == first.data
    assert len(list((app.instance_path and cache().directory).glob("*.pdf"))) == 1
    hx.post(f"/documents/{document.id}/edit",
            document_form(people["customer"], lines=[("Consulting", "4", "19.99")]))
    edited = hx.client.get(f"/documents/{document.id}/pdf")
    assert cache().render_count == 2 and "86.56" in pdf_text(edited.data)


def test_hostile_names_show_as_text_on_document_pages(app, hx):
    for number, name in enumerate(HOSTILE, start=1):
        contact = add_contact(app, name)
        create(hx, "invoice", contact, notes=name, lines=[(name, "1", "5")])
        document = saved(app, f"INV-{number:04d}")
        for path in ("/documents/invoices/", f"/documents/{document.id}",
                     f"/documents/{document.id}/edit", f"/documents/{document.id}/delete",
                     "/documents/invoices/?q=INV"):
            body = hx.client.get(path).text
            assert name not in body and str(escape(name)) in body, (path, name)
        assert name in pdf_text(hx.client.get(f"/documents/{document.id}/pdf").data)


def flask_cli(instance_dir, *args):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "webpanel", *args],
                          capture_output=True, text=True, timeout=60,
                          env=child_env(instance_dir))


def test_flask_demo_loads_sample_data_once(app, instance_dir, user_client):
    result = flask_cli(instance_dir, "demo")
    assert result.returncode == 0, result.stderr
    assert "Loaded sample data" in result.stdout
    again = flask_cli(instance_dir, "demo")
    assert again.returncode == 0 and "not loaded" in again.stdout
    with app.app_context():
        contacts = db.session.query(Contact).all()
        documents = db.session.query(Document).all()
        kinds = sorted(d.kind for d in documents)
        assert len(contacts) == 7 and "Zoë Müller & Søn" in {c.name for c in contacts}
        assert all(re.search(r"@[\w.-]+\.example\.(com|org|net)$", c.email) for c in contacts)
        assert kinds == sorted(["proposal", "sales_order", "invoice", "purchase_order"] * 2)
        assert all(2 <= len(d.lines) <= 5 and d.total > 0 for d in documents)
    listing = text_of(user_client.get("/documents/purchase-orders/"))
    assert "PO-0001" in listing and "PO-0002" in listing
