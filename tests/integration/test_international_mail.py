"""International addresses, 8-bit text and unexpected failures, end to end: the Email dialog,
a real SMTP server (with and without SMTPUTF8 / 8BITMIME), the Google and Microsoft stand-ins,
the record and Retry."""

from __future__ import annotations

import email
import logging
import smtplib
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import text, update

from tests.conftest import Htmx
from tests.support.api_accounts import choose, connect
from tests.support.office import compose, first_document, messages, send
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox import records
from webpanel.outbox.models import Message, MessageBody

UTF8 = policy.default.clone(utf8=True)
JOSE = "josé@example.net"


@pytest.fixture
def sam(office, user_client, user_id):
    """Sam, signed in, with an Email Address; `use(server)` points the SMTP tab at a server."""
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.user_id = user_id
    general(hx, "sam@example.com")

    def use(server):
        hx.post(f"/users/{user_id}/email/smtp", {
            "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(server.port),
            "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
        return server

    hx.use = use
    return hx


def general(hx, address: str):
    response = hx.post(f"/users/{hx.user_id}/email/general", {"display_name": "Sam Søren",
                                                              "address": address})
    assert "Saved" in response.get_data(as_text=True), response.get_data(as_text=True)


def parsed(data: bytes):
    """The message as a reader of RFC 6532 mail sees it."""
    return email.message_from_string(data.decode("utf-8"), policy=UTF8)


def invoice(office) -> int:
    return first_document(office, "invoice").id


def test_the_test_server_can_leave_out_smtputf8_and_8bitmime(smtp_server_factory):
    for offers in (True, False):
        server = smtp_server_factory(mode="plain", smtputf8=offers, eightbitmime=offers)
        with smtplib.SMTP(server.host, server.port, timeout=5) as client:
            client.ehlo()
            assert client.has_extn("smtputf8") is offers and client.has_extn("8bitmime") is offers
            client.mail("a@example.org", ["BODY=7BIT"])
        assert server.mail_commands == ["FROM:<a@example.org> BODY=7BIT"]


# --- SMTPUTF8 and IDNA ----------------------------------------------------------------------

def test_an_accented_local_part_goes_by_smtputf8(sam, office, smtp_server_factory):
    server = sam.use(smtp_server_factory(mode="plain"))
    html = send(sam, invoice(office), to=JOSE, bcc="")
    assert "Sent." in html
    [received] = server.wait_for_messages(1)
    assert received.rcpt_tos == [JOSE]
    assert "SMTPUTF8" in received.mail_options and "BODY=8BITMIME" in received.mail_options
    assert "To: josé@example.net".encode() in received.data
    assert parsed(received.data)["To"].addresses[0].addr_spec == JOSE
    [record] = messages(office)
    assert record.status == "sent" and record.to_addrs == JOSE


def test_an_accented_domain_goes_as_idna_with_nothing_special(sam, office, smtp_server_factory):
    server = sam.use(smtp_server_factory(mode="plain", smtputf8=False))
    html = send(sam, invoice(office), to="pat@exämple.net", bcc="")
    assert "Sent." in html
    [received] = server.wait_for_messages(1)
    assert received.rcpt_tos == ["pat@xn--exmple-cua.net"]
    assert received.mail_options == [] and received.data.isascii()
    assert parsed(received.data)["To"].addresses[0].addr_spec == "pat@xn--exmple-cua.net"


def test_a_server_without_smtputf8_is_not_asked_and_the_record_fails_plainly(
        sam, office, smtp_server_factory):
    server = sam.use(smtp_server_factory(mode="plain", smtputf8=False))
    fields = compose(sam, invoice(office))
    fields.pop("_html")
    fields.update(to=JOSE, bcc="")
    response = sam.post(f"/documents/{invoice(office)}/email", fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Not sent" in html
    assert 'data-step="recipient"' in html and JOSE in html and "SMTPUTF8" in html
    assert "without accents" in html and "Retry" in html
    assert server.mail_commands == [] and server.messages == []  # refused before MAIL FROM
    [record] = messages(office)
    assert record.status == "failed" and record.error_step == "recipient"
    again = sam.post(f"/documents/{invoice(office)}/email", fields).get_data(as_text=True)
    assert "Not sent" in again and "already on its way" not in again


def test_an_international_own_address_is_kept_and_sent_only_by_smtputf8(
        sam, office, smtp_server_factory):
    general(sam, JOSE)
    plain = sam.use(smtp_server_factory(mode="plain", smtputf8=False))
    html = send(sam, invoice(office), bcc="")
    assert 'data-step="sender"' in html and "Your Email Address" in html
    assert plain.mail_commands == []
    able = sam.use(smtp_server_factory(mode="plain"))
    assert "Sent." in send(sam, invoice(office), bcc="")
    [received] = able.wait_for_messages(1)
    assert received.mail_from == JOSE
    assert parsed(received.data)["From"].addresses[0].addr_spec == JOSE


def test_the_preview_of_an_international_message_shows_the_address(sam, office,
                                                                    smtp_server_factory):
    sam.use(smtp_server_factory(mode="plain"))
    send(sam, invoice(office), to=JOSE, bcc="")
    [record] = messages(office)
    for view in ("html", "headers", "raw"):
        response = sam.get(f"/sent/{record.id}?view={view}")
        assert response.status_code == 200 and JOSE in response.get_data(as_text=True)


def test_the_email_client_draft_carries_an_accented_address_as_utf8(sam, office):
    sam.post(f"/users/{sam.user_id}/email/smtp", {"send_using": "client",
                                                  "smtp_security": "tls"})
    assert "Your draft is ready" in send(sam, invoice(office), to=JOSE, bcc="bo@exämple.net")
    [record] = messages(office)
    draft = parsed(sam.client.get(f"/sent/{record.id}/message.eml").data)
    assert draft["To"].addresses[0].addr_spec == JOSE
    assert draft["Bcc"].addresses[0].addr_spec == "bo@xn--exmple-cua.net"


def test_send_test_to_an_accented_address_says_the_server_cannot(sam, smtp_server_factory):
    server = smtp_server_factory(mode="plain", smtputf8=False)
    html = sam.post(f"/users/{sam.user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(server.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret",
        "test_to": JOSE, "test_subject": "Does it work?"}).get_data(as_text=True)
    assert "Send Test failed" in html and "SMTPUTF8" in html and JOSE in html
    assert server.mail_commands == []


# --- 8-bit text -----------------------------------------------------------------------------

def test_accented_text_reaches_a_server_without_8bitmime_as_7_bit(sam, office,
                                                                  smtp_server_factory):
    server = sam.use(smtp_server_factory(mode="plain", eightbitmime=False))
    body = "Grüße aus Köln – the total is 1.234,56 €."
    assert "Sent." in send(sam, invoice(office), body=body)
    [received] = server.wait_for_messages(1)
    assert "BODY=8BITMIME" not in " ".join(server.mail_commands).upper()
    assert received.data.isascii()
    message = email.message_from_bytes(received.data, policy=policy.default)
    text = message.get_body(("plain",))
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert text.get_content().startswith(body)
    assert not message["Date"].endswith("-0000")
    [record] = messages(office)
    with office.app_context():
        assert records.mime_of(record) == received.data  # the recorded bytes went out


def recorded_as_8bit(office, record_id: int) -> bytes:
    """Replace a record's bytes with 8-bit text, as an earlier version recorded them."""
    legacy = EmailMessage()
    legacy["From"], legacy["To"], legacy["Subject"] = "sam@example.com", "pat@example.org", "Hi"
    legacy.set_content("Grüße aus Köln")
    data = legacy.as_bytes(policy=policy.SMTP)
    assert b"Content-Transfer-Encoding: 8bit" in data
    with office.app_context():
        db.session.execute(update(MessageBody).where(MessageBody.message_id == record_id)
                           .values(mime=data))
        db.session.execute(update(Message).where(Message.id == record_id)
                           .values(status="failed"))
        db.session.commit()
    return data


def test_a_message_recorded_with_8bit_text_is_declared_where_offered_else_refused(
        sam, office, smtp_server_factory):
    seven = sam.use(smtp_server_factory(mode="plain", eightbitmime=False))
    send(sam, invoice(office), bcc="")
    [record] = messages(office)
    data = recorded_as_8bit(office, record.id)
    refused = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Not sent" in refused and "earlier version" in refused and "8BITMIME" in refused
    assert len(seven.mail_commands) == 1  # only the first send: the Retry asked nothing
    eight = sam.use(smtp_server_factory(mode="plain"))
    assert "Sent." in sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    [received] = eight.wait_for_messages(1)
    assert "BODY=8BITMIME" in received.mail_options and received.data == data


# --- unexpected failures --------------------------------------------------------------------

def test_an_unexpected_failure_leaves_a_failed_record_with_retry(sam, office, caplog,
                                                                 smtp_server_factory):
    server = sam.use(smtp_server_factory(mode="plain", bad_auth_challenge=True))
    fields = compose(sam, invoice(office))
    fields.pop("_html")
    with caplog.at_level(logging.ERROR, logger="webpanel.outbox"):
        response = sam.post(f"/documents/{invoice(office)}/email", fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Not sent" in html
    assert "Something unexpected went wrong" in html and "nothing was sent" in html
    assert "Retry" in html and "Nothing is lost" in html
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)
    [record] = messages(office)
    assert record.status == "failed" and record.error_reason.startswith("Something unexpected")
    again = sam.post(f"/documents/{invoice(office)}/email", fields).get_data(as_text=True)
    assert "Not sent" in again and "already on its way" not in again
    server.bad_auth_challenge = False
    retried = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Sent." in retried and len(server.wait_for_messages(1)) == 1
    assert messages(office)[0].status == "sent"


@pytest.mark.sqlite_only("an SQLite trigger makes one write fail")
def test_a_message_that_went_stays_sent_when_noting_its_server_fails(sam, office,
                                                                     smtp_server_factory):
    server = sam.use(smtp_server_factory(mode="plain"))
    with office.app_context():
        db.session.execute(text("CREATE TRIGGER full BEFORE INSERT ON known_mail_servers "
                                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"))
        db.session.commit()
    html = send(sam, invoice(office), bcc="")
    assert "Sent." in html and len(server.wait_for_messages(1)) == 1
    [record] = messages(office)
    assert record.status == "sent" and record.sent_at is not None


# --- Gmail API and Outlook API --------------------------------------------------------------

@pytest.fixture
def api_sam(emulated, user_client, user_id):
    with emulated.app_context():
        load_sample_data()
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.user_id = user_id
    general(hx, "sam@example.com")
    return hx


def test_gmail_sends_to_an_accented_address(api_sam, emulated, google):
    connect(api_sam, google, "google")
    choose(api_sam, "gmail")
    html = send(api_sam, invoice(emulated), to=JOSE, cc="ana@exämple.net", bcc="")
    assert "Sent." in html
    [sent] = google.sent
    message = parsed(sent.raw)
    assert message["To"].addresses[0].addr_spec == JOSE
    assert message["Cc"].addresses[0].addr_spec == "ana@xn--exmple-cua.net"


def test_outlook_refuses_an_accented_address_at_its_field(api_sam, emulated, microsoft):
    connect(api_sam, microsoft, "microsoft")
    choose(api_sam, "outlook")
    fields = compose(api_sam, invoice(emulated))
    fields.pop("_html")
    response = api_sam.post(f"/documents/{invoice(emulated)}/email",
                            {**fields, "cc": JOSE, "bcc": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="cc-error"' in html
    assert "the Outlook API cannot send to such an address" in html
    reply = api_sam.post(f"/documents/{invoice(emulated)}/email",
                         {**fields, "reply_to": JOSE, "bcc": ""}).get_data(as_text=True)
    assert 'id="reply_to-error"' in reply
    assert microsoft.sent == [] and messages(emulated) == []
    assert "Sent." in send(api_sam, invoice(emulated), to="pat@exämple.net", bcc="")
    [sent] = microsoft.sent
    assert parsed(sent.raw)["To"].addresses[0].addr_spec == "pat@xn--exmple-cua.net"


def test_a_retry_through_outlook_refuses_an_accented_address_before_any_request(
        sam, office, smtp_server_factory, emulated, microsoft):
    sam.use(smtp_server_factory(mode="plain", smtputf8=False))
    send(sam, invoice(office), to=JOSE, bcc="")  # failed: this server lacks SMTPUTF8
    connect(sam, microsoft, "microsoft")
    [record] = messages(office)
    with office.app_context():  # as an earlier version could have recorded it for Outlook
        db.session.execute(update(Message).where(Message.id == record.id)
                           .values(method="outlook"))
        db.session.commit()
    html = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Not sent" in html and 'data-step="recipient"' in html and "Outlook API" in html
    assert microsoft.sent == []


def test_gmail_does_not_send_from_an_accented_address(api_sam, emulated, google):
    connect(api_sam, google, "google")
    choose(api_sam, "gmail")
    general(api_sam, JOSE)
    html = send(api_sam, invoice(emulated), bcc="")
    assert "Gmail cannot send from such an address" in html and "without accents" in html
    assert google.sent == [] and messages(emulated) == []


def test_an_unexpected_failure_in_send_test_is_a_plain_failure(sam, smtp_server_factory):
    server = smtp_server_factory(mode="plain", bad_auth_challenge=True)
    response = sam.post(f"/users/{sam.user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(server.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret",
        "test_to": "pat@example.org", "test_subject": "Does it work?"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Send Test failed" in html
    assert "Something unexpected went wrong" in html and "nothing was sent" in html
