"""Forms for setup, sign-in and passwords."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from webpanel.validators import email_address, single_line

MIN_PASSWORD = 10


def new_password_fields():
    """A password entered twice, at least MIN_PASSWORD characters."""
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Choose a password."),
            Length(min=MIN_PASSWORD, max=200,
                   message=f"Use at least {MIN_PASSWORD} characters."),
        ],
    )
    confirm = PasswordField(
        "Password again",
        validators=[InputRequired("Type the password again."),
                    EqualTo("password", message="The two passwords differ. Type them again.")],
    )
    return password, confirm


def name_field():
    """A person's name: optional, one line (the default Email Display Name)."""
    return StringField("Name", validators=[Length(max=120), single_line, no_brackets])


def no_brackets(_form, field) -> None:
    """Quotes and angle brackets would confuse the From header some mail programs show."""
    if field.data and any(ch in field.data for ch in '<>"'):
        raise ValidationError("Leave out quotes and angle brackets (\" < >).")


class SetupForm(FlaskForm):
    """Create the first administrator."""

    company_name = StringField("Company name", validators=[
        InputRequired("Enter your company's name: it goes on every document and email."),
        Length(max=200), single_line])
    company_address = TextAreaField("Postal address", validators=[Length(max=1000)])
    name = name_field()
    email = EmailField("Email", validators=[InputRequired("Enter your email address."),
                                            Length(max=254), single_line, email_address])
    password, confirm = new_password_fields()
    sample_data = BooleanField("Load sample data")


class LoginForm(FlaskForm):
    """Sign in."""

    email = EmailField("Email", validators=[InputRequired("Enter your email address."),
                                            Length(max=254), single_line])
    password = PasswordField("Password", validators=[InputRequired("Enter your password."),
                                                     Length(max=200)])
    remember = BooleanField("Keep me signed in on this computer")


class ChangePasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField("Current password", validators=[InputRequired("Enter your current "
                                                                          "password.")])
    password, confirm = new_password_fields()


class ChoosePasswordForm(FlaskForm):
    """Choose one's own password: from an invitation link, or after an administrator set one."""

    password, confirm = new_password_fields()
