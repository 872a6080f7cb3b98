"""Forms of the Users page."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, StopValidation, ValidationError

from webpanel.auth.forms import MIN_PASSWORD, no_brackets
from webpanel.validators import email_address, single_line, unsafe_character

#: As long as the account's name may be (User.name).
NAME_MAX = 120

PASSWORD_RULES = [InputRequired("Choose a password."),
                  Length(min=MIN_PASSWORD, max=200,
                         message=f"Use at least {MIN_PASSWORD} characters.")]


def visible_name(_form, field) -> None:
    """A name may be empty, but not made only of spaces or invisible characters."""
    value = field.data or ""
    if unsafe_character(value):  # single_line says what is wrong with it
        return
    if value and all(ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in value):
        raise ValidationError("This name is only spaces or invisible characters. Type the "
                              "person's name, or leave the box empty for no name.")


def account_name_field() -> StringField:
    """The account's name: optional, one line, something visible when given."""
    return StringField("Name", validators=[
        single_line, visible_name, no_brackets,
        Length(max=NAME_MAX, message=f"Keep the name to {NAME_MAX} characters or fewer.")])


#: How a new colleague gets their password.
LINK, SET_NOW = "link", "password"
HOW_CHOICES = [SelectChoice(LINK, "Email them a link to set their password"),
               SelectChoice(SET_NOW, "Set a password now")]


def only_when_set_now(form, field) -> None:
    """The password counts only with "Set a password now"; then it must be given."""
    if form.how.data != SET_NOW:
        field.errors[:] = []
        raise StopValidation()
    if not field.data:
        raise StopValidation("Choose a password.")


class AddUserForm(FlaskForm):
    """Add an account: invited by email, or with a password the administrator sets."""

    #: Why the administrator cannot email an invitation now ("" when they can); set by the view.
    invite_blocked = ""

    name = account_name_field()
    email = EmailField("Email", validators=[InputRequired("Enter the person's email address."),
                                            Length(max=254), single_line, email_address])
    how = RadioField("Their password", choices=HOW_CHOICES, default=SET_NOW)
    password = PasswordField("Password", validators=[
        only_when_set_now, Length(min=MIN_PASSWORD, max=200,
                                  message=f"Use at least {MIN_PASSWORD} characters.")])
    is_admin = BooleanField("Administrator")

    def validate_how(self, field) -> None:
        """A link needs the administrator's own email to be set up."""
        if field.data == LINK and self.invite_blocked:
            raise ValidationError(f"The panel cannot email them a link: {self.invite_blocked} "
                                  "Choose “Set a password now”, or set up your email first.")


class ResendForm(FlaskForm):
    """Send the invitation again (a new link; the old one stops working)."""


class RenameForm(FlaskForm):
    """Change an account's name."""

    name = account_name_field()


class ResetPasswordForm(FlaskForm):
    """Give an account a new password."""

    password = PasswordField("New password", validators=PASSWORD_RULES)


class AdminForm(FlaskForm):
    """Grant or withdraw administrator rights."""

    is_admin = BooleanField("Administrator")


class ActiveForm(FlaskForm):
    """Switch an account on or off."""

    active = BooleanField("Active")
