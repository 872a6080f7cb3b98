"""Templates an office manager can write: an Insert button per placeholder, in plain words, made
from the sandbox's own allow-list; a Greeting field instead of `{% if %}`; defaults without
`{% %}`; old templates that still work; mistakes told at the field in plain words."""

from __future__ import annotations

import email
import html as htmllib
import re
from email import policy

import pytest
from sqlalchemy import select

from tests.conftest import Htmx
from tests.support.documents import text_of
from tests.support.office import compose, first_document, send
from webpanel.company.services import get_company
from webpanel.documents.kinds import KINDS
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.mailtemplates import render
from webpanel.mailtemplates.defaults import DEFAULT_BODIES, DEFAULT_SUBJECTS
from webpanel.mailtemplates.models import MailTemplate
from webpanel.mailtemplates.values import PLACEHOLDERS, values_for
from webpanel.settings import services as settings_services

PAGE = "/email-templates/invoices/"
BUTTON = re.compile(r'<button type="button" class="chip" data-insert="\{\{ ([a-z_.]+) \}\}"'
                    r'[^>]*><span class="visually-hidden">Insert </span>([^<]+)</button>')
#: The invoice template as offices saved it before the Greeting field (and as they may keep it).
OLD_BODY = ("{% if contact.person %}Dear {{ contact.person }},{% else %}Hello,{% endif %}\n\n"
            "Please find attached invoice {{ document.number }} for {{ document.total }}."
            "{% if document.due_date %} Payment is due by {{ document.due_date }}.{% endif %}\n\n"
            "Kind regards,")


@pytest.fixture
def admin(office, admin_client):
    """The administrator on the invoice template, with the sample documents loaded."""
    return Htmx(admin_client, PAGE)


def buttons(admin, page: str = PAGE) -> list[tuple[str, str]]:
    """(placeholder, words) of each Insert button, in the order the editor shows them."""
    return BUTTON.findall(admin.client.get(page).get_data(as_text=True))


def preview_text(response) -> str:
    match = re.search(r'<pre id="preview-text" class="mail-text">(.*?)</pre>',
                      response.get_data(as_text=True), re.S)
    assert match, text_of(response)
    return htmllib.unescape(match.group(1))


def newest_invoice(app) -> Document:
    """The invoice the preview is filled in for (the newest), detached with its contact."""
    with app.app_context():
        document = db.session.scalars(select(Document).where(Document.kind == "invoice")
                                      .order_by(Document.id.desc())).first()
        db.session.refresh(document.contact)
        db.session.expunge_all()
        return document


def set_person(app, document_id: int, person: str) -> None:
    with app.app_context():
        db.session.get(Document, document_id).contact.contact_person = person
        db.session.commit()


def expected_values(app, document_id: int, user_id: int) -> dict[str, str]:
    """placeholder -> what the message must show for this document and sender."""
    with app.app_context():
        values = values_for(db.session.get(Document, document_id),
                            settings_services.load(user_id), get_company())
    return {name: values[name.split(".")[0]][name.split(".")[1]] for name in PLACEHOLDERS}


def test_every_insert_button_is_a_placeholder_the_sandbox_allows_in_plain_words(admin):
    found = buttons(admin)
    assert [name for name, _ in found] == list(PLACEHOLDERS)
    assert {tuple(name.split(".")) for name, _ in found} == render.ALLOWED
    words = [label for _, label in found]
    for plain in ("Customer name", "Contact person", "Document number", "Total", "Due date",
                  "Your name", "Company name"):
        assert plain in words
    assert not any("{" in label or "." in label for label in words)
    assert ("contact.name", "Vendor name") in buttons(admin, "/email-templates/purchase-orders/")
    page = admin.client.get(PAGE).get_data(as_text=True)
    assert 'role="toolbar" aria-label="Insert a placeholder"' in page
    # Without the script the buttons stay hidden; the list beside the editor says what to type.
    assert re.search(r'<div class="insert-placeholders" data-needs-script hidden>', page)
    assert "<dt>Contact person</dt><dd>The contact person (may be empty) " \
           "<code>{{ contact.person }}</code></dd>" in page


