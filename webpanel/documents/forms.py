"""The document form: date, customer or vendor, items, tax rate and notes."""

from __future__ import annotations

import datetime
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from webpanel import timefmt
from webpanel.contacts.models import Contact
from webpanel.documents.fields import NumberField, PlainDateField, entry_format
from webpanel.documents.kinds import KINDS
from webpanel.documents.models import PAYMENT_TERMS
from webpanel.documents.new_contact import NEW, contact_choice, new_contact_field
from webpanel.documents.totals import MAX_TOTAL, Totals, compute_totals
from webpanel.extensions import db
from webpanel.validators import single_line
from webpanel.widgets import QuickSelect, QuickTextArea, QuickTextInput

MAX_LINES = 100
#: The fields only some kinds have; each kind lists its own in `DocumentKind.fields`.
OPTIONAL_FIELDS = ("payment_terms", "due_date", "valid_until", "delivery_date",
                   "delivery_address")
BILLION = Decimal("1000000000")


class LineForm(Form):
    """One item row."""

    description = StringField("Description", validators=[Length(max=300), single_line],
                              widget=QuickTextInput())
    quantity = NumberField(
        "Quantity", what="quantity", examples=("2", "1.5"), places=3, maximum=BILLION,
        too_large="Enter a quantity of at most 1,000,000,000.", default=Decimal(1))
    unit_price = NumberField(
        "Unit price", what="unit price", examples=("19.99",), places=None, maximum=BILLION,
        too_large="Enter a unit price of at most 1,000,000,000.")

    def is_blank(self) -> bool:
        """Whether the person left the row empty (such rows are ignored); the quantity a new
        row starts with (1) alone does not count."""
        if _typed(self.description) or _typed(self.unit_price):
            return False
        return not _typed(self.quantity) or self.quantity.data == 1

    def check_filled(self) -> bool:
        """A row that is not blank needs all three values; say which is missing."""
        if not (self.description.data or "").strip():
            self.description.errors.append("Describe the item.")
        if self.quantity.data is None and not self.quantity.errors:
            self.quantity.errors.append("Enter the quantity.")
        elif self.quantity.data == 0:
            self.quantity.errors.append("Enter a quantity above 0.")
        if self.unit_price.data is None and not self.unit_price.errors:
            self.unit_price.errors.append("Enter the unit price (0 for a free item).")
        return not any(f.errors for f in (self.description, self.quantity, self.unit_price))


