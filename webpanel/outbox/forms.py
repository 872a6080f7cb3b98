"""The compose dialog's form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import EmailField, HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webpanel.mail.international import recipient_refusal
from webpanel.validators import address_list, email_address, single_line


class ComposeForm(FlaskForm):
    """To, Cc, Bcc (lists), Subject and the message; the key makes a double click send once."""

    to = StringField("To", validators=[InputRequired("Enter at least one recipient."),
                                       Length(max=2000), address_list])
    cc = StringField("Cc", validators=[Length(max=2000), address_list])
    bcc = StringField("Bcc", validators=[Length(max=2000), address_list])
    subject = StringField("Subject", validators=[InputRequired("Enter a subject."),
                                                 Length(max=200), single_line])
    reply_to = EmailField("Reply address", validators=[Length(max=254), single_line, email_address])
    body = TextAreaField("Message", validators=[Length(max=20000)])
    template_files = SelectMultipleField(
        "Files for every email of this kind", coerce=int, validate_choice=True,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    files = MultipleFileField("Add files")
    idempotency_key = HiddenField(validators=[
        InputRequired("This dialog has expired: close it and press Email again."),
        Regexp(r"^[A-Za-z0-9_-]{16,64}$", message="This dialog has expired: close it and "
               "press Email again.")])

    #: The way of sending (Email settings → SMTP), set by compose.new_form: the Outlook API
    #: takes no address with accents before the @, and says so at the field.
    send_using: str = ""

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
