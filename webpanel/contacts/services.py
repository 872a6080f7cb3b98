"""Find, save and delete customers and vendors."""

from __future__ import annotations

from sqlalchemy import Column, func, select
from sqlalchemy.exc import IntegrityError

from webpanel.company.services import clean_text
from webpanel.contacts.forms import ContactBasics, ContactForm
from webpanel.contacts.models import Contact
from webpanel.extensions import db
from webpanel.listing import Page, paginate
from webpanel.search import text_match

#: URL segment -> contact kind
GROUPS = {"customers": "customer", "vendors": "vendor"}
LABELS = {"customer": ("customer", "Customers"), "vendor": ("vendor", "Vendors")}


class ContactInUse(Exception):
    """A contact that documents point to cannot be deleted; the message says what to do."""


def search_contacts(kind: str, words: str, number: int) -> Page:
    """One page of customers or vendors whose name, contact person or email contains `words`."""
    statement = select(Contact).where(Contact.kind == kind)
    if words:
        statement = statement.where(text_match(
            Contact, [Contact.name, Contact.contact_person, Contact.email], words))
    return paginate(statement.order_by(func.lower(Contact.name), Contact.id), number)


def get_contact(contact_id: int, kind: str) -> Contact | None:
    """The contact with this id, if it is of `kind`."""
    contact = db.session.get(Contact, contact_id)
    return contact if contact is not None and contact.kind == kind else None


def contacts_of_kind(kind: str) -> list[Contact]:
    """Every customer or every vendor, by name (for the document form's list)."""
    statement = select(Contact).where(Contact.kind == kind)
    return list(db.session.scalars(statement.order_by(func.lower(Contact.name), Contact.id)))


def has_contacts() -> bool:
    """Whether any customer or vendor exists."""
    return db.session.scalar(select(Contact.id).limit(1)) is not None


def save_contact(contact: Contact, form: ContactForm) -> None:
    """Store the form into `contact` (new or existing)."""
    contact.name = form.name.data.strip()
    contact.contact_person = (form.contact_person.data or "").strip()
    contact.email = form.email.data or ""
    contact.address = clean_text(form.address.data)
    contact.default_cc = form.default_cc.data or ""
    contact.default_bcc = form.default_bcc.data or ""
    contact.no_reminders = bool(form.no_reminders.data)
    db.session.add(contact)
    db.session.commit()


def add_contact(kind: str, fields: ContactBasics) -> Contact:
    """A new customer or vendor from its basic fields, in the caller's transaction (flushed for
    its id; the caller commits it together with what refers to it)."""
    contact = Contact(kind=kind, name=fields.name.data.strip(),
                      contact_person=(fields.contact_person.data or "").strip(),
                      email=fields.email.data or "", address=clean_text(fields.address.data),
                      default_cc="", default_bcc="")
    db.session.add(contact)
    db.session.flush()
    return contact


def document_numbers(contact: Contact, limit: int = 5) -> tuple[int, list[str]]:
    """How many documents are addressed to `contact`, and the numbers of the newest few.

    Asked through the foreign key that points at contacts (documents.contact_id), so this
    package names no package above it."""
    count, numbers = 0, []
    for column in _pointing_at_contacts():
        table, where = column.table, column == contact.id
        count += db.session.scalar(select(func.count()).select_from(table).where(where)) or 0
        newest = select(table.c.number).where(where).order_by(table.c.id.desc()).limit(limit)
        numbers += db.session.scalars(newest)
    return count, numbers[:limit]


def _pointing_at_contacts() -> list[Column]:
    """The columns that keep a contact from being deleted: foreign keys to contacts.id, in
    tables with a "number" (today only documents.contact_id)."""
    target = Contact.__table__.c.id
    return [fk.parent for table in Contact.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column is target and "number" in table.c]


def refusal(contact: Contact) -> str | None:
    """Why `contact` cannot be deleted, in plain words; None when it can."""
    count, numbers = document_numbers(contact)
    if not count:
        return None
    shown = ", ".join(numbers) + (" and others" if count > len(numbers) else "")
    noun = "document" if count == 1 else "documents"
    return (f"{contact.name} cannot be deleted: {count} {noun} ({shown}) "
            f"{'is' if count == 1 else 'are'} addressed to it. Delete those documents first, "
            "or keep this entry so the documents stay complete.")


def delete_contact(contact: Contact) -> None:
    """Delete a contact that no document points to; otherwise raise `ContactInUse`."""
    reason = refusal(contact)
    if reason:
        raise ContactInUse(reason)
    name = contact.name
    db.session.delete(contact)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a document was added to it a moment ago
        db.session.rollback()
        raise ContactInUse(f"{name} cannot be deleted: a document was just addressed to "
                           "it. Delete that document first.") from exc
