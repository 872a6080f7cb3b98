"""WTForms for every screen of the Email tab: General, SMTP with its Sent folder copy section,
and the Send Test dialog; labels are the seed's. One check (`check_mail_host`) serves the
SMTP Server and the IMAP Server fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from webpanel import sending, timefmt
from webpanel.mailhosts import (
    IMAP_HOST,
    SECURITY_LABELS,
    SMTP_HOST,
    PortField,
    check_mail_host,
)
from webpanel.validators import email_address, single_line
from webpanel.zonefield import ZoneField

SEND_USING_LABELS = [SelectChoice(m.name, m.label) for m in sending.ALWAYS_OFFERED]


def text(value: str | None) -> str:
    """A text field's value as stored: never None."""
    return value or ""


def trimmed(value: str | None) -> str:
    """A one-line value without the spaces around it."""
    return (value or "").strip()


def signature_text(value: str | None) -> str:
    """A signature as stored: Unix line ends, no trailing blank lines or spaces."""
    return (value or "").replace("\r\n", "\n").rstrip()


class Tidied:
    """A field that stores its value tidied (`tidy`) when populate_obj copies it onto a row;
    the form keeps what was typed, so validation and a re-shown form see that."""

    def __init__(self, *args, tidy: Callable[[str | None], str] = text, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tidy = tidy

    def populate_obj(self, obj: Any, name: str) -> None:
        """Set `name` on `obj` to the tidied value."""
        setattr(obj, name, self.tidy(self.data))


class TidiedString(Tidied, StringField):
    """A StringField stored tidied."""


class TidiedEmail(Tidied, EmailField):
    """An EmailField stored tidied."""


class TidiedTextArea(Tidied, TextAreaField):
    """A TextAreaField stored tidied."""


class GeneralForm(FlaskForm):
    """Email Display Name, Email Address, Auto BCC Self, Signature, Reply-To."""

    display_name = TidiedString("Email Display Name", validators=[Length(max=120), single_line],
                                tidy=trimmed)
    address = TidiedEmail("Email Address", validators=[Length(max=254), single_line,
                                                       email_address])
    auto_bcc_self = BooleanField("Auto BCC Self")
    signature = TidiedTextArea("Signature", validators=[Length(max=4000)], tidy=signature_text)
    reply_to = TidiedEmail("Reply-To", validators=[Length(max=254), single_line, email_address])
    time_zone = ZoneField("Time zone", validate_choice=False)

    def validate_time_zone(self, field) -> None:
        """A zone from the list; left out, the person's zone stays as it is."""
        if field.data and not timefmt.is_zone(field.data):
            raise ValidationError("Choose your time zone from the list.")

    def validate_display_name(self, field) -> None:
        """Quotes and angle brackets would confuse the From header some mail programs show."""
        if field.data and any(ch in field.data for ch in '<>"'):
            raise ValidationError("Leave out quotes and angle brackets (\" < >).")


class SmtpForm(FlaskForm):
    """SMTP Server, User Name, Password, Port, security and Send Mail Using."""

    send_using = RadioField("Send Mail Using", choices=SEND_USING_LABELS, default=sending.SMTP.name,
                            validate_choice=False)
    smtp_server = TidiedString("SMTP Server", validators=[Length(max=253), single_line])
    smtp_username = TidiedString("User Name", validators=[Length(max=254), single_line],
                                 tidy=trimmed)
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
            tab = sending.SIGN_INS[api.provider].tab_name
            raise ValidationError(f"Sign in on the {tab} tab first, then choose {api.label}.")
        if field.data not in allowed:
            raise ValidationError("Choose SMTP Server or Email Client.")

    def validate_smtp_server(self, field) -> None:
        """A host name or address: needed when sending with the SMTP server."""
        check_mail_host(field, SMTP_HOST, required=self.send_using.data == sending.SMTP.name)


class SendTestForm(FlaskForm):
    """The Send Test dialog: where to send the test and its subject."""

    test_to = EmailField("Send to", validators=[InputRequired("Enter the address to send the "
                                                              "test to."),
                                                Length(max=254), single_line, email_address])
    test_subject = StringField("Subject", validators=[InputRequired("Enter a subject."),
                                                      Length(max=200), single_line])


SENT_CHOICE = SelectChoice("", "The Sent folder (found on the server)")


class ImapForm(FlaskForm):
    """On/off, IMAP server, port, security, certificate check, sign-in and folder."""

    imap_enabled = BooleanField("Put a copy of each message in my Sent folder")
    imap_host = StringField("IMAP Server", validators=[Length(max=253), single_line])
    imap_port = PortField("IMAP Port", validators=[
        Optional(), NumberRange(min=1, max=65535, message="Enter a port from 1 to 65535.")])
    imap_security = RadioField("IMAP Security", choices=SECURITY_LABELS, default="ssl")
    imap_allow_self_signed = BooleanField("Allow self-signed certificate for IMAP")
    imap_same_as_smtp = BooleanField("Use the same user name and password as SMTP",
                                     default=True)
    imap_username = StringField("IMAP User Name", validators=[Length(max=254), single_line])
    imap_password = PasswordField("IMAP Password", validators=[Length(max=500), single_line])
    imap_folder = SelectField("Folder for copies", choices=[SENT_CHOICE], validate_choice=False,
                              validators=[Length(max=500), single_line])

    def offer_folders(self, folders: list[tuple[str, str]]) -> None:
        """Offer the server's folders (name, label); the saved choice stays on the list."""
        choices = [SENT_CHOICE, *(SelectChoice(name, label) for name, label in folders)]
        current = self.imap_folder.data or ""
        if current and current not in {choice.value for choice in choices}:
            choices.append(SelectChoice(current, current))
        self.imap_folder.choices = choices

    def validate_imap_host(self, field) -> None:
        """A host name or address, needed once the copy is on; one the office allows."""
        check_mail_host(field, IMAP_HOST, required=bool(self.imap_enabled.data))

    def validate_imap_username(self, field) -> None:
        """A user name of one's own when not the SMTP one."""
        field.data = (field.data or "").strip()
        if self.imap_enabled.data and not self.imap_same_as_smtp.data and not field.data:
            raise ValidationError("Enter the IMAP user name (usually your email address).")

    def values(self) -> dict[str, Any]:
        """The fields as the settings store names them (enabled, host, port, ...)."""
        return {"enabled": bool(self.imap_enabled.data), "host": self.imap_host.data or "",
                "port": self.imap_port.data, "security": self.imap_security.data or "ssl",
                "allow_self_signed": bool(self.imap_allow_self_signed.data),
                "same_as_smtp": bool(self.imap_same_as_smtp.data),
                "username": self.imap_username.data or "", "folder": self.imap_folder.data or ""}


def form_for(row: Any, formdata: Any = None) -> ImapForm:
    """The form filled from saved settings (`formdata` None) or from the request."""
    if formdata is None:
        return ImapForm(formdata=None, **{f"imap_{name}": getattr(row, name) for name in
                                          ("enabled", "host", "port", "security",
                                           "allow_self_signed", "same_as_smtp", "username",
                                           "folder")})
    return ImapForm()
