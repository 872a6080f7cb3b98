"""A customer (or vendor) added from inside a document's form: "Add new customer…" in the
Customer list opens a few fields, and Save stores the contact and the document together."""

from __future__ import annotations

from wtforms import FormField

from webpanel.contacts.forms import ContactBasics
from webpanel.contacts.services import add_contact
from webpanel.documents.fields import optional_id

#: The Customer (Vendor) list's value for "Add new customer…".
NEW = "new"


def contact_choice(value: object) -> int | str | None:
    """A contact id, or NEW for "Add new …"; nonsense gives None."""
    return NEW if value == NEW else optional_id(value)


class WhenChosen(FormField):
    """A sub-form checked only while `active` (the parent sets it before validating)."""

    active = False

    def validate(self, form, extra_validators=()) -> bool:
        """The sub-form's own checks, or nothing when it is not in use."""
        return super().validate(form, extra_validators) if self.active else True


def new_contact_field() -> WhenChosen:
    """The fields of a new contact, named `new_contact-name` and so on."""
    return WhenChosen(ContactBasics, label="New customer")


def label(form, contact_kind: str) -> None:
    """Name the new-contact fieldset for the document's kind: "New customer", "New vendor"."""
    form.new_contact.label.text = f"New {contact_kind}"


def store_if_new(form, contact_kind: str) -> None:
    """When "Add new …" was chosen, add the contact (not yet committed) and choose it."""
    if form.contact_id.data == NEW:
        form.contact_id.data = add_contact(contact_kind, form.new_contact.form).id
