"""The Company form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from webpanel.validators import email_address, single_line


class CompanyForm(FlaskForm):
    """Company name, postal address, phone and email."""

    name = StringField("Company name", validators=[
        InputRequired("Enter your company's name."), Length(max=200), single_line])
    address = TextAreaField("Postal address", validators=[Length(max=1000)])
    phone = StringField("Phone", validators=[Length(max=50), single_line])
    email = EmailField("Email", validators=[Length(max=254), single_line, email_address])
