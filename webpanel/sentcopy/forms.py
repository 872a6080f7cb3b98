"""The "Sent folder copy (IMAP)" section of the SMTP tab: its fields and their own checks."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from webpanel.settings import servers
from webpanel.settings.forms import SECURITY_LABELS, PortField, _is_ipv6
from webpanel.validators import single_line

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
        value = (field.data or "").strip()
        field.data = value
        if self.imap_enabled.data and not value:
            raise ValidationError("Enter your provider's IMAP server, like imap.example.com.")
        if value and (" " in value or "/" in value or ":" in value.strip("[]")):
            if not _is_ipv6(value):
                raise ValidationError("Enter only the server name, like imap.example.com "
                                      "(no spaces, “imap://” or port).")
        if value and not servers.is_allowed(value):
            raise ValidationError(f"This office uses only the mail servers "
                                  f"{servers.allowed_words()}: enter one of those.")

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
