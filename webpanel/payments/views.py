"""Mark as paid and Undo on an invoice's page."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required

from webpanel.documents import services as documents
from webpanel.documents import slots
from webpanel.documents.models import Document
from webpanel.extensions import htmx
from webpanel.fragments import render_htmx
from webpanel.payments import panel, services
from webpanel.payments.blueprint import bp

PAGE, PARTIAL = "payments/page.html", "payments/partials/_panel.html"


def _invoice(document_id: int) -> Document:
    document = documents.get_document(document_id)
    if document is None or document.kind != "invoice":
        abort(404)
    return document


def _email_word(document: Document) -> str:
    return slots.EMAIL_STATUSES([document]).get(document.id, "Not sent")


def _answer(document: Document, notice: str):
    """The section again (htmx), or back to the invoice's page."""
    if not htmx:
        return redirect(url_for("documents.show", document_id=document.id), 303)
    return render_htmx(PAGE, PARTIAL, **panel.context(document, _email_word(document),
                                                      notice=notice))


@bp.route("/<id:document_id>/payments", methods=["POST"])
@login_required
def add(document_id: int):
    """Record a payment (all or part of the amount due)."""
    document = _invoice(document_id)
    form = panel.form_for(document, request.form)
    if not form.validate_on_submit():
        return render_htmx(PAGE, PARTIAL, status=422,
                           **panel.context(document, _email_word(document), form))
    services.add_payment(document, form.paid_on.data, form.amount.data, current_user.id)
    return _answer(document, "Payment recorded.")


@bp.route("/<id:document_id>/payments/<id:payment_id>/undo", methods=["POST"])
@login_required
def undo(document_id: int, payment_id: int):
    """Take back a payment recorded by mistake."""
    document = _invoice(document_id)
    if not services.undo_payment(document, payment_id):
        abort(404)
    return _answer(document, "Payment removed.")
