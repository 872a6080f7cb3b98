"""The customer and vendor form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Form, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from webpanel.validators import address_list, email_address, single_line


class ContactBasics(Form):
    """Name, contact person, email and postal address (also added from a document's form)."""

    name = StringField("Name", validators=[
        InputRequired("Enter the company's or the person's name."), Length(max=200), single_line])
    contact_person = StringField("Contact person", validators=[Length(max=200), single_line])
    email = EmailField("Email", validators=[Length(max=254), single_line, email_address])
    address = TextAreaField("Postal address", validators=[Length(max=1000)])


class ContactForm(ContactBasics, FlaskForm):
    """Name, contact person, email, postal address, and who else gets their emails."""

    default_cc = StringField("Default Cc", validators=[Length(max=2000), address_list])
    default_bcc = StringField("Default Bcc", validators=[Length(max=2000), address_list])
    no_reminders = BooleanField("Leave out of payment reminders")
