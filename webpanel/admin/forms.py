"""Forms of the Users page."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

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


class AddUserForm(FlaskForm):
    """Add an account."""

    name = account_name_field()
    email = EmailField("Email", validators=[InputRequired("Enter the person's email address."),
                                            Length(max=254), single_line, email_address])
    password = PasswordField("Password", validators=PASSWORD_RULES)
    is_admin = BooleanField("Administrator")


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