def test_each_insert_buttons_placeholder_renders_in_the_preview_and_in_a_sent_message(
        admin, sam, office, admin_id):
    found = buttons(admin)
    body = "\n".join(f"{label}: {{{{ {name} }}}}" for name, label in found)
    document = newest_invoice(office)
    preview = preview_text(admin.post(PAGE + "preview", {"subject": "x", "body": body}))
    expected = expected_values(office, document.id, admin_id)
    for name, label in found:
        assert f"{label}: {expected[name]}".rstrip() in preview, name
    assert f"Customer name: {document.contact.name}" in preview
    assert f"Greeting: Dear …: Dear {document.contact.contact_person}," in preview
    assert f"Document number: {document.number}" in preview and "{{" not in preview

    assert admin.post(PAGE, {"subject": "Invoice {{ document.number }}",
                             "body": body}).status_code == 200
    invoice = first_document(office, "invoice")
    assert "Sent." in send(sam, invoice.id)
    [received] = sam.smtp.wait_for_messages(1)
    text = email.message_from_bytes(received.data, policy=policy.default).get_body(
        ("plain",)).get_content()
    expected = expected_values(office, invoice.id, sam.user_id)
    for name, label in found:
        assert f"{label}: {expected[name]}".rstrip() in text, name
    assert f"Document number: {invoice.number}" in text and "Your name: Sam Søren" in text


@pytest.mark.parametrize(("choice", "with_person", "without"), [
    ("dear", "Dear {person},", "Dear Sir or Madam,"), ("hello", "Hello {person},", "Hello,"),
    ("none", "", ""),
])
def test_the_greeting_choice_renders_with_and_without_a_contact_person(
        admin, sam, office, choice, with_person, without):
    document = newest_invoice(office)
    person = document.contact.contact_person
    fields = {"subject": "Invoice {{ document.number }}", "greeting": choice,
              "body": "Thank you."}
    first = with_person.format(person=person)
    assert preview_text(admin.post(PAGE + "preview", fields)).startswith(
        f"{first}\n\nThank you." if first else "Thank you.")
    set_person(office, document.id, "")
    assert preview_text(admin.post(PAGE + "preview", fields)).startswith(
        f"{without}\n\nThank you." if without else "Thank you.")

    assert admin.post(PAGE, fields).status_code == 200  # what people get in the Email dialog
    body = compose(sam, document.id)["body"].replace("\r\n", "\n")
    assert body.startswith(f"{without}\n\nThank you." if without else "Thank you.")
    set_person(office, document.id, person)
    body = compose(sam, document.id)["body"].replace("\r\n", "\n")
    assert body.startswith(f"{first}\n\nThank you." if first else "Thank you.")


def test_a_chosen_greeting_shows_in_its_field_not_in_the_body(admin, office):
    admin.post(PAGE, {"subject": "Invoice", "greeting": "hello", "body": "Thank you."})
    with office.app_context():
        assert db.session.get(MailTemplate, "invoice").body == "{{ greeting.hello }}\n\nThank you."
    page = admin.client.get(PAGE).get_data(as_text=True)
    assert re.search(r'<option selected value="hello">|<option value="hello" selected>', page)
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\s*Thank you\.</textarea>', page)


def test_the_default_templates_hold_no_code(admin):
    for kind in KINDS.values():
        assert "{%" not in DEFAULT_SUBJECTS[kind.key] + DEFAULT_BODIES[kind.key]
        page = admin.client.get(f"/email-templates/{kind.slug}/").get_data(as_text=True)
        subject = re.search(r'name="subject"[^>]*value="([^"]*)"', page).group(1)
        body = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', page, re.S).group(1)
        assert "{%" not in subject + body and "greeting" not in body, kind.key
        assert body.strip().endswith("Kind regards,")
        assert re.search(r'<option selected value="dear">|<option value="dear" selected>', page)
    document = newest_invoice(admin.client.application)
    preview = preview_text(admin.client.get(PAGE))
    assert preview.startswith(f"Dear {document.contact.contact_person},\n\nPlease find attached")


