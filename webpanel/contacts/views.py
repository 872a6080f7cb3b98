"""List, add, edit and delete customers and vendors."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required

from webpanel.contacts import services
from webpanel.contacts.blueprint import bp
from webpanel.contacts.forms import ContactForm
from webpanel.contacts.models import Contact
from webpanel.fragments import render_htmx
from webpanel.listing import cursor_arg, redirect_after_post, search_arg

GROUP = "<any(customers, vendors):group>"
EDIT_PAGE, FORM = "contacts/edit.html", "contacts/partials/_form.html"


@bp.route(f"/{GROUP}/")
@login_required
def index(group: str):
    """The list of customers or vendors, with search."""
    kind, words = services.GROUPS[group], search_arg()
    page = services.search_contacts(kind, words, cursor_arg("after"),
                                    cursor_arg("before"))
    return render_htmx("contacts/list.html", "contacts/partials/_list.html", results=page,
                       q=words, **_labels(group))


@bp.route(f"/{GROUP}/choices")
@login_required
def choices(group: str):
    """The first few customers or vendors that `?q=` finds, as <option>s for a document's box."""
    found = services.contact_matches(services.GROUPS[group], search_arg())
    return render_template("contacts/partials/_choices.html", contacts=found)


@bp.route(f"/{GROUP}/new")
@login_required
def new(group: str):
    """An empty form for a new customer or vendor."""
    return _form_page(group, None, ContactForm(formdata=None))


@bp.route(f"/{GROUP}/new", methods=["POST"])
@login_required
def create(group: str):
    """Add a customer or vendor."""
    return _save(group, Contact(kind=services.GROUPS[group]), is_new=True)


@bp.route(f"/{GROUP}/<id:contact_id>/edit")
@login_required
def edit(group: str, contact_id: int):
    """The form of an existing customer or vendor."""
    contact = _get(group, contact_id)
    return _form_page(group, contact, ContactForm(formdata=None, obj=contact))


@bp.route(f"/{GROUP}/<id:contact_id>/edit", methods=["POST"])
@login_required
def update(group: str, contact_id: int):
    """Save changes to a customer or vendor."""
    return _save(group, _get(group, contact_id), is_new=False)


@bp.route(f"/{GROUP}/<id:contact_id>/delete")
@login_required
def confirm_delete(group: str, contact_id: int):
    """Ask before deleting; explain instead when documents are addressed to the contact."""
    contact = _get(group, contact_id)
    return render_template("contacts/delete.html", contact=contact,
                           refusal=services.refusal(contact), **_labels(group))


@bp.route(f"/{GROUP}/<id:contact_id>/delete", methods=["POST"])
@login_required
def delete(group: str, contact_id: int):
    """Delete a customer or vendor that no document is addressed to."""
    contact = _get(group, contact_id)
    name = contact.name
    try:
        services.delete_contact(contact)
    except services.ContactInUse as exc:
        return render_template("contacts/delete.html", contact=contact, refusal=str(exc),
                               **_labels(group)), 409
    flash(f"Deleted {name}.")
    return redirect(url_for("contacts.index", group=group), 303)


def _save(group: str, contact: Contact, is_new: bool):
    form = ContactForm()
    if not form.validate_on_submit():
        return _form_page(group, None if is_new else contact, form, status=422)
    services.save_contact(contact, form)
    flash(f"{'Added' if is_new else 'Saved'} {contact.name}.")
    return redirect_after_post(url_for("contacts.index", group=group))


def _form_page(group: str, contact: Contact | None, form: ContactForm, status: int = 200):
    if contact is None:
        action = url_for("contacts.create", group=group)
    else:
        action = url_for("contacts.update", group=group, contact_id=contact.id)
    return render_htmx(EDIT_PAGE, FORM, status=status, form=form, contact=contact,
                       action=action, **_labels(group))


def _get(group: str, contact_id: int) -> Contact:
    contact = services.get_contact(contact_id, services.GROUPS[group])
    if contact is None:
        abort(404)
    return contact


def _labels(group: str) -> dict[str, str]:
    noun, plural = services.LABELS[services.GROUPS[group]]
    return {"group": group, "noun": noun, "plural": plural}
