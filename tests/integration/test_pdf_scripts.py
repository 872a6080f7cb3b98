"""PDFs in every script the locales offer: Japanese, Chinese and Korean text comes back out of
each kind of document (pdftotext), and every font in it is embedded (pdffonts)."""

from __future__ import annotations

import logging
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import Htmx, sign_in
from tests.support.documents import add_contact, document_form, redirect_target

pytestmark = pytest.mark.renders_pdfs

COMPANY, CUSTOMER, ITEM = "株式会社サンプル", "北京样品有限公司", "견본 상품"
NEW = {"proposal": "/documents/proposals/new", "sales_order": "/documents/sales-orders/new",
       "invoice": "/documents/invoices/new", "purchase_order": "/documents/purchase-orders/new"}


def pdf_of(hx: Htmx, kind: str, contact_id: int, **fields) -> bytes:
    """Save a new document of ``kind`` and fetch its PDF, as View PDF does."""
    response = hx.post(NEW[kind], document_form(contact_id, **fields))
    document_url = redirect_target(response)
    pdf = hx.client.get(f"{document_url}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    return pdf.data


def poppler(tool: str, data: bytes, folder: Path) -> str:
    """The output of a poppler tool (pdftotext, pdffonts) run on ``data``."""
    path = folder / "document.pdf"
    path.write_bytes(data)
    args = [tool, "-enc", "UTF-8", str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def fonts_of(data: bytes, folder: Path) -> dict[str, str]:
    """Font name (subset tag removed) -> its "emb" column, one entry per row of pdffonts."""
    rows = poppler("pdffonts", data, folder).splitlines()[2:]
    fonts = {}
    for row in rows:
        columns = re.split(r"\s+", row.strip())
        name, embedded = columns[0].split("+")[-1], columns[-5]
        fonts[name] = embedded
    return fonts


@pytest.fixture
def office(app, admin_client, user_client):
    """A Japanese office with a Chinese customer and vendor; returns (hx, customer, vendor)."""
    Htmx(admin_client, "/company/").post("/company/", {
        "name": COMPANY, "address": "東京都千代田区丸の内1-1", "locale": "ja_JP"})
    customer = add_contact(app, CUSTOMER)
    vendor = add_contact(app, CUSTOMER, kind="vendor")
    return Htmx(user_client, "/documents/invoices/new"), customer, vendor


@pytest.mark.parametrize("kind", sorted(NEW))
def test_japanese_chinese_and_korean_text_comes_back_in_embedded_fonts(office, kind, tmp_path):
    hx, customer, vendor = office
    data = pdf_of(hx, kind, vendor if kind == "purchase_order" else customer,
                  lines=[(ITEM, "2", "1500")], notes="<b>納品書</b> & 東京")
    text = poppler("pdftotext", data, tmp_path)
    for needle in (COMPANY, CUSTOMER, ITEM, "東京都千代田区丸の内1-1", "<b>納品書</b> & 東京",
                   "¥3,000", "2025/11/24"):
        assert needle in text
    fonts = fonts_of(data, tmp_path)
    assert {"IPAexGothic", "DroidSansFallback", "DejaVuSans"} <= set(fonts)
    assert set(fonts.values()) == {"yes"}, fonts


def test_a_chinese_office_has_its_dates_and_names_in_chinese(app, admin_client, user_client,
                                                            tmp_path):
    Htmx(admin_client, "/company/").post("/company/", {"name": CUSTOMER, "locale": "zh_CN"})
    hx = Htmx(user_client, "/documents/invoices/new")
    data = pdf_of(hx, "invoice", add_contact(app, COMPANY),
                  lines=[("สวัสดี Θεσσαλονίκη Москва", "1", "10")])
    text = poppler("pdftotext", data, tmp_path)
    for needle in (CUSTOMER, COMPANY, "2025年11月24日", "สวัสดี Θεσσαλονίκη Москва"):
        assert needle in text
    fonts = fonts_of(data, tmp_path)
    assert "FreeSerif" in fonts and set(fonts.values()) == {"yes"}, fonts



def test_missing_fonts_are_said_at_start_up_and_on_view_pdf(make_app, admin_client, tmp_path,
                                                             monkeypatch, caplog):
    from webpanel.documents import pdf_fonts

    elsewhere = replace(pdf_fonts.CJK, folders=(str(tmp_path),))
    monkeypatch.setattr(pdf_fonts, "FACES", (pdf_fonts.SANS, pdf_fonts.JAPANESE, elsewhere))
    monkeypatch.setattr(pdf_fonts, "_fontconfig_files", lambda: {})
    with caplog.at_level(logging.ERROR, logger="webpanel.documents.blueprint"):
        app = make_app()
    assert "Droid Sans Fallback (Debian package fonts-droid-fallback)" in caplog.text
    assert "No PDF can be made until then." in caplog.text
    client = app.test_client()
    assert sign_in(client, "admin@example.com").status_code == 302
    hx = Htmx(client, "/documents/invoices/new")
    response = hx.post(NEW["invoice"], document_form(add_contact(app, "Zoë")))
    caplog.clear()
    shown = client.get(f"{redirect_target(response)}/pdf")
    assert shown.status_code == 500 and "The PDF could not be made" in shown.text
    assert "apt-get install fonts-droid-fallback" in caplog.text
