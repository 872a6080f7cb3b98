"""Find, save and delete customers and vendors."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, func, select
from sqlalchemy.exc import IntegrityError

from webpanel.company.services import clean_text
from webpanel.contacts.forms import ContactBasics, ContactForm
from webpanel.contacts.models import Contact
from webpanel.extensions import db
from webpanel.listing import Order, Page, keyset_page
from webpanel.search import text_match

#: URL segment -> contact kind
GROUPS = {"customers": "customer", "vendors": "vendor"}
LABELS = {"customer": ("customer", "Customers"), "vendor": ("vendor", "Vendors")}
#: By name whatever its case, then by id (the index ix_contacts_kind_lower_name_id holds it).
BY_NAME = Order((func.lower(Contact.name), Contact.id), Contact.id)
#: A document form's Customer (Vendor) list holds every contact of the kind up to this many;
#: past it, the first this many by name (and the chosen one), and the box asks the server.
CHOICES_IN_PAGE = 100
#: How many matches the box's server search answers with.
CHOICES_IN_REPLY = 20


@dataclass(frozen=True)
class ContactChoices:
    """The (id, name) pairs a document form lists, and whether more contacts of the kind exist."""

    rows: list[tuple[int, str]]
    more: bool


class ContactInUse(Exception):
    """A contact that documents point to cannot be deleted; the message says what to do."""


def search_contacts(kind: str, words: str, after: int | None = None,
                    before: int | None = None) -> Page:
    """One page of customers or vendors whose name, contact person or email contains `words`:
    the page after the contact with id `after` or before the one with id `before`."""
    statement = select(Contact).where(Contact.kind == kind)
    if words:
        statement = statement.where(text_match(
            Contact, [Contact.name, Contact.contact_person, Contact.email], words))
    return keyset_page(statement, BY_NAME, after, before)


def get_contact(contact_id: int, kind: str) -> Contact | None:
    """The contact with this id, if it is of `kind`."""
    contact = db.session.get(Contact, contact_id)
    return contact if contact is not None and contact.kind == kind else None


def contact_choices(kind: str, chosen: int | None = None,
                    limit: int = CHOICES_IN_PAGE) -> ContactChoices:
    """The first `limit` customers (or vendors) by name as (id, name), plus the `chosen` one
    when it is of `kind` and not among them; `more` when the kind has more than `limit`."""
    statement = select(Contact.id, Contact.name).where(Contact.kind == kind)
    rows = [(row.id, row.name) for row in db.session.execute(
        BY_NAME.sorted(statement).limit(limit + 1))]
    more, rows = len(rows) > limit, rows[:limit]
    if chosen is not None and all(row[0] != chosen for row in rows):
        found = db.session.execute(statement.where(Contact.id == chosen)).first()
        rows += [(found.id, found.name)] if found else []
    return ContactChoices(rows, more)


def contact_matches(kind: str, words: str) -> list[Contact]:
    """The first few customers (or vendors) by name that `words` find (all, when empty)."""
    return search_contacts(kind, words).items[:CHOICES_IN_REPLY]


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
