"""Documents an office anywhere can send: locale formats, currency, terms and due dates,
validity, delivery, logo, tax and bank details, in the page and in the PDF."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text as sql

from tests.conftest import Htmx
from tests.support.documents import add_contact, document_form, redirect_target, text_of
from webpanel import create_app, migrate
from webpanel.company.models import Company
from webpanel.documents.models import Document
from webpanel.extensions import db

NEW = {"proposal": "/documents/proposals/new", "sales_order": "/documents/sales-orders/new",
       "invoice": "/documents/invoices/new", "purchase_order": "/documents/purchase-orders/new"}
COMPANY = "Łódź Ćwiczenia Sp. z o.o."
CUSTOMER = "Zoë Müller & Søn"
#: locale, currency, (quantity, unit price) as typed there, the total and the dates as printed.
OFFICES = {
    "en_US": ("USD", ("3", "411.52"), "$1,234.56", "Nov 24, 2026", "Dec 24, 2026", "Dec 8, 2026"),
    "de_DE": ("EUR", ("3", "411,52"), "1.234,56\xa0€", "24.11.2026", "24.12.2026", "08.12.2026"),
    "ja_JP": ("JPY", ("3", "41,152"), "¥123,456", "2026/11/24", "2026/12/24", "2026/12/08"),
}


def png(size=(300, 100), color=(31, 58, 95)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def company_form(locale: str, currency: str, **extra) -> dict:
    return {"name": COMPANY, "address": "ul. Piotrkowska 100\r\n90-001 Łódź",
            "email": "biuro@example.com", "tax_id": "PL5260250274",
            "registration_number": "KRS 0000123456", "bank_holder": COMPANY,
            "bank_account": "DE89 3704 0044 0532 0130 00", "bank_code": "COBADEFFXXX",
            "bank_name": "Commerzbank", "footer": "Zarząd: Zoë Nowak", "locale": locale,
            "currency": currency, "proposal_valid_days": "14", **extra}


@pytest.fixture
def admin_hx(admin_client):
    return Htmx(admin_client, "/company/")


def set_company(admin_hx, locale: str, currency: str, **extra):
    response = admin_hx.post("/company/", company_form(locale, currency, **extra))
    assert response.status_code == 200, text_of(response)
    return response


def pdf_of(client, document_id: int) -> PdfReader:
    response = client.get(f"/documents/{document_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def text(reader: PdfReader) -> str:
    """The PDF's words, each run of spaces (no-break ones too) and line breaks as one space."""
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def make(admin_hx, kind: str, contact_id: int, locale: str, **fields) -> Document:
    quantity, price = OFFICES[locale][1]
    data = {**document_form(contact_id, lines=[("Beratung für Zoë", quantity, price)],
                            tax_rate="0", date="2026-11-24"), **fields}
    response = admin_hx.post(NEW[kind], data)
    assert response.status_code in (200, 303), text_of(response)
    document_id = int(redirect_target(response).rstrip("/").rsplit("/", 1)[1])
    with admin_hx.client.application.app_context():
        return db.session.get(Document, document_id)


@pytest.mark.parametrize("locale", sorted(OFFICES))
def test_every_kind_prints_in_the_office_locale_and_currency(app, admin_hx, locale):
    currency, _typed, total, day, due, valid = OFFICES[locale]
    total = total.replace("\xa0", " ")
    set_company(admin_hx, locale, currency, logo=(io.BytesIO(png()), "logo.png"))
    customer = add_contact(app, CUSTOMER)
    vendor = add_contact(app, "Ünal Tedarik", kind="vendor")
    invoice = make(admin_hx, "invoice", customer, locale, payment_terms="net30")
    proposal = make(admin_hx, "proposal", customer, locale)
    order = make(admin_hx, "sales_order", customer, locale, delivery_date="2026-12-10")
    purchase = make(admin_hx, "purchase_order", vendor, locale, delivery_date="2026-12-10",
                    delivery_address="Magazyn 3\r\nul. Fabryczna 9")
    assert invoice.currency == currency and invoice.total == Decimal(
        "1234.56" if currency != "JPY" else "123456")
    assert str(invoice.due_date) == "2026-12-24" and str(proposal.valid_until) == "2026-12-08"

    for document in (invoice, proposal, order, purchase):
        reader = pdf_of(admin_hx.client, document.id)
        printed = text(reader)
        for needle in (total, day, COMPANY, "Tax ID: PL5260250274", "KRS 0000123456",
                       "Zarząd: Zoë Nowak", document.number):
            assert needle in printed, (document.kind, needle)
        assert CUSTOMER in printed or "Ünal Tedarik" in printed
        assert len(reader.pages[0].images) == 1, "the logo is an image on the page"
    invoice_text = text(pdf_of(admin_hx.client, invoice.id))
    for needle in (f"Due {due}", "Net 30", "IBAN DE89 3704 0044 0532 0130 00",
                   "BIC COBADEFFXXX", f"Please pay {total} by {due}",
                   "Please quote INV-0001 with your payment"):
        assert needle in invoice_text, needle
    assert f"Valid until {valid}" in text(pdf_of(admin_hx.client, proposal.id))
    assert "Expected delivery" in text(pdf_of(admin_hx.client, order.id))
    purchase_text = text(pdf_of(admin_hx.client, purchase.id))
    assert "Magazyn 3" in purchase_text and "ul. Fabryczna 9" in purchase_text

    page = text_of(admin_hx.client.get(f"/documents/{invoice.id}")).replace("\xa0", " ")
    assert f"Total {total}" in page and f"Due {due}" in page