def test_an_old_template_with_if_blocks_still_works_and_saves_unchanged(admin, sam, office):
    with office.app_context():
        db.session.add(MailTemplate(kind="invoice", subject="Invoice {{ document.number }}",
                                    body=OLD_BODY, bcc="", reply_to=""))
        db.session.commit()
    document = newest_invoice(office)
    page = admin.client.get(PAGE)
    html = page.get_data(as_text=True)
    assert re.search(r'<option selected value="none">|<option value="none" selected>', html)
    assert htmllib.escape(OLD_BODY, quote=False).split("\n")[0] in html  # in the Body, as is
    assert preview_text(page).startswith(f"Dear {document.contact.contact_person},\n\n")
    assert "could not be used" not in text_of(page)
    invoice = first_document(office, "invoice")
    fields = compose(sam, invoice.id)
    assert fields["body"].startswith("Dear ") and "{%" not in fields["body"]
    assert "could not be used" not in fields["_html"]
    admin.post(PAGE, {"subject": "Invoice {{ document.number }}", "greeting": "none",
                      "body": OLD_BODY.replace("\n", "\r\n")})
    with office.app_context():
        assert db.session.get(MailTemplate, "invoice").body == OLD_BODY


@pytest.mark.parametrize(("field", "source", "message"), [
    ("body", "Dear {{ custmer }},", "Line 1: Unknown placeholder “custmer”. Use the Insert "
                                    "buttons for the ones available."),
    ("body", "Hi\n{{ document.totl }}", "Line 2: Unknown placeholder “document.totl”. Did you "
                                        "mean {{ document.total }}?"),
    ("subject", "Invoice {{ document.numbr }}", "Unknown placeholder “document.numbr”. Did you "
                                               "mean {{ document.number }}?"),
    ("body", "Total {{ document.total }", "Check that every {{ has its }}"),
])
def test_a_mistake_is_told_at_its_field_in_plain_words(admin, field, source, message):
    fields = {"subject": "Invoice", "body": "Hello", field: source}
    response = admin.post(PAGE, fields)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    assert error and message in htmllib.unescape(error.group(1))


def test_a_body_with_no_room_left_for_its_greeting_is_refused_at_the_body(admin):
    body = "x" * 19_990
    response = admin.post(PAGE, {"subject": "Invoice", "greeting": "dear", "body": body})
    assert response.status_code == 422
    assert "With its greeting this template is 20,011 characters long; up to 20,000 are " \
           "allowed." in text_of(response)
    assert admin.post(PAGE, {"subject": "Invoice", "greeting": "none",
                             "body": body}).status_code == 200


def test_a_contact_person_that_looks_like_code_is_only_ever_text(admin, sam, office):
    """The greeting is computed in Python: what a contact person says is printed, not run."""
    document = newest_invoice(office)
    set_person(office, document.id, "{{ config }} <b>Bo</b> {% include 'x' %}")
    preview = admin.post(PAGE + "preview", {"subject": "x", "greeting": "dear", "body": "Hi"})
    assert preview_text(preview).startswith("Dear {{ config }} <b>Bo</b> {% include 'x' %},")
    assert "<b>Bo</b>" not in preview.get_data(as_text=True)  # escaped in the page
    assert "SECRET_KEY" not in preview.get_data(as_text=True)
    body = htmllib.unescape(compose(sam, document.id)["body"])
    assert body.startswith("Dear {{ config }} <b>Bo</b> {% include 'x' %},\n\nPlease find")


def test_a_stored_mistake_is_told_at_the_line_of_the_body_as_shown(admin, office):
    """The greeting's line is split off the stored body, so line numbers are the Body's own."""
    with office.app_context():
        db.session.add(MailTemplate(kind="invoice", subject="Invoice", bcc="", reply_to="",
                                    body="{{ greeting.dear }}\n\nHi\n{{ document.nmber }}"))
        db.session.commit()
    page = text_of(admin.client.get(PAGE))
    assert "Body: Line 2: Unknown placeholder “document.nmber”. Did you mean " \
           "{{ document.number }}?" in page
