"""The Payments section of an invoice's page: its status, Mark as paid, and each payment
with Undo. The documents page gets it through a slot (webpanel.documents.slots)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from flask import g
from flask_login import current_user
from sqlalchemy import select

from webpanel.auth.models import User
from webpanel.company.services import get_company
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.formatting import editable_in, minor_digits
from webpanel.payments import services
from webpanel.payments.forms import PaymentForm


def form_for(document: Document, formdata: object = None, due: Decimal | None = None,
             today: datetime.date | None = None) -> PaymentForm:
    """Mark as paid for this invoice: today and the whole amount due, unless typed (`due` and
    `today` when the caller has them already)."""
    g.entry_currency = document.currency
    company = get_company()
    today = today or services.office_today()
    due = services.amount_due(document) if due is None else due
    kwargs = {} if formdata is not None else {"formdata": None}
    form = PaymentForm(**kwargs).setup(due, document.currency, company.locale, today)
    if formdata is None:
        form.paid_on.data = today
        form.amount.raw_data = [editable_in(due, company.locale, minor_digits(document.currency))]
    return form


def context(document: Document, email_word: str, form: PaymentForm | None = None,
            notice: str = "") -> dict:
    """What the section shows (params of payments/partials/_panel.html): its payments, then
    what was paid (asked only when there are payments), the status and the form from that."""
    rows = services.payments_of(document)
    paid = services.paid_totals([document.id]).get(document.id, services.ZERO) if rows \
        else services.ZERO
    today = services.office_today()
    status = services.status_of(document, paid, email_word, today)
    names = dict(db.session.execute(select(User.id, User.email).where(
        User.id.in_({p.recorded_by for p in rows if p.recorded_by}))).all()) if rows else {}
    return {"document": document, "pay_status": status, "payments": rows,
            "recorded_by": names, "email_word": email_word, "pay_notice": notice,
            "pay_form": form or form_for(document, due=status.amount_due, today=today)}


def slot(document: Document, email_word: str) -> dict | None:
    """The section's context for an invoice's page (None for other kinds)."""
    if document.kind != "invoice" or not current_user.is_authenticated:
        return None
    return context(document, email_word)
