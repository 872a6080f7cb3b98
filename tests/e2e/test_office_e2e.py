"""An office in Germany: the company sets EUR and de_DE, types an invoice with decimal commas,
watches the totals follow, saves it, and gets a PDF in euros with a German due date."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import panel_app, sign_in
from webpanel.company.models import COMPANY_ROW_ID, Company
from webpanel.extensions import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def german_office(panel, instance, first_admin):
    """Put the company back to US dollars and en_US afterwards (other tests share the panel)."""
    yield
    app = panel_app(instance)
    with app.app_context():
        company = db.session.get(Company, COMPANY_ROW_ID)
        company.locale, company.currency, company.logo = "en_US", "USD", None
        db.session.commit()
    app.extensions["webpanel.engine"].dispose()


def test_a_german_office_types_commas_and_gets_euros(page: Page, panel, german_office):
    sign_in(page, panel)
    page.goto(f"{panel}/company/")
    page.get_by_label("Number and date format").select_option("de_DE")
    page.get_by_label("Currency").fill("EUR")
    logo = io.BytesIO()
    Image.new("RGB", (240, 80), (31, 58, 95)).save(logo, "PNG")
    page.get_by_label("Logo", exact=True).set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": logo.getvalue()}])
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(page.get_by_role("img", name="Your current logo")).to_be_visible()

    page.get_by_role("link", name="Documents", exact=True).click()
    page.get_by_role("link", name="Invoices", exact=True).first.click()
    page.get_by_role("link", name="New invoice").click()
    page.get_by_label("Date", exact=True).fill("2026-11-24")
    page.get_by_role("combobox", name="Customer").fill("Zoë")
    page.get_by_role("option", name="Zoë Müller & Søn").click()
    page.get_by_label("Payment terms").select_option(label="Net 30")
    page.get_by_label("Description, item 1").fill("Beratung für Zoë")
    page.get_by_label("Quantity, item 1").fill("3")
    page.get_by_label("Unit price, item 1").fill("411,50")
    page.get_by_label("Tax rate (%)").fill("0")
    totals = page.get_by_role("table", name="Totals")
    expect(totals).to_contain_text(re.compile(r"Total\s*1\.234,50\s€"))

    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_label("Description, item 2")).to_be_focused()
    page.keyboard.type("Porto")
    page.get_by_label("Quantity, item 2").fill("1")
    page.get_by_label("Unit price, item 2").fill("0,06")
    expect(page.locator("output").nth(1)).to_have_text(re.compile(r"0,06\s€"))
    expect(totals).to_contain_text(re.compile(r"Total\s*1\.234,56\s€"))
    expect(page.get_by_role("button", name="Update totals")).to_have_count(0)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"Invoice INV-\d+"))).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("24.12.2026")
    pdf = page.request.get(page.url + "/pdf").body()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages[0].images) == 1
    printed = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert "Amount due (EUR) 1.234,56 €" in printed
    assert "Due 24.12.2026" in printed and "Net 30" in printed
    assert "Beratung für Zoë" in printed
