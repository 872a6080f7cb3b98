"""The Company form: letterhead, legal and bank details, logo, currency and locale, Undo, and
the office's mail server (its labels are the Email tab's)."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webpanel.company.logo import MAX_LOGO_BYTES, LogoError, read_logo
from webpanel.formatting import DEFAULT_LOCALE, known_currency, locale_choices
from webpanel.mailhosts import (
    IMAP_HOST,
    PORT_RANGE,
    SECURITY_LABELS,
    SMTP_HOST,
    PortField,
    check_mail_host,
)
from webpanel.validators import email_address, single_line


def _upper(value: str | None) -> str:
    return (value or "").strip().upper()


class CompanyForm(FlaskForm):
    """Company name, address, contact, legal and bank details, logo and formats."""

    name = StringField("Company name", validators=[
        InputRequired("Enter your company's name."), Length(max=200), single_line])
    address = TextAreaField("Postal address", validators=[Length(max=1000)])
    phone = StringField("Phone", validators=[Length(max=50), single_line])
    email = EmailField("Email", validators=[Length(max=254), single_line, email_address])
    logo = FileField("Logo")
    remove_logo = BooleanField("Remove the logo")
    tax_id = StringField("Tax / VAT ID", validators=[Length(max=50), single_line])
    registration_number = StringField("Registration number",
                                      validators=[Length(max=100), single_line])
    bank_holder = StringField("Account holder", validators=[Length(max=200), single_line])
    bank_account = StringField("IBAN or account number",
                               validators=[Length(max=50), single_line])
    bank_code = StringField("BIC / SWIFT or routing number",
                            validators=[Length(max=50), single_line])
    bank_name = StringField("Bank", validators=[Length(max=200), single_line])
    footer = StringField("Footer line", validators=[Length(max=300), single_line])
    locale = SelectField("Number and date format", default=DEFAULT_LOCALE, choices=lambda: [
        SelectChoice(code, label) for code, label in locale_choices()])
    currency = StringField("Currency", filters=[_upper], validators=[Length(max=3)])
    proposal_valid_days = IntegerField(
        "Proposals are valid for (days)",
        validators=[Optional(), NumberRange(1, 3650, "Enter a number of days from 1 to 3650.")])
    undo_seconds = SelectField(
        "Undo after Send", coerce=int, default=0,
        choices=[SelectChoice(0, "Off: emails go at once"),
                 *(SelectChoice(n, f"{n} seconds") for n in (5, 10, 20, 30))])

    smtp_server = StringField("SMTP Server", validators=[Length(max=253), single_line])
    smtp_port = PortField("Port", validators=[Optional(), PORT_RANGE])
    smtp_security = RadioField("Security", choices=SECURITY_LABELS, default="tls")
    imap_host = StringField("IMAP Server", validators=[Length(max=253), single_line])
    imap_port = PortField("IMAP Port", validators=[Optional(), PORT_RANGE])
    imap_security = RadioField("IMAP Security", choices=SECURITY_LABELS, default="ssl")

    uploaded_logo = None

    def validate_smtp_server(self, field: StringField) -> None:
        """Empty (no office server), or a bare host name the office allows."""
        check_mail_host(field, SMTP_HOST, required=False)

    def validate_imap_host(self, field: StringField) -> None:
        """Empty, or a bare host name the office allows."""
        check_mail_host(field, IMAP_HOST, required=False)

    def validate_currency(self, field: StringField) -> None:
        """An ISO 4217 code, or empty for the locale's currency."""
        if field.data and not known_currency(field.data):
            raise ValidationError("Enter a three-letter ISO 4217 code such as USD, EUR or JPY, "
                                  "or leave it empty to use the currency of the format above.")

    def validate_logo(self, field: FileField) -> None:
        """A PNG or JPEG of limited size; kept as `uploaded_logo` (checked by content)."""
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        limit = current_app.config.get("LOGO_MAX_BYTES", MAX_LOGO_BYTES)
        try:
            data = upload.read(limit + 1)
        finally:
            upload.close()
        try:
            self.uploaded_logo = read_logo(data, limit)
        except LogoError as exc:
            raise ValidationError(str(exc)) from exc