class DocumentForm(FlaskForm):
    """The fields of a document; `contact_kind` says whether it goes to a customer or vendor."""

    date = PlainDateField("Date", validators=[InputRequired("Enter the document's date.")],
                          default=timefmt.today)
    contact_id = SelectField("Customer", coerce=contact_choice, validate_choice=False,
                             widget=QuickSelect())
    new_contact = new_contact_field()
    lines = FieldList(FormField(LineForm), min_entries=1, max_entries=MAX_LINES)
    tax_rate = NumberField(
        "Tax rate (%)", what="tax rate", examples=("8.25",), places=2, maximum=Decimal(100),
        too_large="Enter a tax rate from 0 to 100.", default=Decimal("0"))
    notes = TextAreaField("Notes", validators=[Length(max=4000)], widget=QuickTextArea())
    payment_terms = SelectField("Payment terms", default="receipt", widget=QuickSelect(), choices=[
        SelectChoice(key, label) for key, (label, _days) in PAYMENT_TERMS.items()])
    due_date = PlainDateField("Due date", validators=[Optional()])
    valid_until = PlainDateField("Valid until", validators=[Optional()])
    delivery_date = PlainDateField("Expected delivery", validators=[Optional()])
    delivery_address = TextAreaField("Delivery address", validators=[Length(max=1000)],
                                     widget=QuickTextArea())

    contact_kind = "customer"
    lines_error = ""
    failed = False
    #: Whether the Customer list holds only some of the kind's contacts (the box searches).
    more_contacts = False
    #: How many item rows the browser posted (the field list itself keeps at most MAX_LINES).
    posted_lines = 0

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs) -> None:
        """Fill the fields, counting the posted item rows first so none is cut silently."""
        formdata = self.meta.wrap_formdata(self, formdata)
        if formdata is not None:
            self.posted_lines = posted_rows(formdata, self.lines.name)
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def validate_contact_id(self, field: SelectField) -> None:
        """The chosen contact must exist and be a customer (or, for purchase orders, a vendor)."""
        if field.data == NEW:
            return  # the new contact's own fields are checked instead
        contact = db.session.get(Contact, field.data) if field.data else None
        if contact is None or contact.kind != self.contact_kind:
            raise ValidationError(f"Choose a {self.contact_kind} from the list.")

    def validate_due_date(self, field: PlainDateField) -> None:
        """A chosen due date cannot be before the invoice."""
        _not_before(field, self.date.data, "The due date")

    def _check_due_date_chosen(self) -> bool:
        """ "By a date" needs the date (Optional() stops the field's own validators)."""
        if "payment_terms" not in self or self.payment_terms.data != "date":
            return True
        if self.due_date.data is None and not self.due_date.errors:
            self.due_date.errors = [*self.due_date.errors,
                                    "Choose the date by which the invoice is to be paid."]
        return self.due_date.data is not None

    def validate_valid_until(self, field: PlainDateField) -> None:
        """A proposal cannot expire before it is made."""
        _not_before(field, self.date.data, "The valid-until date")

    def due(self) -> datetime.date | None:
        """The due date the payment terms give (for invoices)."""
        if "payment_terms" not in self or self.date.data is None:
            return None
        return due_date_for(self.payment_terms.data, self.date.data, self.due_date.data)

    def validate(self, extra_validators=None) -> bool:
        """Check every field, then the items: at least one, each complete, total storable."""
        self.new_contact.active = self.contact_id.data == NEW
        fields_ok = super().validate(extra_validators)
        fields_ok = self._check_due_date_chosen() and fields_ok
        lines_ok = self._check_lines()
        self.failed = not (fields_ok and lines_ok)
        return not self.failed

    def filled_lines(self) -> list[LineForm]:
        """The rows the person filled in, in order."""
        return [entry.form for entry in self.lines if not entry.form.is_blank()]

    def live_totals(self) -> Totals:
        """Totals of the rows whose numbers are readable (shown while editing)."""
        rows = [(row.quantity.data, row.unit_price.data) for row in self.filled_lines()
                if row.quantity.data is not None and row.unit_price.data is not None]
        return compute_totals(rows, self.tax_rate.data or Decimal(0), entry_format()[1])

    def _check_lines(self) -> bool:
        if self.posted_lines > MAX_LINES:
            self.lines_error = too_many_lines(self.posted_lines)
            return False
        rows = self.filled_lines()
        rows_ok = all([row.check_filled() for row in rows])
        if not rows:
            self.lines_error = "Add at least one item with a description, quantity and price."
        elif rows_ok and self.live_totals().total > MAX_TOTAL:
            self.lines_error = ("The total is more than 9,999,999,999.99, which the panel "
                                "cannot store. Split it into several documents.")
        return rows_ok and not self.lines_error


def posted_rows(formdata, prefix: str) -> int:
    """The number of distinct rows ("lines-7-description" ...) in posted form data."""
    start = f"{prefix}-"
    return len({key[len(start):].split("-", 1)[0] for key in formdata
                if key.startswith(start) and key[len(start):].split("-", 1)[0].isdigit()})


def too_many_lines(count: int) -> str:
    """The message for a document with more rows than it may have."""
    split = "two documents" if count <= 2 * MAX_LINES else "several documents"
    return (f"A document has at most {MAX_LINES} items; this one has {count:,}. "
            f"Split it into {split}.")


def _not_before(field: PlainDateField, day: datetime.date | None, what: str) -> None:
    if field.data is not None and day is not None and field.data < day:
        raise ValidationError(f"{what} cannot be before the document's date.")


def due_date_for(terms: str, day: datetime.date, chosen: datetime.date | None
                 ) -> datetime.date | None:
    """The invoice date plus the terms' days, or the chosen date for "By a date"."""
    days = PAYMENT_TERMS.get(terms, ("", 0))[1]
    return chosen if days is None else day + datetime.timedelta(days=days)


def drop_fields_of_other_kinds(form: DocumentForm, kind: str) -> None:
    """Keep only the optional fields that `kind` has."""
    for name in OPTIONAL_FIELDS:
        if name not in KINDS[kind].fields:
            del form[name]


def _typed(field) -> str:
    """What the person typed into a box (or the stored value when the form was not posted)."""
    if field.raw_data:
        return field.raw_data[0].strip()
    return "" if field.data is None else str(field.data).strip()


def add_line(form: DocumentForm) -> str:
    """Append an empty row; returns a message when the document is already full."""
    if max(len(form.lines.entries), form.posted_lines) >= MAX_LINES:
        return f"A document can have at most {MAX_LINES} items."
    form.lines.append_entry()
    return ""


def remove_line(form: DocumentForm, name: str) -> None:
    """Remove the row whose field prefix is `name` (e.g. "lines-2"); keep one row at least."""
    form.lines.entries = [entry for entry in form.lines.entries if entry.name != name]
    if not form.lines.entries:
        form.lines.append_entry()