def test_invoice_terms_give_the_due_date_or_ask_for_one(app, admin_hx):
    set_company(admin_hx, "en_US", "USD")
    customer = add_contact(app, CUSTOMER)
    on_receipt = make(admin_hx, "invoice", customer, "en_US", payment_terms="receipt")
    assert str(on_receipt.due_date) == "2026-11-24"
    chosen = make(admin_hx, "invoice", customer, "en_US", payment_terms="date",
                  due_date="2027-01-15")
    assert str(chosen.due_date) == "2027-01-15"
    assert "Please pay $1,234.56 by Jan 15, 2027" in text(pdf_of(admin_hx.client, chosen.id))
    base = document_form(customer, tax_rate="0", date="2026-11-24")
    missing = admin_hx.post(NEW["invoice"], {**base, "payment_terms": "date"})
    assert missing.status_code == 422
    assert "Choose the date by which the invoice is to be paid." in text_of(missing)
    early = admin_hx.post(NEW["invoice"], {**base, "payment_terms": "date",
                                            "due_date": "2026-11-01"})
    assert early.status_code == 422 and 'id="due_date-error"' in early.text
    assert "The due date cannot be before the document's date." in text_of(early)


def test_numbers_are_typed_the_way_the_locale_writes_them(app, admin_hx):
    set_company(admin_hx, "de_DE", "EUR")
    customer = add_contact(app, CUSTOMER)
    invoice = make(admin_hx, "invoice", customer, "de_DE", tax_rate="19,5")
    assert invoice.tax_rate == Decimal("19.5") and invoice.subtotal == Decimal("1234.56")
    refused = admin_hx.post(NEW["invoice"], document_form(
        customer, lines=[("Beratung", "3", "411.52")], tax_rate="0"))
    assert refused.status_code == 422
    assert 'id="lines-0-unit_price-error"' in refused.text
    assert "Use a comma for decimals, like 19,99." in text_of(refused)
    edit = admin_hx.client.get(f"/documents/{invoice.id}/edit").text
    assert 'value="411,52"' in edit and 'value="19,50"' in edit


def test_typing_updates_amounts_and_totals_in_place(app, admin_hx):
    set_company(admin_hx, "de_DE", "EUR")
    customer = add_contact(app, CUSTOMER)
    data = document_form(customer, lines=[("Beratung", "3", "411,52"), ("Reise", "1,5", "2,01")],
                         tax_rate="0")
    live = admin_hx.post("/documents/invoices/new/lines?live=1", data)
    assert live.status_code == 200 and 'id="live-totals"' in live.text
    assert "Total 1.237,58 €" in text_of(live)
    assert 'id="lines-0-amount"' in live.text and 'hx-swap-oob="true"' in live.text
    assert "1.234,56\xa0€" in live.text and "3,02\xa0€" in live.text
    assert 'id="document-form"' not in live.text and 'name="lines-0-quantity"' not in live.text
    added = admin_hx.post("/documents/invoices/new/lines", {**data, "add": "1"})
    assert added.status_code == 200
    new_row = added.text.split('id="lines-2-description"')[0].rsplit("<input", 1)[1]
    assert "autofocus" in new_row
    assert "autofocus" not in added.text.split('id="lines-2-description"')[0].rsplit("<input", 1)[0]


def test_japanese_yen_has_no_minor_units(app, admin_hx):
    set_company(admin_hx, "ja_JP", "")
    customer = add_contact(app, CUSTOMER)
    invoice = make(admin_hx, "invoice", customer, "ja_JP",
                   **{"lines-0-quantity": "1.5", "lines-0-unit_price": "3"})
    assert invoice.currency == "JPY" and invoice.total == Decimal("5")
    cents = admin_hx.post(NEW["invoice"], document_form(customer, lines=[("Tea", "1", "3.50")]))
    assert cents.status_code == 422
    assert "Enter the unit price without decimals, like 20." in text_of(cents)


