"""The template editor and the fixed-file upload."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, StopValidation

from webpanel.mailtemplates import greeting as greetings
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


def room_for_the_greeting(form: TemplateForm, field) -> None:
    """Refuse a body that is within the limit alone but not with its greeting's line."""
    stored = len(form.full_body())
    if not field.errors and stored > limits.MAX_CHARS:
        raise StopValidation(f"With its greeting this template is {stored:,} characters long; "
                             f"up to {limits.MAX_CHARS:,} are allowed.")


class TemplateForm(FlaskForm):
    """Subject, Greeting and Body of one kind's template, its office-wide Bcc and Reply-To.

    The Greeting is stored as the body's first line (see `greeting`): `load` splits it off a
    stored body, `full_body` puts it back."""

    subject = StringField("Subject", validators=[
        InputRequired("Enter a subject."), single_line, template_syntax, Length(max=400)])
    greeting = SelectField("Greeting", default=greetings.NONE, choices=[
        SelectChoice(key, words) for key, words in greetings.CHOICES])
    body = TextAreaField("Body", validators=[
        InputRequired("Enter the message."), template_syntax, room_for_the_greeting,
        Length(max=limits.MAX_CHARS)])
    bcc = StringField("Bcc on every email of this kind", validators=[Length(max=2000),
                                                                     address_list])
    reply_to = EmailField("Reply-To", validators=[Length(max=254), single_line, email_address])

    @classmethod
    def load(cls, template) -> TemplateForm:
        """The editor filled from a stored template, its greeting in the Greeting field."""
        form = cls(formdata=None, obj=template)
        form.greeting.data, form.body.data = greetings.split(template.body or "")
        return form

    def full_body(self) -> str:
        """The body as stored and rendered: the greeting's line, then the Body."""
        return greetings.join(self.greeting.data, (self.body.data or "").replace("\r\n", "\n"))


class FileForm(FlaskForm):
    """One fixed file to send with every email of the kind."""

    file = FileField("Add a file", validators=[FileRequired("Choose a file to add.")])
