"""Forms of the Users page."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from webpanel.auth.forms import MIN_PASSWORD, name_field
from webpanel.validators import email_address, single_line

PASSWORD_RULES = [InputRequired("Choose a password."),
                  Length(min=MIN_PASSWORD, max=200,
                         message=f"Use at least {MIN_PASSWORD} characters.")]


class AddUserForm(FlaskForm):
    """Add an account."""

    name = name_field()
    email = EmailField("Email", validators=[InputRequired("Enter the person's email address."),
                                            Length(max=254), single_line, email_address])
    password = PasswordField("Password", validators=PASSWORD_RULES)
    is_admin = BooleanField("Administrator")


class ResetPasswordForm(FlaskForm):
    """Give an account a new password."""

    password = PasswordField("New password", validators=PASSWORD_RULES)


class AdminForm(FlaskForm):
    """Grant or withdraw administrator rights."""

    is_admin = BooleanField("Administrator")


class ActiveForm(FlaskForm):
    """Switch an account on or off."""

    active = BooleanField("Active")
