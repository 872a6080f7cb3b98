"""Documents go out: compose, send over real SMTP, the record, Retry, and the email-client draft."""

from __future__ import annotations

import email
import io
import threading
from datetime import timedelta
from email import policy

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from tests.support.office import compose, first_document, messages, send
from webpanel.database import utcnow
from webpanel.documents import services as documents
from webpanel.documents.pdf import PdfRenderError
from webpanel.extensions import db
from webpanel.outbox.models import Message


def test_the_dialog_is_prefilled(sam, office):
    invoice = first_document(office, "invoice")
    fields = compose(sam, invoice.id)
    assert fields["to"] == invoice.contact.email
    assert fields["bcc"] == "sam@example.com" and "Auto BCC Self is on" in fields["_html"]
    assert fields["subject"].startswith(f"Invoice {invoice.number} from ")
    assert fields["body"].startswith("Dear ") and "Acme Supplies" in fields["body"]
    assert f"Invoice-{invoice.number}.pdf" in fields["_html"] and "View PDF" in fields["_html"]


@pytest.mark.parametrize("kind", ["proposal", "sales_order", "invoice", "purchase_order"])
def test_each_kind_arrives_with_its_pdf(sam, office, kind, client):
    document = first_document(office, kind)
    html = send(sam, document.id, cc="accounts@example.org")
    assert "Sent." in html and "250" in html
    [received] = sam.smtp.wait_for_messages(1)
    message = email.message_from_bytes(received.data, policy=policy.default)
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Sam Søren", "sam@example.com")
    assert message["To"].addresses[0].addr_spec == document.contact.email
    assert message["Cc"].addresses[0].addr_spec == "accounts@example.org"
    assert message["Bcc"] is None and b"Bcc:" not in received.data
    assert "sam@example.com" in received.rcpt_tos
    assert "Acme Supplies" in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    pdf = attachment.get_content()
    view_pdf = sam.client.get(f"/documents/{document.id}/pdf")
    assert pdf == view_pdf.data
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert document.number in text and f"{document.total:,.2f}" in text
    [record] = messages(office)
    assert record.status == "sent" and record.reply.startswith("250")


def test_server_down_leaves_a_failed_record_then_retry_sends_once(sam, office,
                                                                  smtp_server_factory):
    sam.smtp.stop()
    invoice = first_document(office, "invoice")
    html = send(sam, invoice.id)
    assert "Not sent" in html and "Nothing accepted the connection" in html
    assert "Retry" in html and "Nothing is lost" in html
    [record] = messages(office)
    assert record.status == "failed" and record.error_step == "connect"
    sam.smtp.start()
    retried = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Sent." in retried
    assert len(sam.smtp.wait_for_messages(1)) == 1
    assert messages(office)[0].status == "sent" and messages(office)[0].attempts == 2
    again = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Sent." in again and len(sam.smtp.messages) == 1


def test_connection_closed_mid_message_then_retry(sam, office):
    sam.smtp.drop_during_data = True
    invoice = first_document(office, "invoice")
    assert "Not sent" in send(sam, invoice.id)
    [record] = messages(office)
    assert record.status == "failed" and record.error_step == "message"
    sam.smtp.drop_during_data = False
    assert "Sent." in sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert len(sam.smtp.wait_for_messages(1)) == 1


def test_a_double_click_sends_once(sam, office):
    invoice = first_document(office, "invoice")
    fields = compose(sam, invoice.id)
    fields.pop("_html")
    first = sam.post(f"/documents/{invoice.id}/email", fields).get_data(as_text=True)
    second = sam.post(f"/documents/{invoice.id}/email", fields).get_data(as_text=True)
    assert "Sent." in first and "Sent." in second
    assert len(sam.smtp.wait_for_messages(1)) == 1 and len(messages(office)) == 1


def test_two_concurrent_sends_with_one_key_deliver_one_message(sam, office, app):
    invoice = first_document(office, "invoice")
    fields = compose(sam, invoice.id)
    fields.pop("_html")
    results = []

    def post():
        client = app.test_client()
        client.set_cookie("webpanel_session", sam.client.get_cookie("webpanel_session").value)
        response = client.post(f"/documents/{invoice.id}/email",
                               data={"csrf_token": sam.token, **fields},
                               headers={"HX-Request": "true"})
        results.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [200, 200]
    sam.smtp.wait_for_messages(1)
    assert len(sam.smtp.messages) == 1 and len(messages(office)) == 1


