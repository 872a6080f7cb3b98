"""Documents: find, save, delete, and turn into PDFs (cached under the instance folder)."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from webpanel.company.logo import fit, logo_size
from webpanel.company.models import Company
from webpanel.company.services import clean_text, get_company
from webpanel.contacts.models import Contact
from webpanel.documents.forms import DocumentForm, due_date_for
from webpanel.documents.models import Document, DocumentLine
from webpanel.documents.numbering import allocate_number
from webpanel.documents.pdf import (
    PdfBank,
    PdfCache,
    PdfDocument,
    PdfLine,
    PdfLogo,
    PdfParty,
    pdf_filename,
)
from webpanel.documents.totals import compute_totals, line_amount
from webpanel.extensions import db
from webpanel.listing import Order, Page, keyset_page
from webpanel.search import any_of, text_match
from webpanel.transactions import release

PDF_CACHE_KEY = "webpanel.pdf_cache"
#: The most room the logo takes at the top left of a PDF, in points (about 5.6 x 2.1 cm).
LOGO_BOX = (160.0, 60.0)


#: A document read with its customer (vendor) and items: one query for a page that shows them.
WHOLE = (joinedload(Document.contact), joinedload(Document.lines))


def get_document(document_id: int, whole: bool = False) -> Document | None:
    """The document with this id, or None; `whole` reads its contact and items with it."""
    return db.session.get(Document, document_id, options=WHOLE if whole else None)


#: Newest first: seq is unique within a kind (the list's filter), and the unique index
#: uq_documents_kind_seq holds this order.
NEWEST_FIRST = Order((Document.seq,), Document.id, descending=True)


def search_documents(kind: str, words: str, after: int | None = None,
                     before: int | None = None) -> Page:
    """One page of `kind`'s documents, newest first, whose number or contact name has `words`:
    the page after the document with id `after` or before the one with id `before`."""
    found = select(Document).where(Document.kind == kind)
    if words:
        found = found.where(any_of(
            Document, text_match(Document, [Document.number], words),
            Document.contact_id.in_(select(Contact.id).where(
                text_match(Contact, [Contact.name], words)))))
    shown = found.join(Document.contact).options(contains_eager(Document.contact))  # the names
    return keyset_page(shown, NEWEST_FIRST, after, before, counted=found)


def last_tax_rate() -> Decimal:
    """The tax rate of the newest document, as a starting point for the next one."""
    newest = select(Document.tax_rate).order_by(Document.id.desc()).limit(1)
    return db.session.scalar(newest) or Decimal("0")


def create_document(kind: str, form: DocumentForm) -> Document:
    """Save a new document with the next number of its series, in one transaction."""
    document = Document(kind=kind, currency=get_company().currency_code)
    _fill(document, form)
    return add_numbered(document)


def add_numbered(document: Document) -> Document:
    """Give a new document the next number of its series and save it with that number."""
    number_document(document)
    db.session.commit()
    return document


def number_document(document: Document) -> None:
    """Number a new document and add it to the session (the caller commits)."""
    document.seq, document.number = allocate_number(document.kind)
    db.session.add(document)


def copy_document(source: Document, day: datetime.date) -> Document:
    """A new copy of `source` dated `day` (not yet numbered or added): the same contact, items,
    tax rate, notes and currency; the due date from its payment terms, and its other dates
    (a chosen due date, valid-until, delivery) moved by as many days as the date moved."""
    by = day - source.date
    copy = Document(kind=source.kind, date=day, contact_id=source.contact_id,
                    tax_rate=source.tax_rate, notes=source.notes, currency=source.currency,
                    payment_terms=source.payment_terms, valid_until=_moved(source.valid_until, by),
                    delivery_date=_moved(source.delivery_date, by),
                    delivery_address=source.delivery_address)
    chosen = _moved(source.due_date, by)
    copy.due_date = due_date_for(source.payment_terms, day, chosen) if source.payment_terms \
        else chosen
    set_items(copy, [(line.description, line.quantity, line.unit_price) for line in source.lines])
    return copy


def _moved(value: datetime.date | None, by: datetime.timedelta) -> datetime.date | None:
    return None if value is None else value + by


def update_document(document: Document, form: DocumentForm) -> None:
    """Save changes; the number stays."""
    _fill(document, form)
    db.session.commit()


def delete_document(document: Document) -> None:
    """Delete a document and its items; its number is not given again."""
    db.session.delete(document)
    db.session.commit()


def set_items(document: Document, items: Iterable[tuple[str, Decimal, Decimal]]) -> None:
    """Replace the items with (description, quantity, unit price) rows; recompute totals."""
    document.lines = [DocumentLine(position=i, description=description, quantity=quantity,
                                   unit_price=unit_price)
                      for i, (description, quantity, unit_price) in enumerate(items, start=1)]
    totals = compute_totals(((line.quantity, line.unit_price) for line in document.lines),
                            document.tax_rate, document.currency or "USD")
    document.subtotal, document.tax, document.total = totals.subtotal, totals.tax, totals.total


def _fill(document: Document, form: DocumentForm) -> None:
    """Copy the form into the document and recompute its totals."""
    document.date = form.date.data
    document.contact_id = form.contact_id.data
    document.tax_rate = form.tax_rate.data or Decimal("0")
    document.notes = clean_text(form.notes.data)
    _fill_kind_fields(document, form)
    set_items(document, [(row.description.data.strip(), row.quantity.data, row.unit_price.data)
                         for row in form.filled_lines()])


def _fill_kind_fields(document: Document, form: DocumentForm) -> None:
    """Terms and due date (invoices), valid-until (proposals), delivery (orders)."""
    if "payment_terms" in form:
        document.payment_terms = form.payment_terms.data
        document.due_date = form.due()
    if "valid_until" in form:
        document.valid_until = form.valid_until.data or default_valid_until(document.date)
    if "delivery_date" in form:
        document.delivery_date = form.delivery_date.data
    if "delivery_address" in form:
        document.delivery_address = clean_text(form.delivery_address.data)


def default_valid_until(day: datetime.date) -> datetime.date:
    """A proposal's date plus the company's validity period."""
    return day + datetime.timedelta(days=get_company().proposal_valid_days)


# --- PDF -------------------------------------------------------------------------------


def pdf_document(document: Document) -> PdfDocument:
    """The one mapping from a saved document (and the company) to what its PDF prints."""
    company, contact = get_company(), document.contact
    return PdfDocument(
        kind=document.kind,
        number=document.number,
        date=document.date,
        company=PdfParty(company.name, email=company.email, phone=company.phone,
                         address=company.address, tax_id=company.tax_id,
                         registration_number=company.registration_number),
        contact=PdfParty(contact.name, contact=contact.contact_person, email=contact.email,
                         address=contact.address),
        lines=tuple(PdfLine(line.description, line.quantity, line.unit_price,
                            line_amount(line.quantity, line.unit_price, document.currency))
                    for line in document.lines),
        subtotal=document.subtotal,
        tax_rate=document.tax_rate,
        tax=document.tax,
        total=document.total,
        notes=document.notes,
        currency=document.currency,
        locale=company.locale,
        terms=document.terms_label,
        due_date=document.due_date,
        valid_until=document.valid_until,
        delivery_date=document.delivery_date,
        delivery_address=document.delivery_address,
        bank=_pdf_bank(company),
        logo=_pdf_logo(company),
        footer=company.footer,
    )


def _pdf_bank(company: Company) -> PdfBank | None:
    if not company.has_bank_details:
        return None
    return PdfBank(company.bank_account, holder=company.bank_holder, code=company.bank_code,
                   bank=company.bank_name)


def _pdf_logo(company: Company) -> PdfLogo | None:
    """The logo scaled to fit the letterhead box, keeping its shape."""
    if not company.logo:
        return None
    width, height = fit(logo_size(company.logo), LOGO_BOX)
    data = base64.b64encode(company.logo).decode("ascii")
    return PdfLogo(f"data:{company.logo_type};base64,{data}", width, height)


def pdf_cache() -> PdfCache:
    """The app's PDF cache in `<instance>/pdf-cache` (one per app, made on first use)."""
    cache = current_app.extensions.get(PDF_CACHE_KEY)
    if cache is None:
        cache = PdfCache(Path(current_app.instance_path) / "pdf-cache",
                         current_app.config["PDF_CACHE_MAX_AGE"],
                         current_app.config["PDF_CACHE_MAX_BYTES"])
        current_app.extensions[PDF_CACHE_KEY] = cache
    return cache


def pdf_for(document: Document) -> tuple[bytes, str]:
    """The PDF of `document` (rendered once per distinct content) and its file name.

    Raises `webpanel.documents.pdf.PdfRenderError` when the renderer fails.
    """
    printed = pdf_document(document)
    release()  # everything printed is read: no transaction stays open during the render
    data, _cached = pdf_cache().get_or_render(printed)
    return data, pdf_filename(printed)
