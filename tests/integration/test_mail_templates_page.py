"""The Email templates page: defaults, saving, refusing bad templates, preview, files."""

from __future__ import annotations

import io

import pytest

from tests.conftest import Htmx
from tests.support.documents import text_of
from webpanel.documents.sample import load_sample_data

PAGE = "/email-templates/invoices/"


@pytest.fixture
def admin(app, admin_client):
    """The administrator on the invoice template, with the sample documents loaded."""
    with app.app_context():
        load_sample_data()
    return Htmx(admin_client, PAGE)


def save(admin, subject: str, body: str, **extra):
    return admin.post(PAGE, {"subject": subject, "body": body, **extra})


def test_the_default_invoice_template_reads_like_a_person_wrote_it(admin):
    page = text_of(admin.client.get(PAGE))
    assert "Email templates" in page and "{{ document.due_date }}" in page
    assert "Please find attached invoice INV-" in page  # the preview, filled in
    assert "{% if contact.person %}" not in page.split("Preview")[1]


def test_a_saved_template_is_used_and_kept(admin):
    response = save(admin, "Rechnung {{ document.number }}", "Hallo {{ contact.name }}")
    assert response.status_code == 200 and "Saved" in text_of(response)
    page = admin.client.get(PAGE).get_data(as_text=True)
    assert 'value="Rechnung {{ document.number }}"' in page and "Rechnung INV-" in page


@pytest.mark.parametrize(("body", "line", "words"), [
    ("Hello\n{{ contact.nmae }}", 2, "Unknown placeholder “contact.nmae”. Did you mean "
                                    "{{ contact.name }}? Use the Insert buttons"),
    ("Hello\n\n{% if document.total %}", 3, "cannot be read"),
    ("a\n{{ ''.__class__.__mro__ }}", 2, "not allowed"),
    ("{{ config }}", 1, "Unknown placeholder “config”."),
    ("{% include '/etc/passwd' %}", 1, "{% include %} is not allowed"),
    ("{% import 'base.html' as b %}", 1, "{% import %} is not allowed"),
    ("{% for i in range(10**9) %}x{% endfor %}", 1, "A loop is not allowed"),
    ("{{ contact.name.upper() }}", 1, "not allowed"),
    ("{{ self.__init__.__globals__ }}", 1, "not allowed"),
    ("{{ cycler.__init__.__globals__.os }}", 1, "not allowed"),
    ("{{ document.number | attr('__class__') }}", 1, "A filter is not allowed"),
])
def test_bad_templates_are_refused_at_the_field_with_the_line(admin, body, line, words):
    response = save(admin, "Invoice {{ document.number }}", body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="body-error"' in html
    assert f"Line {line}: " in text_of(response) and words in text_of(response)
    assert "Not saved" in text_of(response)
    assert "Please find attached invoice" in text_of(admin.client.get(PAGE))


def test_a_bad_subject_is_refused_at_the_subject(admin):
    response = save(admin, "Invoice {{ document.numbr }}", "Hello")
    assert response.status_code == 422
    assert 'id="subject-error"' in response.get_data(as_text=True)


def test_the_preview_follows_the_editor_without_saving(admin):
    response = admin.post(PAGE + "preview", {"subject": "Bill {{ document.number }}",
                                             "body": "Total due: {{ document.total }}"})
    page = text_of(response)
    assert "Bill INV-" in page and "Total due: " in page
    assert "Bill INV-" not in text_of(admin.client.get(PAGE))
    broken = text_of(admin.post(PAGE + "preview", {"subject": "x", "body": "{{ nope.x }}"}))
    assert "Line 1:" in broken


def test_only_administrators_open_the_page(app, user_client):
    assert user_client.get(PAGE).status_code == 403


def test_a_fixed_file_is_stored_under_a_safe_name_typed_by_its_content(admin, app):
    response = admin.client.post(PAGE + "files", data={
        "csrf_token": admin.token, "file": (io.BytesIO(b"%PDF-1.4 terms"), "../../T&C <b>.exe")},
        headers={"HX-Request": "true", "X-CSRFToken": admin.token})
    assert response.status_code == 200
    assert "T&C -b-.exe" in text_of(response) and ".." not in text_of(response)
    from webpanel.mailtemplates.services import files_of
    with app.app_context():
        (row,) = files_of("invoice")
        assert row.content_type == "application/pdf" and row.size == 14
    removed = admin.post(PAGE + f"files/{row.id}/delete", {})
    assert "T&C" not in text_of(removed).split("Add a file")[0]


def test_put_back_the_default(admin):
    save(admin, "Mine {{ document.number }}", "Mine")
    response = admin.post(PAGE + "reset", {})
    assert "The default subject and body are back." in text_of(response)
    assert "Please find attached invoice" in text_of(response)


@pytest.mark.parametrize("path", ["", "preview", "reset", "files", "files/1/delete"])
def test_people_who_are_not_administrators_change_nothing(app, user_client, path):
    hx = Htmx(user_client, "/documents/invoices/")
    assert hx.post(PAGE + path, {"subject": "x", "body": "y"}).status_code == 403


def test_upgrading_from_before_templates_keeps_contacts_and_settings(instance_dir):
    from sqlalchemy import text

    from webpanel import create_app, migrate
    from webpanel.extensions import db
    app = create_app({"TESTING": True})
    with app.app_context():
        migrate.upgrade(app, "0004")
        db.session.execute(text(
            "INSERT INTO users (id, email, password_hash, is_admin, created_at) "
            "VALUES (1, 'a@example.com', 'x', 0, '2025-01-01')"))
        db.session.execute(text(
            "INSERT INTO email_settings (user_id, display_name, address, auto_bcc_self, "
            "signature, smtp_server, smtp_username, smtp_security, send_using, "
            "allow_self_signed, updated_at) VALUES (1, 'Sam', 'sam@example.com', 1, 'Sig', "
            "'smtp.example.com', 'sam', 'tls', 'smtp', 0, '2025-01-01')"))
        db.session.execute(text(
            "INSERT INTO contacts (kind, name, contact_person, email, address, created_at, "
            "updated_at) VALUES ('customer', 'Acme', 'Ann', 'ann@acme.example', '', "
            "'2025-01-01', '2025-01-01')"))
        db.session.commit()
        migrate.upgrade(app)
        settings = db.session.execute(text(
            "SELECT display_name, signature, smtp_server, reply_to FROM email_settings")).one()
        assert tuple(settings) == ("Sam", "Sig", "smtp.example.com", "")
        contact = db.session.execute(text(
            "SELECT name, email, default_cc, default_bcc FROM contacts")).one()
        assert tuple(contact) == ("Acme", "ann@acme.example", "", "")
    app.extensions["webpanel.engine"].dispose()


def test_typing_does_not_make_a_screen_reader_reread_the_preview(admin):
    html = admin.client.get(PAGE).get_data(as_text=True)
    preview = html.split('id="template-preview"', 1)[1].split(">", 1)[0]
    assert "aria-live" not in preview and "role=" not in preview
    broken = admin.post(PAGE + "preview", {"subject": "x", "body": "{{ nope.x }}"})
    assert '<p class="error" role="alert">' in broken.get_data(as_text=True)  # errors still heard