def test_a_send_left_by_a_crash_shows_unknown_with_retry(sam, office):
    invoice = first_document(office, "invoice")
    send(sam, invoice.id)
    sam.smtp.clear_messages()
    with office.app_context():
        db.session.execute(update(Message).values(status="sending",
                                                  updated_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    page = sam.client.get("/sent").get_data(as_text=True)
    assert 'class="badge status-unknown"' in page and "status-sent" not in page
    record = messages(office)[0]
    preview = sam.get(f"/sent/{record.id}").get_data(as_text=True)
    assert "Sent folder" in preview and "Retry" in preview
    assert "data-close-dialog" not in preview  # no dialog buttons outside the dialog
    assert "Sent." in sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)


def test_email_client_hands_off_a_draft_eml(sam, office):
    sam.post(f"/users/{sam.user_id}/email/smtp", {"send_using": "client",
                                                  "smtp_security": "tls"})
    invoice = first_document(office, "invoice")
    dialog = compose(sam, invoice.id)["_html"]
    assert "mailto:" in dialog and "carries no attachment" in dialog
    html = send(sam, invoice.id, cc="accounts@example.org")
    assert "Your draft is ready" in html and "data-auto-download" in html
    [record] = messages(office)
    assert record.status == "handed_off" and sam.smtp.messages == []
    response = sam.client.get(f"/sent/{record.id}/message.eml")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    draft = email.message_from_bytes(response.data, policy=policy.default)
    assert draft["X-Unsent"] == "1" and draft["Subject"].startswith("Invoice")
    assert draft["From"].addresses[0].display_name == "Sam Søren"
    assert draft["Cc"].addresses[0].addr_spec == "accounts@example.org"
    assert draft["Bcc"].addresses[0].addr_spec == "sam@example.com"
    assert "Acme Supplies" in draft.get_body(("plain",)).get_content()
    [pdf] = list(draft.iter_attachments())
    assert pdf.get_content() == sam.client.get(f"/documents/{invoice.id}/pdf").data
    assert "Handed to email client" in sam.client.get("/sent").get_data(as_text=True)


def test_size_limit_is_checked_before_anything_is_sent(sam, office, app):
    app.config["MAIL_MAX_BYTES"] = 1000
    invoice = first_document(office, "invoice")
    html = send(sam, invoice.id)
    assert "the panel sends at most" in html and messages(office) == []
    assert sam.smtp.messages == []


def test_the_servers_advertised_size_is_respected(sam, office, smtp_server_factory):
    small = smtp_server_factory(mode="plain", data_size_limit=2000)
    sam.post(f"/users/{sam.user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(small.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})  # a new port
    html = send(sam, first_document(office, "invoice").id)
    assert "accepts at most 2,000" in html and small.messages == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("to", "", "Enter at least one recipient"),
    ("to", "pat@example.org; not-an-address", "is not an email address"),
    ("cc", "a@example.org\r\nBcc: x@example.org", "Line breaks are not allowed"),
    ("subject", "Hello\r\nBcc: x@example.org", "Line breaks are not allowed"),
    ("idempotency_key", "", "This dialog has expired"),
])
def test_bad_input_is_shown_at_its_field_and_nothing_is_sent(sam, office, field, value,
                                                             message):
    response = send(sam, first_document(office, "invoice").id, **{field: value})
    assert message in response and "Not sent: fix the fields" in response
    assert messages(office) == [] and sam.smtp.messages == []


def test_address_lists_take_several_addresses(sam, office):
    send(sam, first_document(office, "invoice").id, to="a@example.org, b@example.org",
         cc="c@example.org; d@example.org")
    [received] = sam.smtp.wait_for_messages(1)
    assert {"a@example.org", "b@example.org", "c@example.org", "d@example.org"} <= set(
        received.rcpt_tos)


def test_missing_document_is_404(sam):
    assert sam.get("/documents/99999/email").status_code == 404


@pytest.mark.renders_pdfs
def test_sending_an_unchanged_document_twice_renders_its_pdf_once(sam, office):
    invoice = first_document(office, "invoice")
    send(sam, invoice.id)
    send(sam, invoice.id)
    assert len(sam.smtp.wait_for_messages(2)) == 2
    with office.app_context():
        assert documents.pdf_cache().render_count == 1


def test_a_pdf_that_cannot_be_made_sends_nothing_and_says_so(sam, office, monkeypatch):
    def broken(_document):
        raise PdfRenderError("The PDF renderer reported 1 error(s).")

    monkeypatch.setattr(documents, "pdf_for", broken)  # no real input breaks xhtml2pdf
    invoice = first_document(office, "invoice")
    response = sam.get(f"/documents/{invoice.id}/email")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "The PDF could not be made" in html and "Nothing was sent" in html
    assert messages(office) == [] and sam.smtp.messages == []