def logo_of(client) -> bytes:
    response = client.get("/company/logo")
    assert response.status_code == 200 and response.mimetype == "image/png"
    return response.data


def test_a_logo_that_is_not_an_image_or_too_large_is_refused_and_the_old_one_kept(
        app, admin_hx):
    app.config["LOGO_MAX_BYTES"] = 60 * 1024  # small, so the test client keeps it in memory
    set_company(admin_hx, "en_US", "USD", logo=(io.BytesIO(png()), "logo.png"))
    before = logo_of(admin_hx.client)
    page = admin_hx.client.get("/company/").text
    assert 'alt="Your current logo"' in page
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    refusals = [
        (b"%PDF-1.4 not a picture", "logo.png", "This file is not a PNG or JPEG image."),
        (png()[:60], "cut.png", "This file is not a PNG or JPEG image."),
        (gif.getvalue(), "anim.png", "The logo is a GIF image; choose a PNG or JPEG file."),
        (png()[:-12] + b"\0" * (64 * 1024) + png()[-12:], "huge.png",
         "use a file of at most 60 KB"),
        (png((7000, 10)), "wide.png", "the largest allowed is 6,000 × 6,000"),
    ]
    for data, name, message in refusals:
        response = admin_hx.post("/company/", company_form(
            "de_DE", "EUR", name="Renamed", logo=(io.BytesIO(data), name)))
        assert response.status_code == 422, name
        assert 'id="logo-error"' in response.text and message in text_of(response), name
        assert logo_of(admin_hx.client) == before
    with app.app_context():
        company = db.session.get(Company, 1)
        assert (company.name, company.locale, company.logo_type) == (COMPANY, "en_US",
                                                                      "image/png")
    set_company(admin_hx, "en_US", "USD", remove_logo="y")
    assert admin_hx.client.get("/company/logo").status_code == 404


def test_a_jpeg_logo_is_scaled_to_fit_and_stripped_of_metadata(app, admin_hx):
    photo = io.BytesIO()
    Image.new("RGB", (4000, 3000), (200, 40, 40)).save(photo, "JPEG", comment=b"secret")
    set_company(admin_hx, "en_US", "USD", logo=(io.BytesIO(photo.getvalue()), "photo.jpg"))
    stored = admin_hx.client.get("/company/logo")
    assert stored.mimetype == "image/jpeg" and b"secret" not in stored.data
    with Image.open(io.BytesIO(stored.data)) as image:
        assert image.size == (1200, 900)
    customer = add_contact(app, CUSTOMER)
    invoice = make(admin_hx, "invoice", customer, "en_US")
    reader = pdf_of(admin_hx.client, invoice.id)
    assert len(reader.pages[0].images) == 1


def test_currency_must_be_an_iso_code_and_defaults_from_the_locale(app, admin_hx):
    refused = admin_hx.post("/company/", company_form("de_DE", "EURO"))
    assert refused.status_code == 422 and 'id="currency-error"' in refused.text
    assert "Enter a three-letter ISO 4217 code" in text_of(refused)
    set_company(admin_hx, "de_DE", "")
    with app.app_context():
        assert db.session.get(Company, 1).currency_code == "EUR"


def test_upgrading_keeps_dollars_and_the_terms_existing_pdfs_printed(instance_dir):
    app = create_app({"TESTING": True})
    with app.app_context():
        migrate.upgrade(app, "0004")
        now = "'2026-01-01 00:00:00'"
        for statement in (
            f"INSERT INTO company VALUES (1, 'Old Office', '', '', '', {now})",
            f"INSERT INTO contacts VALUES (1, 'customer', 'Zoë', '', '', '', {now}, {now})",
            *(f"INSERT INTO documents VALUES ({n}, '{kind}', 1, '{number}', '2026-03-01', 1, "
              f"0, '', 10, 0, 10, {now}, {now})"
              for n, kind, number in ((1, "invoice", "INV-0001"), (2, "proposal", "P-0001"))),
        ):
            db.session.execute(sql(statement))
        db.session.commit()
        migrate.upgrade(app)
        company = db.session.get(Company, 1)
        assert (company.name, company.currency_code, company.locale) == ("Old Office", "USD",
                                                                        "en_US")
        invoice, proposal = db.session.get(Document, 1), db.session.get(Document, 2)
        assert (invoice.currency, invoice.terms_label, str(invoice.due_date)) == (
            "USD", "On receipt", "2026-03-01")
        assert str(proposal.valid_until) == "2026-03-31"
    app.extensions["webpanel.engine"].dispose()
