"""One registry of sending methods, and Retry offered only where a retry can help."""

from __future__ import annotations

import re

from sqlalchemy import update

from tests.integration.test_outbox import first_document, messages, office, sam, send  # noqa: F401
from webpanel import sending
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.outbox.services import FIXED_IN_SETTINGS


def retry_buttons(html: str) -> int:
    return len(re.findall(r"<button[^>]*outbox[^>]*>\s*Retry|/retry\"[^>]*>Retry", html))


def test_every_method_has_its_words_and_a_transport_factory(app):
    for method in sending.METHODS.values():
        assert method.label and method.short and method.note and method.success
        module, _, name = method.factory.partition(":")
        assert callable(getattr(__import__(module, fromlist=[name]), name)), method.name
    assert {m.name for m in sending.APIS.values()} == {"gmail", "outlook"}
    assert sending.CLIENT.success == "handed_off" and sending.SMTP.success == "sent"


def test_a_refused_recipient_is_failed_without_retry_and_retry_sends_nothing(sam, office):
    invoice = first_document(office, "invoice")
    sam.smtp.refuse_recipients.add(invoice.contact.email)
    html = send(sam, invoice.id)
    assert "Not sent" in html and "User unknown" in html
    assert "Retry cannot help" in html and ">Retry</button>" not in html
    [record] = messages(office)
    assert record.status == "failed" and record.error_step == "recipient"
    assert record.retry_helps is False
    again = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Retry cannot help" in again and messages(office)[0].attempts == 1
    assert sam.smtp.messages == []
    home = sam.get("/").get_data(as_text=True)
    assert "Why Retry cannot help" in home and f'/sent/{record.id}/retry"' not in home
    history = sam.get(f"/documents/{invoice.id}/emails").get_data(as_text=True)
    assert f"/sent/{record.id}/retry" not in history


def test_a_wrong_password_keeps_retry_for_after_the_fix(sam, office):
    sam.smtp.users = {"user": "another"}
    invoice = first_document(office, "invoice")
    html = send(sam, invoice.id)
    [record] = messages(office)
    assert record.error_step == "sign-in" and record.error_step in FIXED_IN_SETTINGS
    assert record.retry_helps is True and ">Retry</button>" in html
    sam.smtp.users = {"user": "secret"}
    assert "Sent." in sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert len(sam.smtp.wait_for_messages(1)) == 1


def test_a_message_stored_with_an_unknown_method_fails_in_words(sam, office):
    sam.smtp.stop()
    invoice = first_document(office, "invoice")
    send(sam, invoice.id)
    [record] = messages(office)
    with office.app_context():
        db.session.execute(update(Message).where(Message.id == record.id)
                           .values(method="carrier-pigeon"))
        db.session.commit()
    sam.smtp.start()
    html = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "not one the panel knows" in html
    assert messages(office)[0].status == "failed" and sam.smtp.messages == []


def test_the_server_fields_say_they_are_not_needed_for_the_email_client(sam):
    html = sam.post(f"/users/{sam.user_id}/email/smtp", {
        "send_using": "client", "smtp_security": "tls"}).get_data(as_text=True)
    note = re.search(r'<p class="not-needed-note" data-method="client"\s*>([^<]*)', html)
    assert note and note.group(1) == "Not needed when sending with your Email Client."
    assert 'class="smtp-fields not-needed"' in html
