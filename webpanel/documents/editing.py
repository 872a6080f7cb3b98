"""New and edit document forms, and the in-place add and remove of items."""

from __future__ import annotations

from flask import flash, g, request, url_for
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from webpanel import timefmt
from webpanel.contacts.models import Contact
from webpanel.contacts.services import CHOICES_IN_PAGE, ContactChoices, contact_choices
from webpanel.documents import new_contact, services, slots
from webpanel.documents.blueprint import bp
from webpanel.documents.fields import entry_format, optional_id
from webpanel.documents.forms import (
    DocumentForm,
    add_line,
    drop_fields_of_other_kinds,
    remove_line,
)
from webpanel.documents.kinds import KINDS, by_slug
from webpanel.documents.models import Document
from webpanel.documents.new_contact import NEW, store_if_new
from webpanel.documents.totals import line_amount
from webpanel.documents.views import SLUG, get_or_404, kind_labels
from webpanel.extensions import db, htmx
from webpanel.fragments import render_htmx
from webpanel.listing import redirect_after_post
from webpanel.transactions import reads_only

PAGE = "documents/edit.html"
FORM, LINES = "documents/partials/_form.html", "documents/partials/_lines.html"
TOTALS = "documents/partials/_live_totals.html"
BUSY = "Another document was saved at the same moment. Press Save again."


@bp.route(f"/{SLUG}/new")
@login_required
def new(slug: str):
    """An empty form, dated today, with the tax rate of the newest document (and the customer
    or vendor of `?contact=<id>`, as their page's New invoice link gives)."""
    kind = by_slug(slug).key
    today = timefmt.today()
    form = document_form(kind, data={"tax_rate": services.last_tax_rate(),
                                     "valid_until": services.default_valid_until(today),
                                     "contact_id": optional_id(request.args.get("contact"))})
    listed = {value for value, _label in form.contact_id.choices}
    if form.contact_id.data not in listed:  # unknown, or of the other kind: not chosen
        form.contact_id.data = None
    if len(listed) == 2:  # none yet: the new contact's fields are open
        form.contact_id.data = NEW
    return _render(kind, None, form)


@bp.route(f"/{SLUG}/new", methods=["POST"])
@login_required
def create(slug: str):
    """Save a new document under the next number of its series."""
    kind = by_slug(slug).key
    form = document_form(kind)
    if not form.validate_on_submit():
        return _render(kind, None, form, status=422)
    try:
        store_if_new(form, KINDS[kind].contact_kind)
        document = services.create_document(kind, form)
    except IntegrityError:
        db.session.rollback()
        return _render(kind, None, form, status=409, notice=BUSY)
    return _saved(document)


@bp.route(f"/{SLUG}/new/lines", methods=["POST"])
@login_required
@reads_only
def new_lines(slug: str):
    """Add or remove an item of a new document; answers the items fragment."""
    return _edit_lines(by_slug(slug).key, None)


@bp.route("/<id:document_id>/edit")
@login_required
def edit(document_id: int):
    """The form of a saved document."""
    document = entry_document(document_id)
    return _render(document.kind, document,
                   document_form(document.kind, document.contact, obj=document))


@bp.route("/<id:document_id>/edit", methods=["POST"])
@login_required
def update(document_id: int):
    """Save changes to a document."""
    document = entry_document(document_id)
    form = document_form(document.kind, document.contact)
    if not form.validate_on_submit():
        return _render(document.kind, document, form, status=422)
    store_if_new(form, KINDS[document.kind].contact_kind)
    services.update_document(document, form)
    return _saved(document)


@bp.route("/<id:document_id>/lines", methods=["POST"])
@login_required
@reads_only
def edit_lines(document_id: int):
    """Add or remove an item of a saved document (saved only with Save)."""
    document = entry_document(document_id)
    return _edit_lines(document.kind, document)


def _saved(document: Document):
    """To the saved document; with Save and email, its Email dialog opens there."""
    flash(f"Saved {document.label}.")
    if request.form.get("then") != "email":
        return redirect_after_post(url_for("documents.show", document_id=document.id))
    if htmx:  # the document's page, its Email dialog opening as it loads
        return redirect_after_post(url_for("documents.show", document_id=document.id, email=1))
    return redirect_after_post(url_for("outbox.compose_dialog", document_id=document.id))


def entry_document(document_id: int) -> Document:
    """The document being edited; its prices are typed in its own currency."""
    document = get_or_404(document_id)
    g.entry_currency = document.currency
    return document


def document_form(kind: str, saved: Contact | None = None, **kwargs) -> DocumentForm:
    """The form for `kind`, its contact list limited to the kind's contact kind (`saved`: the
    document's contact, already read)."""
    form = DocumentForm(**kwargs)
    contact_kind = KINDS[kind].contact_kind
    form.contact_kind = contact_kind
    form.contact_id.label.text = contact_kind.capitalize()
    listed = _choices(contact_kind, form.contact_id.data, saved)
    form.contact_id.choices = [("", f"Choose a {contact_kind}…"),
                               (NEW, f"Add new {contact_kind}…"), *listed.rows]
    form.more_contacts = listed.more
    new_contact.label(form, contact_kind)
    drop_fields_of_other_kinds(form, kind)
    return form


def _choices(contact_kind: str, chosen: object, saved: Contact | None) -> ContactChoices:
    """The Customer list: the first of the kind by name and the chosen one; when the chosen one
    is the document's saved contact, it is not read again."""
    if saved is None or saved.id != chosen:
        return contact_choices(contact_kind, chosen if isinstance(chosen, int) else None)
    listed = contact_choices(contact_kind)
    if saved.kind != contact_kind or any(row[0] == saved.id for row in listed.rows):
        return listed
    return ContactChoices([*listed.rows, (saved.id, saved.name)], listed.more)


def _edit_lines(kind: str, document: Document | None):
    form = document_form(kind, document.contact if document else None)
    lines_notice, added = "", False
    if request.args.get("live"):
        return _render(kind, document, form, partial=TOTALS)
    if "remove" in request.form:
        remove_line(form, request.form["remove"])
    elif "add" in request.form:
        lines_notice = add_line(form)
        added = not lines_notice
    return _render(kind, document, form, partial=LINES, lines_notice=lines_notice,
                   added=added)


def _emailed(document: Document | None) -> dict:
    """For the page's warning: when a saved document was last emailed, if ever."""
    return {"emailed": slots.LAST_EMAILED(document) if document else None}


def _render(kind: str, document: Document | None, form: DocumentForm, status: int = 200,
            partial: str = FORM, **extra):
    labels = kind_labels(kind)
    if document is None:
        action = url_for("documents.create", slug=labels["slug"])
        lines_url = url_for("documents.new_lines", slug=labels["slug"])
        live_url = url_for("documents.new_lines", slug=labels["slug"], live=1)
    else:
        action = url_for("documents.update", document_id=document.id)
        lines_url = url_for("documents.edit_lines", document_id=document.id)
        live_url = url_for("documents.edit_lines", document_id=document.id, live=1)
    return render_htmx(PAGE, partial, status=status, page_context=lambda: _emailed(document),
                       form=form, document=document,
                       action=action, lines_url=lines_url, live_url=live_url,
                       totals=form.live_totals(), amount=line_amount, currency=entry_format()[1],
                       new_contact=NEW, choices_in_page=CHOICES_IN_PAGE,
                       **labels, **extra)
