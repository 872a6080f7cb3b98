"""The template editor and the fixed-file upload."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, StopValidation

from webpanel.mailtemplates import limits, render
from webpanel.validators import address_list, email_address, single_line


def template_syntax(_form: FlaskForm, field) -> None:
    """Refuse a template that cannot be read, is too deep or long, or reaches beyond the
    placeholders, with its line: one message (a field already refused is left alone)."""
    if field.errors:
        return
    try:
        render.check(field.data or "")
    except render.TemplateProblem as problem:
        raise StopValidation(str(problem)) from None


class TemplateForm(FlaskForm):
    """Subject and Body of one kind's template, its office-wide Bcc and Reply-To."""

    subject = StringField("Subject", validators=[
        InputRequired("Enter a subject."), single_line, template_syntax, Length(max=400)])
    body = TextAreaField("Body", validators=[
        InputRequired("Enter the message."), template_syntax, Length(max=limits.MAX_CHARS)])
    bcc = StringField("Bcc on every email of this kind", validators=[Length(max=2000),
                                                                     address_list])
    reply_to = EmailField("Reply-To", validators=[Length(max=254), single_line, email_address])


class FileForm(FlaskForm):
    """One fixed file to send with every email of the kind."""

    file = FileField("Add a file", validators=[FileRequired("Choose a file to add.")])
