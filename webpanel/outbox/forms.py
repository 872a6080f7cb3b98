"""The compose dialog's form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webpanel.mail.international import recipient_refusal
from webpanel.outbox import schedule
from webpanel.validators import address_list, email_address, single_line
from webpanel.widgets import (
    QuickDateInput,
    QuickEmailInput,
    QuickRadioInput,
    QuickTextArea,
    QuickTextInput,
    QuickTimeInput,
)

#: The dialog's boxes write the same HTML as WTForms' own, for less (webpanel.widgets).
TEXT = QuickTextInput()

NOT_SCHEDULABLE = ("Send later works only when the panel sends the email itself (SMTP Server, "
                   "Gmail API or Outlook API). With Email Client, you send from your email "
                   "program: choose Send now, or another way on Email settings → SMTP.")


class ComposeForm(FlaskForm):
    """To, Cc, Bcc (lists), Subject and the message; the key makes a double click send once;
    Send now, or Send later at a date and time in the person's time zone."""

    to = StringField("To", validators=[InputRequired("Enter at least one recipient."),
                                       Length(max=2000), address_list], widget=TEXT)
    cc = StringField("Cc", validators=[Length(max=2000), address_list], widget=TEXT)
    bcc = StringField("Bcc", validators=[Length(max=2000), address_list], widget=TEXT)
    subject = StringField("Subject", validators=[InputRequired("Enter a subject."),
                                                 Length(max=200), single_line], widget=TEXT)
    reply_to = EmailField("Reply address", validators=[Length(max=254), single_line, email_address],
                          widget=QuickEmailInput())
    body = TextAreaField("Message", validators=[Length(max=20000)], widget=QuickTextArea())
    template_files = SelectMultipleField(
        "Files for every email of this kind", coerce=int, validate_choice=True,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    files = MultipleFileField("Add files")
    idempotency_key = HiddenField(validators=[
        InputRequired("This dialog has expired: close it and press Email again."),
        Regexp(r"^[A-Za-z0-9_-]{16,64}$", message="This dialog has expired: close it and "
               "press Email again.")])

    when = RadioField("When to send", choices=[SelectChoice("now", "Send now"),
                                               SelectChoice("later", "Send later")],
                      default="now", validate_choice=False, option_widget=QuickRadioInput())
    send_date = StringField("Date", widget=QuickDateInput(), validators=[Length(max=20)])
    send_time = StringField("Time", widget=QuickTimeInput(), validators=[Length(max=20)])

    #: The way of sending (Email settings → SMTP), set by compose.new_form: the Outlook API
    #: takes no address with accents before the @, and says so at the field.
    send_using: str = ""
    #: Set by compose.new_form: whether the panel itself sends (Send later is offered), and
    #: the person's time zone, in which the date and time are read.
    schedulable: bool = True
    zone_name: str = ""
    #: The time chosen with Send later, once the form is valid (None: send now).
    chosen: schedule.Chosen | None = None

    def validate(self, extra_validators=None) -> bool:
        """Every field, then the time chosen with Send later (said at its date or time)."""
        valid = super().validate(extra_validators)
        return self._chosen_time() and valid

    def validate_when(self, field: RadioField) -> None:
        if field.data not in ("now", "later"):
            raise ValidationError("Choose Send now or Send later.")
        if field.data == "later" and not self.schedulable:
            raise ValidationError(NOT_SCHEDULABLE)

    def _chosen_time(self) -> bool:
        if self.when.data != "later" or self.when.errors or self.send_date.errors \
                or self.send_time.errors:
            return True
        try:
            self.chosen = schedule.choose(self.send_date.data, self.send_time.data,
                                          self.zone_name)
        except schedule.BadTime as refused:
            self[f"send_{refused.field}"].errors.append(str(refused))
            return False
        return True

    def validate_to(self, field: StringField) -> None:
        self._carried(field)

    def validate_cc(self, field: StringField) -> None:
        self._carried(field)

    def validate_bcc(self, field: StringField) -> None:
        self._carried(field)

    def validate_reply_to(self, field: EmailField) -> None:
        self._carried(field)

    def _carried(self, field: StringField | EmailField) -> None:
        if field.errors:
            return
        for address in self.addresses(field.name):
            refused = recipient_refusal(self.send_using, address)
            if refused:
                raise ValidationError(f"{refused.reason} {refused.hint}")

    def uploads(self) -> list:
        """The files chosen in the dialog (an empty file input sends one nameless part)."""
        return [item for item in (self.files.data or []) if getattr(item, "filename", "")]

    def addresses(self, name: str) -> list[str]:
        """A list field's addresses."""
        value = self[name].data or ""
        return [a.strip() for a in value.split(",") if a.strip()]
