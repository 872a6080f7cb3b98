"""One registry of sending methods, and Retry offered only where a retry can help."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from sqlalchemy import update

from tests.support.api_accounts import choose, connect
from tests.support.office import first_document, messages, send
from tests.support.sam_variants import sam_on_smtp  # noqa: F401  (the sam fixture)
from webpanel import sending
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.outbox.records import mime_of
from webpanel.outbox.services import FIXED_IN_SETTINGS


@pytest.fixture
def office(app):
    return app


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


def test_microsoft_refusing_passwords_points_to_the_outlook_tab_and_retry_goes_there(
        sam, emulated, microsoft):
    sam.smtp.users, sam.smtp.auth_failure_code = {}, 550
    sam.smtp.auth_failure_reply = "5.7.30 Basic authentication is not supported for Client " \
        "Submission."
    invoice = first_document(emulated, "invoice")
    html = send(sam, invoice.id)
    assert "Microsoft no longer accepts passwords here: use the Outlook tab." in html
    assert "rejected the user name or password" not in html
    link = re.search(r'<a class="button primary" href="([^"]+)">Open Outlook settings</a>', html)
    assert link and link.group(1) == f"/users/{sam.user_id}/email/outlook#sign-in"
    assert html.index("Open Outlook settings") < html.index(">Retry</button>")
    [record] = messages(emulated)
    assert record.method == "smtp" and record.error_fix_tab == "outlook"
    connect(sam, microsoft, "microsoft")
    choose(sam, "outlook")
    retried = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Sent." in retried, retried
    [sent] = microsoft.sent
    stored = messages(emulated)[0]
    assert stored.method == "outlook" and stored.status == "sent" and stored.attempts == 2
    with emulated.app_context():
        original = email.message_from_bytes(mime_of(stored), policy=policy.default)
    assert sent.message["Message-ID"] == original["Message-ID"]
    assert sam.smtp.messages == []


def test_a_send_test_that_microsoft_refuses_offers_the_outlook_tab(sam):
    sam.smtp.users, sam.smtp.auth_failure_code = {}, 535
    sam.smtp.auth_failure_reply = "5.7.139 Authentication unsuccessful, basic authentication " \
        "is disabled."
    html = sam.post(f"/users/{sam.user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(sam.smtp.port),
        "smtp_security": "none", "smtp_username": "user", "test_to": "pat@example.org",
        "test_subject": "Test"}).get_data(as_text=True)
    assert "Microsoft no longer accepts passwords here" in html
    assert f'href="/users/{sam.user_id}/email/outlook#sign-in">Open Outlook settings</a>' in html


def test_retry_works_without_htmx_and_shows_the_outcome_on_the_message_page(sam, office):
    sam.smtp.stop()
    invoice = first_document(office, "invoice")
    html = send(sam, invoice.id)
    [record] = messages(office)
    form = re.search(r'<form method="post" action="(/sent/\d+/retry)"', html)
    assert form and form.group(1) == f"/sent/{record.id}/retry"
    sam.smtp.start()
    response = sam.post(form.group(1), {}, htmx=False)
    assert response.status_code == 303 and response.location.endswith(f"/sent/{record.id}")
    page = sam.client.get(response.location).get_data(as_text=True)
    assert "Sent" in page and messages(office)[0].status == "sent"
    assert len(sam.smtp.wait_for_messages(1)) == 1
