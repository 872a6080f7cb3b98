"""PDF rendering of proposals, sales orders, invoices and purchase orders."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from webpanel.documents import pdf
from webpanel.documents.pdf import (
    KIND_TITLES,
    PdfCache,
    PdfDocument,
    PdfLine,
    PdfParty,
    PdfRenderError,
    fingerprint,
    pdf_filename,
    render_pdf,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CUSTOMER = "Zoë Müller & Søn"
HOSTILE = "<script>alert(1)</script>"


def make_app(template_folder: Path = TEMPLATES) -> Flask:
    """A bare Flask app that can render the PDF templates."""
    return Flask(__name__, template_folder=str(template_folder))


def make_line(description: str, quantity: str, unit_price: str) -> PdfLine:
    q, p = Decimal(quantity), Decimal(unit_price)
    return PdfLine(description, q, p, (q * p).quantize(Decimal("0.01")))


def sample_doc(kind: str = "invoice", n_lines: int = 3) -> PdfDocument:
    """A document whose total needs a thousands separator: 4,605.47 with 3 lines."""
    base = [
        make_line("Website redesign ✓", "1", "1850.00"),
        make_line("Hosting, 12 months (€)", "12", "49.50"),
        make_line("Logo refresh, Łódź office", "1", "1810.48"),
    ]
    lines = tuple(base[i % 3] for i in range(n_lines))
    subtotal = sum((line.amount for line in lines), Decimal("0"))
    tax = (subtotal * Decimal("8.25") / 100).quantize(Decimal("0.01"))
    return PdfDocument(
        kind=kind,  # type: ignore[arg-type]
        number="DOC-0042",
        date=datetime.date(2025, 11, 24),
        company=PdfParty(
            "Northwind Studio LLC",
            email="billing@northwind.example",
            phone="+1 555 0100",
            address="120 Harbor Street\nPortland, OR 97204",
        ),
        contact=PdfParty(CUSTOMER, contact="Zoë Müller", address="ul. Piotrkowska 100\nŁódź"),
        lines=lines,
        subtotal=subtotal,
        tax_rate=Decimal("8.25"),
        tax=tax,
        total=subtotal + tax,
        notes="Paid in € ✓",
    )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def font_names(data: bytes) -> set[str]:
    page = PdfReader(io.BytesIO(data)).pages[0]
    fonts = page["/Resources"]["/Font"]
    return {str(font.get_object()["/BaseFont"]) for font in fonts.values()}


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture(scope="module")
def invoice_pdf(app: Flask) -> bytes:
    return render_pdf(sample_doc("invoice"))


@pytest.mark.parametrize("kind", sorted(KIND_TITLES))
def test_each_kind_renders_a_readable_pdf(app: Flask, kind: str) -> None:
    data = render_pdf(sample_doc(kind))
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "DOC-0042" in text
    assert CUSTOMER in text
    assert "4,605.47" in text
    assert KIND_TITLES[kind] in text
    assert "Page 1 of 1" in text


def test_kind_specific_wording(app: Flask) -> None:
    proposal = dataclasses.replace(sample_doc("proposal"), valid_until=datetime.date(2025, 12, 24))
    assert "Valid until Dec 24, 2025" in pdf_text(render_pdf(proposal))
    po_text = pdf_text(render_pdf(sample_doc("purchase_order")))
    assert "Vendor".upper() in po_text.upper()
    assert "Please deliver to" in po_text


def test_invoice_wording_and_unicode(invoice_pdf: bytes) -> None:
    text = pdf_text(invoice_pdf)
    assert "Payment due on receipt" in text
    for needle in ("Łódź", "€", "✓", "Tax (8.25%)", "1,850.00"):
        assert needle in text
    assert any("DejaVuSans" in name for name in font_names(invoice_pdf))


def test_long_invoice_has_numbered_pages(app: Flask) -> None:
    data = render_pdf(sample_doc("invoice", n_lines=60))
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2
    assert "Page 2 of" in pdf_text(data)


def test_hostile_names_print_literally(app: Flask) -> None:
    doc = sample_doc()
    doc = replace(doc, contact=replace(doc.contact, name=HOSTILE), notes="<b>not bold</b>")
    text = pdf_text(render_pdf(doc))
    assert HOSTILE in text
    assert "<b>not bold</b>" in text


def test_no_pdf_refers_to_a_font_it_does_not_embed(app: Flask) -> None:
    """reportlab's Helvetica (every page's initial font, xhtml2pdf's empty paragraphs) is
    drawn with the embedded DejaVu Sans; nothing else is used for Latin text."""
    for kind in sorted(KIND_TITLES):
        data = render_pdf(replace(sample_doc(kind, n_lines=40), notes=""))
        for page in PdfReader(io.BytesIO(data)).pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
                assert "DejaVuSans" in str(font["/BaseFont"])


def test_missing_fonts_are_a_plain_error_naming_the_package(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from webpanel.documents import pdf_fonts

    elsewhere = replace(pdf_fonts.JAPANESE, folders=(str(tmp_path),))
    monkeypatch.setattr(pdf_fonts, "FACES", (pdf_fonts.SANS, elsewhere, pdf_fonts.CJK))
    monkeypatch.setattr(pdf_fonts, "_fontconfig_files", lambda: {})
    with pytest.raises(PdfRenderError) as error:
        render_pdf(sample_doc())
    assert str(error.value) == (
        "The fonts for PDFs are not installed on the server: IPAex Gothic (Debian package "
        "fonts-ipaexfont-gothic). Install them with 'apt-get install fonts-ipaexfont-gothic' "
        "(make system-run does).")
    app.config["PDF_FONT_DIR"] = str(tmp_path)
    try:
        with pytest.raises(PdfRenderError, match=f"or put ipaexg.ttf in {tmp_path} "):
            render_pdf(sample_doc())
        shutil.copy(Path(pdf_fonts.JAPANESE.folders[0], "ipaexg.ttf"), tmp_path)
        assert render_pdf(sample_doc()).startswith(b"%PDF-")  # found in PDF_FONT_DIR
    finally:
        del app.config["PDF_FONT_DIR"]


def test_unknown_kind_is_a_plain_error(app: Flask) -> None:
    with pytest.raises(PdfRenderError, match="Unknown document kind"):
        render_pdf(replace(sample_doc(), kind="receipt"))  # type: ignore[arg-type]


def test_renderer_errors_raise(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from xhtml2pdf import pisa

    class FailedStatus:
        err = 2

    monkeypatch.setattr(pisa, "CreatePDF", lambda *args, **kwargs: FailedStatus())
    with pytest.raises(PdfRenderError, match="reported 2 error"):
        render_pdf(sample_doc())


def _bump_quantity(doc: PdfDocument) -> PdfDocument:
    first = doc.lines[0]
    return replace(doc, lines=(replace(first, quantity=first.quantity + 1), *doc.lines[1:]))


CHANGES: dict[str, Callable[[PdfDocument], PdfDocument]] = {
    "quantity": _bump_quantity,
    "number": lambda d: replace(d, number="DOC-0043"),
    "date": lambda d: replace(d, date=d.date + datetime.timedelta(days=1)),
    "kind": lambda d: replace(d, kind="proposal"),
    "company": lambda d: replace(d, company=replace(d.company, phone="+1 555 0101")),
    "contact": lambda d: replace(d, contact=replace(d.contact, address="Kraków")),
    "tax_rate": lambda d: replace(d, tax_rate=Decimal("8.5")),
    "total": lambda d: replace(d, total=d.total + Decimal("0.01")),
    "notes": lambda d: replace(d, notes=""),
    "currency": lambda d: replace(d, currency="EUR"),
    "line removed": lambda d: replace(d, lines=d.lines[:-1]),
}


def test_fingerprint_is_stable_for_equal_documents(app: Flask) -> None:
    key = fingerprint(sample_doc())
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert fingerprint(sample_doc()) == key


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_fingerprint_changes_with_any_field(app: Flask, change: str) -> None:
    doc = sample_doc()
    assert fingerprint(CHANGES[change](doc)) != fingerprint(doc)


def test_fingerprint_follows_templates_fonts_and_version(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = sample_doc()
    key = fingerprint(doc)
    copy = shutil.copytree(TEMPLATES, tmp_path / "templates")
    other = make_app(copy)
    with other.app_context():
        assert fingerprint(doc) == key  # same sources elsewhere: same key
        base = copy / "documents" / "pdf" / "_base.html"
        base.write_text(base.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert fingerprint(doc) != key
    shutil.copy("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", tmp_path)
    app.config["PDF_FONT_DIR"] = str(tmp_path)
    try:
        assert fingerprint(doc) != key  # another file of the same font
    finally:
        del app.config["PDF_FONT_DIR"]
    monkeypatch.setattr(pdf, "RENDER_VERSION", pdf.RENDER_VERSION + "-next")
    assert fingerprint(doc) != key


def test_fingerprint_is_the_same_in_another_process(app: Flask) -> None:
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from test_pdf import make_app, sample_doc\n"
        "from webpanel.documents.pdf import fingerprint\n"
        "with make_app().app_context(): print(fingerprint(sample_doc()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(ROOT), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == fingerprint(sample_doc())


def test_cache_renders_once_per_distinct_document(app: Flask, tmp_path: Path) -> None:
    cache = PdfCache(tmp_path / "pdf-cache")
    doc = sample_doc()
    first, was_cached = cache.get_or_render(doc)
    second, was_cached_again = cache.get_or_render(doc)
    assert (was_cached, was_cached_again) == (False, True)
    assert first == second and cache.render_count == 1
    assert sorted(p.name for p in cache.directory.iterdir()) == [f"{fingerprint(doc)}.pdf"]

    _, was_cached = cache.get_or_render(_bump_quantity(doc))
    assert not was_cached and cache.render_count == 2

    fresh = PdfCache(tmp_path / "pdf-cache")
    assert fresh.get_or_render(doc) == (first, True) and fresh.render_count == 0


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        ("invoice", "INV-0001", "Invoice-INV-0001.pdf"),
        ("sales_order", "SO 12/3", "Sales-Order-SO-12-3.pdf"),
        ("purchase_order", "../../etc/passwd", "Purchase-Order-etc-passwd.pdf"),
        ("proposal", 'Zoë №5 "x"\r\n', "Proposal-Zoe-No5-x.pdf"),
        ("invoice", "", "Invoice.pdf"),
    ],
)
def test_pdf_filename_is_safe(kind: str, number: str, expected: str) -> None:
    name = pdf_filename(replace(sample_doc(kind), number=number))
    assert name == expected
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf", name)
