"""Document lists, the document page, View PDF and delete."""

from __future__ import annotations

import logging

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from webpanel.company.services import current_company, get_company
from webpanel.documents import services, slots
from webpanel.documents.blueprint import bp
from webpanel.documents.kinds import DEFAULT_KIND, KINDS, by_slug, slug_rule
from webpanel.documents.models import Document
from webpanel.documents.pdf import PdfRenderError
from webpanel.documents.totals import line_amount
from webpanel.errors import error_response
from webpanel.formatting import date_in, decimal_in, money_in
from webpanel.fragments import render_htmx
from webpanel.listing import cursor_arg, search_arg
from webpanel.security import PDF_CSP

log = logging.getLogger(__name__)

SLUG = slug_rule()
NOT_SENT = "Not sent"
PDF_FAILED = ("The PDF could not be made", "Nothing was lost. Try again in a moment; if it "
              "keeps happening, tell your administrator (the details are in the panel's log).")


@bp.app_template_filter("money")
def money_filter(value, currency: str | None = None) -> str:
    """A money amount in the company's locale: "$1,234.50", "1.234,50 €"."""
    company = current_company()
    return money_in(value, currency or company.currency_code, company.locale)


@bp.app_template_filter("qty")
def quantity_filter(value) -> str:
    """A quantity or rate in the company's locale: 1,200 or 1.5."""
    return decimal_in(value, current_company().locale)


@bp.app_template_filter("day")
def date_filter(value) -> str:
    """A date in the company's locale, as the PDFs print it."""
    return date_in(value, current_company().locale) if value else ""


def kind_labels(kind: str) -> dict:
    """What templates need to name a kind (title, plural, slug, who it goes to, its fields)
    and every kind, for the tabs."""
    entry = KINDS[kind]
    return {"kind": kind, "title": entry.title, "prefix": entry.prefix, "plural": entry.plural,
            "slug": entry.slug, "contact_kind": entry.contact_kind, "fields": entry.fields,
            "kinds": list(KINDS.values())}


def get_or_404(document_id: int) -> Document:
    """The document with its contact and items (every page that asks shows or prints them),
    or a 404 page."""
    document = services.get_document(document_id, whole=True)
    if document is None:
        abort(404)
    return document


@bp.route("/")
@login_required
def index():
    """Documents open on the invoice list."""
    return redirect(url_for("documents.index_of", slug=KINDS[DEFAULT_KIND].slug))


@bp.route(f"/{SLUG}/")
@login_required
def index_of(slug: str):
    """One kind's list, newest first, with search."""
    kind, words = by_slug(slug).key, search_arg()
    page = services.search_documents(kind, words, cursor_arg("after"),
                                     cursor_arg("before"))
    return render_htmx("documents/list.html", "documents/partials/_list.html", results=page,
                       statuses=statuses(page.items), q=words, **kind_labels(kind))


def statuses(documents: list[Document]) -> dict[int, str]:
    """Each document's status in a list: its email status, or an invoice's payment status."""
    words = slots.EMAIL_STATUSES(documents)
    return {**words, **slots.PAYMENT_STATUSES(documents, words)}


@bp.route("/<id:document_id>")
@login_required
def show(document_id: int):
    """The document page: items, totals, and the Edit, View PDF, Email and Delete buttons."""
    document = get_or_404(document_id)
    entries = slots.EMAIL_HISTORY(document, current_user.id)
    email_word = entries[0].status_label if entries else NOT_SENT  # its newest email's
    return render_template("documents/show.html", document=document, amount=line_amount,
                           payments_panel=slots.PAYMENT_PANEL(document, email_word),
                           reminders_panel=slots.REMINDERS_PANEL(document, entries),
                           company_missing=not get_company().name, entries=entries,
                           recurrence=slots.RECURRENCE(document),
                           **kind_labels(document.kind))


@bp.route("/<id:document_id>/pdf")
@login_required
def pdf(document_id: int):
    """The PDF, shown in the browser (rendered once until the document changes)."""
    document = get_or_404(document_id)
    try:
        data, filename = services.pdf_for(document)
    except PdfRenderError:
        log.exception("PDF of document %s could not be rendered", document.id)
        return error_response(500, *PDF_FAILED)
    response = Response(data, mimetype="application/pdf")
    response.headers.set("Content-Disposition", "inline", filename=filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = PDF_CSP
    return response


@bp.route("/<id:document_id>/delete")
@login_required
def confirm_delete(document_id: int):
    """Ask before deleting (a plain page: works without JavaScript)."""
    document = get_or_404(document_id)
    return render_template("documents/delete.html", document=document,
                           recurrence=slots.RECURRENCE(document), **kind_labels(document.kind))


@bp.route("/<id:document_id>/delete", methods=["POST"])
@login_required
def delete(document_id: int):
    """Delete the document and go back to its list."""
    document = get_or_404(document_id)
    label, slug = document.label, KINDS[document.kind].slug
    services.delete_document(document)
    flash(f"Deleted {label}.")
    return redirect(url_for("documents.index_of", slug=slug), 303)
