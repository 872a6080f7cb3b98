# ruff: noqa: F811  (the outbox tests' fixtures are imported and used by name)
"""Templates nested too deeply or too long: a message at the field, never a 500, at save, in
the live preview, and in the Email dialog when such a template was stored before the limits."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from tests.conftest import Htmx
from tests.support.documents import text_of
from tests.support.office import compose, first_document
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.mailtemplates.models import MailTemplate

PAGE = "/email-templates/invoices/"
SUBJECT, BODY = "Invoice {{ document.number }}", "Hello {{ contact.name }}"

#: What breaks Jinja's parser or compiler without the limits (RecursionError, or worse).
HOSTILE = {
    "150 brackets in the subject": ("subject", "{{ " + "(" * 150 + "document.number"
                                    + ")" * 150 + " }}"),
    "3,000 brackets in the body": ("body", "{{ " + "(" * 3000 + "document.number"
                                   + ")" * 3000 + " }}"),
    "not 4,000 times": ("body", "{% if " + "not " * 4000 + "document.number %}x{% endif %}"),
    "1,200 nested if": ("body", "{% if document.number %}" * 1200 + "x"
                        + "{% endif %}" * 1200),
}


@pytest.fixture
def admin(app, admin_client):
    """The administrator on the invoice template, with the sample documents loaded."""
    with app.app_context():
        load_sample_data()
    return Htmx(admin_client, PAGE)


def fields_with(field: str, source: str) -> dict:
    return {"subject": SUBJECT, "body": BODY, field: source}


def error_at(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


@pytest.mark.parametrize(("field", "source"), HOSTILE.values(), ids=HOSTILE.keys())
def test_saving_a_too_deep_template_says_so_at_the_field(admin, field, source):
    response = admin.post(PAGE, fields_with(field, source))
    assert response.status_code == 422
    assert "This template is nested too deeply" in error_at(response.get_data(as_text=True),
                                                            field)
    assert "Not saved" in text_of(response)
    assert "Please find attached invoice" in text_of(admin.client.get(PAGE))  # unchanged


@pytest.mark.parametrize(("field", "source"), HOSTILE.values(), ids=HOSTILE.keys())
def test_the_live_preview_of_a_too_deep_template_says_so(admin, field, source):
    response = admin.post(PAGE + "preview", fields_with(field, source))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    alert = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    assert alert and alert.group(1).startswith(f"{field.capitalize()}: ")
    assert "This template is nested too deeply" in alert.group(1)


def test_a_template_too_long_is_refused_at_the_field(admin):
    response = admin.post(PAGE, fields_with("body", "Hello. " * 3000))
    assert response.status_code == 422
    error = error_at(response.get_data(as_text=True), "body")
    assert "21,000 characters long; up to 20,000 are allowed." in error


def test_the_limits_are_stated_beside_the_editor(admin):
    html = admin.client.get(PAGE).get_data(as_text=True)
    hint = re.search(r'<p class="hint" id="body-hint">(.*?)</p>', html, re.S)
    assert hint and "Up to 20,000 characters" in hint.group(1)
    assert "nested up to 20 deep" in hint.group(1)
    assert 'aria-describedby="body-hint"' in html


def store(app, **columns) -> None:
    """A template saved before the limits existed (or changed outside the panel)."""
    with app.app_context():
        db.session.add(MailTemplate(kind="invoice", bcc="", reply_to="", **columns))
        db.session.commit()


@pytest.mark.parametrize(("columns", "summary"), [
    ({"subject": HOSTILE["150 brackets in the subject"][1], "body": BODY}, "nested too deeply"),
    ({"subject": SUBJECT, "body": HOSTILE["not 4,000 times"][1]}, "nested too deeply"),
    ({"subject": SUBJECT, "body": "{{ contact.name }} " * 2000}, "too long"),
])
def test_a_stored_template_past_the_limits_still_lets_people_send(app, sam, office, columns,
                                                                  summary):
    store(app, **columns)
    invoice = first_document(office, "invoice")
    fields = compose(sam, invoice.id)
    page = text_of_html(fields.pop("_html"))
    assert (f"The Invoice email template could not be used (it is {summary}), so the default "
            "subject and text are filled in") in page
    assert "An administrator can fix the template on the Email templates page." in page
    assert "Please find attached invoice" in fields["body"]
    sent = sam.post(f"/documents/{invoice.id}/email", fields)
    assert sent.status_code == 200 and "Sent." in text_of(sent)


def test_the_template_page_says_what_to_do_with_a_stored_template_past_the_limits(app, admin):
    store(app, subject=SUBJECT, body=HOSTILE["3,000 brackets in the body"][1])
    response = admin.client.get(PAGE)
    assert response.status_code == 200
    page = text_of(response)
    assert "Body: Line 1: This template is nested too deeply" in page
    assert "change the template and save, or press Put back the default." in page


def text_of_html(html: str) -> str:
    """The words of a fragment, as text_of gives them for a response."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())
