"""The Repeat form: how often, from when, until when, and what each run does."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from webpanel.documents.fields import PlainDateField
from webpanel.recurring.dates import MONTH, WEEK
from webpanel.recurring.models import DRAFT, EMAIL
from webpanel.validators import address_list

NEVER, ON_DATE, AFTER = "never", "on", "after"


def whole_number(field: Field, low: int, high: int, message: str) -> int:
    """The field's whole number from `low` to `high`, or a ValidationError with `message`."""
    text = (field.data or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValidationError(message)
    return int(text)


class RepeatForm(FlaskForm):
    """A schedule for one document; `plan()` gives its cleaned values once valid."""

    every = StringField("Repeat every", default="1", validators=[Length(max=10)])
    unit = SelectField("Weeks or months", choices=[SelectChoice(MONTH, "month(s)"),
                                                          SelectChoice(WEEK, "week(s)")],
                       default=MONTH, validate_choice=False)
    day_of_month = StringField("On day of the month", validators=[Length(max=10)])
    start = PlainDateField("Starting from", validators=[
        InputRequired("Enter the date of the first new document.")])
    ends = RadioField("Ends", choices=[SelectChoice(NEVER, "Never"),
                                       SelectChoice(ON_DATE, "On a date"),
                                       SelectChoice(AFTER, "After a number of documents")],
                      default=NEVER, validate_choice=False)
    until = PlainDateField("Last date", validators=[Optional()])
    times = StringField("Number of documents", validators=[Length(max=10)])
    action = RadioField("Each new document", choices=[SelectChoice(EMAIL, "Email it"),
                                                      SelectChoice(DRAFT, "Leave it as a draft")],
                        default=EMAIL, validate_choice=False)
    to = StringField("To", validators=[Length(max=2000), address_list])
    cc = StringField("Cc", validators=[Length(max=2000), address_list])

    #: The first day a run may be (today in the person's zone), set by the view.
    today = None

    def validate_every(self, field: StringField) -> None:
        self.every_count = whole_number(field, 1, 99, "Enter how often as a whole number from "
                                        "1 to 99, like 1 for every month.")

    def validate_unit(self, field: SelectField) -> None:
        if field.data not in (MONTH, WEEK):
            raise ValidationError("Choose weeks or months.")

    def validate_day_of_month(self, field: StringField) -> None:
        if self.unit.data != MONTH:
            self.day = 1
            return
        self.day = whole_number(field, 1, 31, "Enter a day from 1 to 31. In a shorter month, "
                                "a day it lacks means its last day.")

    def validate_start(self, field: PlainDateField) -> None:
        if self.today and field.data and field.data < self.today:
            raise ValidationError("Choose today or a later day: past runs are not made.")

    def validate_ends(self, field: RadioField) -> None:
        if field.data not in (NEVER, ON_DATE, AFTER):
            raise ValidationError("Choose when the repeating ends.")

    def validate(self, extra_validators=None) -> bool:
        """Every field, then a last date when "On a date" is chosen (said at its field)."""
        valid = super().validate(extra_validators)
        if self.ends.data == ON_DATE and self.until.data is None and not self.until.errors:
            self.until.errors = ["Enter the last date, or choose another way to end."]
            return False
        return valid

    def validate_until(self, field: PlainDateField) -> None:
        if self.ends.data == ON_DATE and self.start.data and field.data <= self.start.data:
            raise ValidationError("The last date must be after the starting date.")

    def validate_times(self, field: StringField) -> None:
        if self.ends.data == AFTER:
            self.count = whole_number(field, 1, 999, "Enter how many documents to make: a "
                                      "whole number from 1 to 999.")

    def validate_action(self, field: RadioField) -> None:
        if field.data not in (EMAIL, DRAFT):
            raise ValidationError("Choose Email it or Leave it as a draft.")

    def validate_to(self, field: StringField) -> None:
        if self.action.data == EMAIL and not field.errors and not field.data:
            raise ValidationError("Enter at least one recipient, or choose Leave it as a draft.")

    def plan(self) -> dict:
        """The cleaned values services.create takes (after a successful validate)."""
        return {"unit": self.unit.data, "every": self.every_count, "day_of_month": self.day,
                "start": self.start.data,
                "until": self.until.data if self.ends.data == ON_DATE else None,
                "times": self.count if self.ends.data == AFTER else None,
                "action": self.action.data, "to_addrs": self.to.data or "",
                "cc_addrs": self.cc.data or ""}
