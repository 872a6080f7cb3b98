# ruff: noqa: F811  (the Sent-mail tests' fixtures are imported and used by name)
"""Templates, default recipients, Reply-To and extra files, received by real servers and the
Gmail/Graph stand-ins and parsed back."""

from __future__ import annotations

import email
import html as htmllib
import io
import os
import re
from email import policy

import pytest
from sqlalchemy import select

from tests.conftest import Htmx, sam_with_samples
from tests.support.api_accounts import choose, connect
from tests.support.office import compose, first_document, messages
from webpanel import formatting
from webpanel.company.services import get_company
from webpanel.contacts.models import Contact
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.mailtemplates.models import MailTemplate

EVERY_PLACEHOLDER = (
    "Hi {{ contact.person }} of {{ contact.name }},\n\n"
    "{{ document.title }} {{ document.number }} dated {{ document.date }} comes to "
    "{{ document.total }}.{% if document.due_date %} Due {{ document.due_date }}.{% endif %}\n"
    "From {{ company.name }}, {{ sender.name }} <{{ sender.email }}>."
)
TIMESHEET = "Stundenzettel März.csv"  # an accent that must arrive as it was


def set_up_office(app, admin_client, document_id: int) -> dict:
    """The invoice template with every placeholder, a kind Bcc and Reply-To; the customer's
    default Cc and Bcc. Returns the values the message must show."""
    admin = Htmx(admin_client, "/email-templates/invoices/")
    saved = admin.post("/email-templates/invoices/", {
        "subject": "{{ company.name }}: {{ document.title }} {{ document.number }}",
        "body": EVERY_PLACEHOLDER, "bcc": "books@example.net",
        "reply_to": "accounts@example.org"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    with app.app_context():
        document = db.session.get(Document, document_id)
        contact = document.contact
        contact.default_cc, contact.default_bcc = "cfo@customer.example", "archive@customer.example"
        db.session.commit()
        return {"person": contact.contact_person, "name": contact.name, "number": document.number,
                "total": f"{document.total:,.2f}", "date": formatting.date(document.date,
                                                                       get_company())}


def send_with(hx, document_id: int, files=(), **changes):
    fields = compose(hx, document_id)
    html = fields.pop("_html")
    fields["body"] = htmllib.unescape(fields["body"])
    reply_to = re.search(r'name="reply_to"[^>]*value="([^"]*)"', html)
    fields["reply_to"] = reply_to.group(1) if reply_to else ""
    fields.update(changes)
    data = {"template_files": [], **fields, "files": list(files)}
    return html, hx.post(f"/documents/{document_id}/email", data).get_data(as_text=True)


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def assert_filled_in(message, expected: dict) -> None:
    assert message["Subject"] == f"{expected['company']}: Invoice {expected['number']}"
    for part in ("plain", "html"):
        body = htmllib.unescape(message.get_body((part,)).get_content())
        for key in ("person", "name", "number", "total", "date"):
            assert expected[key] in body, (part, key)
        assert "Sam Søren" in body and "sam@example.com" in body
        assert "{{" not in body and "{%" not in body


def company_name(app) -> str:
    from webpanel.company.services import get_company
    with app.app_context():
        return get_company().name


def test_every_placeholder_recipient_reply_to_and_file_reach_the_smtp_server(
        sam, office, admin_client):
    invoice = first_document(office, "invoice")
    expected = set_up_office(office, admin_client, invoice.id) | {"company": company_name(office)}
    sheet = b"date,hours\n2025-11-03,7.5\n" + bytes(range(256))
    dialog, result = send_with(sam, invoice.id, files=[(io.BytesIO(sheet), TIMESHEET)])
    assert 'value="cfo@customer.example"' in dialog
    assert "archive@customer.example" in dialog and "books@example.net" in dialog
    assert "Sent." in result, result
    [received] = sam.smtp.wait_for_messages(1)
    message = parse(received.data)
    assert_filled_in(message, expected)
    assert message["Reply-To"].addresses[0].addr_spec == "accounts@example.org"
    assert message["Cc"].addresses[0].addr_spec == "cfo@customer.example"
    assert "sam@example.com" in received.rcpt_tos  # Auto BCC Self
    for hidden in ("archive@customer.example", "books@example.net"):
        assert hidden in received.rcpt_tos and hidden.encode() not in received.data
    assert message["Bcc"] is None
    pdf, extra = message.iter_attachments()
    assert pdf.get_content_type() == "application/pdf"
    assert extra.get_filename() == TIMESHEET and extra.get_content() == sheet
    assert extra.get_content_type() == "application/octet-stream"  # by content, not ".csv"
    [record] = messages(office)
    assert record.attachment_count == 2
    preview = sam.get(f"/sent/{record.id}").get_data(as_text=True)
    assert TIMESHEET in preview
    download = sam.get(f"/sent/{record.id}/attachments/1")
    assert download.data == sheet and download.headers["Content-Disposition"] == (
        "attachment; filename=\"Stundenzettel-Marz.csv\"; "
        "filename*=UTF-8''Stundenzettel%20M%C3%A4rz.csv")


def test_the_signature_follows_once_and_the_name_is_not_said_twice(sam, office):
    fields = compose(sam, first_document(office, "invoice").id)
    body = fields["body"]
    assert body.count("Sam Søren") == 1 and body.rstrip().endswith("Acme Supplies")
    assert "Kind regards,\n\n-- \nSam Søren" in body.replace("\r\n", "\n")


def test_the_persons_reply_to_is_used_when_the_template_has_none(sam, office):
    sam.post(f"/users/{sam.user_id}/email/general", {
        "display_name": "Sam Søren", "address": "sam@example.com", "reply_to": "sales@example.com"})
    fields = compose(sam, first_document(office, "invoice").id)
    assert 'value="sales@example.com"' in fields["_html"]


def test_a_too_large_file_is_refused_before_any_connection_naming_it(sam, office, app):
    app.config["MAIL_MAX_BYTES"] = 300_000
    invoice = first_document(office, "invoice")
    big = (io.BytesIO(os.urandom(400_000)), "scan.tiff")
    _, result = send_with(sam, invoice.id, files=[big, (io.BytesIO(b"small"), "note.txt")])
    assert "Remove “scan.tiff” (0.4 MB)" in result
    assert messages(office) == [] and sam.smtp.messages == []


def test_a_template_changed_behind_the_panels_back_never_breaks_sending(sam, office):
    with office.app_context():
        db.session.add(MailTemplate(kind="invoice", subject="{{ ''.__class__ }}",
                                    body="{% for x in y %}", bcc="", reply_to=""))
        db.session.commit()
    invoice = first_document(office, "invoice")
    fields = compose(sam, invoice.id)
    assert fields["subject"].startswith(f"Invoice {invoice.number}")
    _, result = send_with(sam, invoice.id)
    assert "Sent." in result


@pytest.mark.parametrize(("provider", "method"), [("google", "gmail"), ("microsoft", "outlook")])
def test_templates_and_files_reach_the_apis(emulated, admin_client, provider, method, request):
    sam = request.getfixturevalue("sam_api")
    emulator = request.getfixturevalue(provider)
    connect(sam, emulator, provider)
    choose(sam, method)
    invoice = first_document(emulated, "invoice")
    expected = set_up_office(emulated, admin_client, invoice.id)
    expected["company"] = company_name(emulated)
    extra = os.urandom(50_000)
    _, result = send_with(sam, invoice.id, files=[(io.BytesIO(extra), "photo.jpg")])
    assert "Sent." in result, result
    [sent] = emulator.sent
    message = parse(sent.raw)
    assert_filled_in(message, expected)
    assert message["Reply-To"].addresses[0].addr_spec == "accounts@example.org"
    bcc = {a.addr_spec for a in message["Bcc"].addresses}
    assert {"archive@customer.example", "books@example.net"} <= bcc
    _, photo = message.iter_attachments()
    assert photo.get_content() == extra and photo.get_content_type() == "application/octet-stream"


def test_outlooks_request_limit_is_checked_before_any_call_naming_the_file(
        emulated, microsoft, request):
    emulated.config["GRAPH_REQUEST_LIMIT"] = 400_000  # uploads stay small in tests
    sam = request.getfixturevalue("sam_api")
    connect(sam, microsoft, "microsoft")
    choose(sam, "outlook")
    invoice = first_document(emulated, "invoice")
    _, result = send_with(sam, invoice.id, files=[(io.BytesIO(os.urandom(300_000)),
                                                   "drawings.dwg")])
    assert "Outlook API accepts at most 0.38 MB" in result and "Remove “drawings.dwg”" in result
    assert ("An administrator can allow larger messages: the Integrations page says how."
            in result)
    assert "/integrations" not in result and "Open the Integrations page" not in result
    assert microsoft.sent == [] and messages(emulated) == []


def test_an_administrator_refused_for_size_gets_a_link_to_allow_larger_messages(
        emulated, microsoft, admin_client, admin_id):
    emulated.config["GRAPH_REQUEST_LIMIT"] = 400_000
    admin = sam_with_samples(emulated, admin_client, admin_id)
    connect(admin, microsoft, "microsoft")
    choose(admin, "outlook")
    _, result = send_with(admin, first_document(emulated, "invoice").id,
                          files=[(io.BytesIO(os.urandom(300_000)), "drawings.dwg")])
    assert "An administrator can allow larger messages" in result
    link = re.search(r'<a href="([^"]+)">Open the Integrations page</a>', result)
    assert link and link.group(1).endswith("#larger-messages")
    page = admin.get(link.group(1).split("#")[0]).get_data(as_text=True)
    assert re.search(r'id="larger-messages"><strong>Messages over 4 MB through Outlook:</strong> '
                     r'not allowed\.', page)
    assert "MICROSOFT_LARGE_MESSAGES = True" in page
    emulated.config["MICROSOFT_LARGE_MESSAGES"] = True
    page = admin.get(link.group(1).split("#")[0]).get_data(as_text=True)
    assert "Messages over 4 MB through Outlook:</strong> allowed." in page


@pytest.fixture
def sam_api(emulated, user_client, user_id):
    """Sam with General saved and the sample documents (for the Gmail and Outlook tests)."""
    return sam_with_samples(emulated, user_client, user_id)


def test_the_contact_form_keeps_default_cc_and_bcc(office, user_client):
    with office.app_context():
        contact = db.session.scalars(select(Contact).where(Contact.kind == "customer")).first()
        contact_id = contact.id
    hx = Htmx(user_client, f"/customers/{contact_id}/edit")
    bad = hx.post(f"/customers/{contact_id}/edit", {"name": "X", "default_cc": "a@b.example, nope"})
    assert bad.status_code == 422 and "“nope” is not an email address" in bad.get_data(as_text=True)
    hx.post(f"/customers/{contact_id}/edit", {"name": "X",
                                             "default_cc": "a@b.example; c@d.example"})
    with office.app_context():
        assert db.session.get(Contact, contact_id).default_cc == "a@b.example, c@d.example"


def test_a_fixed_file_goes_with_every_email_of_its_kind_unless_left_out(sam, office,
                                                                       admin_client):
    admin = Htmx(admin_client, "/email-templates/invoices/")
    terms = b"%PDF-1.4 our terms" + bytes(range(256))
    admin.client.post("/email-templates/invoices/files", data={
        "csrf_token": admin.token, "file": (io.BytesIO(terms), "Terms.pdf")},
        headers={"HX-Request": "true", "X-CSRFToken": admin.token})
    from webpanel.mailtemplates.services import files_of
    with office.app_context():
        [row] = files_of("invoice")
    invoice = first_document(office, "invoice")
    dialog, result = send_with(sam, invoice.id, template_files=[str(row.id)])
    assert re.search(rf'<input checked[^>]*value="{row.id}"|value="{row.id}"[^>]*checked', dialog)
    assert "Terms.pdf" in dialog and "Sent." in result
    _, result = send_with(sam, invoice.id)  # box unticked
    first, second = (parse(m.data) for m in sam.smtp.wait_for_messages(2))
    assert [a.get_filename() for a in first.iter_attachments()][1:] == ["Terms.pdf"]
    assert list(first.iter_attachments())[1].get_content() == terms
    assert len(list(second.iter_attachments())) == 1
    proposal = first_document(office, "proposal")
    assert "Terms.pdf" not in compose(sam, proposal.id)["_html"]


def test_the_servers_size_limit_names_the_file_to_remove(sam, office, smtp_server_factory):
    small = smtp_server_factory(mode="plain", data_size_limit=150_000)
    sam.post(f"/users/{sam.user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(small.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})  # a new port
    invoice = first_document(office, "invoice")
    _, result = send_with(sam, invoice.id, files=[(io.BytesIO(os.urandom(120_000)), "big.bin")])
    text = htmllib.unescape(result)
    assert "accepts at most 150,000" in text and "Remove “big.bin” (0.1 MB)" in text
    assert small.messages == []


def test_the_email_client_draft_carries_the_template_reply_to_and_the_added_file(
        sam, office, admin_client):
    invoice = first_document(office, "invoice")
    expected = set_up_office(office, admin_client, invoice.id) | {"company": company_name(office)}
    sam.post(f"/users/{sam.user_id}/email/smtp", {"send_using": "client",
                                                  "smtp_security": "tls"})
    sheet = b"week 47: 32 hours\n"
    _, result = send_with(sam, invoice.id, files=[(io.BytesIO(sheet), "hours.txt")])
    assert "Your draft is ready" in result
    [record] = messages(office)
    draft = parse(sam.client.get(f"/sent/{record.id}/message.eml").data)
    assert_filled_in(draft, expected)
    assert draft["Reply-To"].addresses[0].addr_spec == "accounts@example.org"
    assert {a.addr_spec for a in draft["Bcc"].addresses} == {
        "sam@example.com", "archive@customer.example", "books@example.net"}
    _, hours = draft.iter_attachments()
    assert hours.get_content().encode() == sheet and hours.get_content_type() == "text/plain"
    listing = sam.client.get("/documents/invoices/").get_data(as_text=True)
    assert "Handed to email client" in listing
