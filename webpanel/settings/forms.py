"""WTForms for the General and SMTP sub-tabs and the Send Test dialog; labels are the seed's."""

from __future__ import annotations

import ipaddress

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webpanel import sending, timefmt
from webpanel.integrations.providers import WORDS
from webpanel.settings import servers
from webpanel.validators import email_address, single_line

SECURITY_LABELS = [SelectChoice("ssl", "SSL"), SelectChoice("tls", "TLS"),
                   SelectChoice("none", "NONE")]
SEND_USING_LABELS = [SelectChoice(m.name, m.label) for m in sending.ALWAYS_OFFERED]


class GeneralForm(FlaskForm):
    """Email Display Name, Email Address, Auto BCC Self, Signature, Reply-To."""

    display_name = StringField("Email Display Name", validators=[Length(max=120), single_line])
    address = EmailField("Email Address", validators=[Length(max=254), single_line, email_address])
    auto_bcc_self = BooleanField("Auto BCC Self")
    signature = TextAreaField("Signature", validators=[Length(max=4000)])
    reply_to = EmailField("Reply-To", validators=[Length(max=254), single_line, email_address])
    time_zone = SelectField("Time zone", choices=lambda: [(z, z.replace("_", " "))
                                                          for z in timefmt.zone_names()],
                            validate_choice=False)

    def validate_time_zone(self, field) -> None:
        """A zone from the list; left out, the person's zone stays as it is."""
        if field.data and not timefmt.is_zone(field.data):
            raise ValidationError("Choose your time zone from the list.")

    def validate_display_name(self, field) -> None:
        """Quotes and angle brackets would confuse the From header some mail programs show."""
        if field.data and any(ch in field.data for ch in '<>"'):
            raise ValidationError("Leave out quotes and angle brackets (\" < >).")


class PortField(IntegerField):
    """An integer field whose parse error is in plain words."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter the port as a number from 1 to 65535.") from exc


class SmtpForm(FlaskForm):
    """SMTP Server, User Name, Password, Port, security and Send Mail Using."""

    send_using = RadioField("Send Mail Using", choices=SEND_USING_LABELS, default=sending.SMTP.name,
                            validate_choice=False)
    smtp_server = StringField("SMTP Server", validators=[Length(max=253), single_line])
    smtp_username = StringField("User Name", validators=[Length(max=254), single_line])
    smtp_password = PasswordField("Password", validators=[Length(max=500), single_line])
    smtp_port = PortField(
        "Port",
        validators=[Optional(), NumberRange(min=1, max=65535,
                                            message="Enter a port from 1 to 65535.")],
    )
    smtp_security = RadioField("Security", choices=SECURITY_LABELS, default="tls")
    allow_self_signed = BooleanField("Allow self-signed certificate")

    def offer_apis(self, connected: set[str]) -> None:
        """Add "Gmail API" / "Outlook API" for the accounts this person has signed in to."""
        self.send_using.choices = SEND_USING_LABELS + [
            SelectChoice(m.name, m.label) for m in sending.APIS.values() if m.name in connected]

    def validate_send_using(self, field) -> None:
        """Only a way of sending that is available; an API only once its tab is signed in."""
        allowed = {choice.value for choice in field.choices}
        api = sending.APIS.get(field.data)
        if api and field.data not in allowed:
            raise ValidationError(f"Sign in on the {WORDS[api.provider]['name']} tab first, "
                                  f"then choose {api.label}.")
        if field.data not in allowed:
            raise ValidationError("Choose SMTP Server or Email Client.")

    def validate_smtp_server(self, field) -> None:
        """A host name or address: needed when sending with the SMTP server."""
        value = (field.data or "").strip()
        field.data = value
        if self.send_using.data == sending.SMTP.name and not value:
            raise ValidationError("Enter your provider's SMTP server, like smtp.office365.com.")
        if value and (" " in value or "/" in value or ":" in value.strip("[]")):
            if not _is_ipv6(value):
                raise ValidationError("Enter only the server name, like smtp.office365.com "
                                      "(no spaces, “smtp://” or port).")
        if value and not servers.is_allowed(value):
            raise ValidationError(servers.not_allowed_message())


class SendTestForm(FlaskForm):
    """The Send Test dialog: where to send the test and its subject."""

    test_to = EmailField("Send to", validators=[InputRequired("Enter the address to send the "
                                                              "test to."),
                                                Length(max=254), single_line, email_address])
    test_subject = StringField("Subject", validators=[InputRequired("Enter a subject."),
                                                      Length(max=200), single_line])


def _is_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value.strip("[]"))
    except ValueError:
        return False
    return True
