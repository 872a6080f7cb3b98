"""Nothing holds a worker past its deadline: servers that drip an answer (an SMTP greeting line
every 0.5 s, an HTTP answer a byte every 0.3 s) fail the send within MAIL_TIMEOUT (1 s here),
with the usual "no answer" message, and the message record ends failed with Retry."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from tests.conftest import sam_with_samples
from tests.support.api_accounts import account, choose, connect
from tests.support.drip import IMAP_LINE, DripHttpServer, DripSmtpServer, StallingSmtpServer
from tests.support.office import first_document, messages, send
from webpanel.extensions import db
from webpanel.mail import imap
from webpanel.mail.imap import ImapConfig, ImapError
from webpanel.mail.smtp import SmtpConfig, SmtpTransport
from webpanel.mailbase import MailError, Outgoing
from webpanel.oauth.models import OAuthAccount

WELL_BEFORE = 6.0  # seconds: a deadline of 1 s, with a wide margin for a busy machine


@pytest.fixture
def drip_smtp():
    with DripSmtpServer(interval=0.5) as server:
        yield server


@pytest.fixture
def drip_http():
    with DripHttpServer(interval=0.3) as server:
        yield server


@pytest.fixture
def sam(app, user_client, user_id):
    """Sam, signed in, with sample documents and General saved; MAIL_TIMEOUT is 1 s, with no
    more time for a message's size (test_upload_allowance.py is about that)."""
    app.config.update(MAIL_TIMEOUT=1.0, MAIL_UPLOAD_RATE=0)
    return sam_with_samples(app, user_client, user_id)


def timed(action):
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


def test_send_test_to_a_dripping_greeting_ends_by_the_deadline(sam, drip_smtp):
    data = {"send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(drip_smtp.port),
            "smtp_security": "none", "test_to": "pat@example.org", "test_subject": "Hello?"}
    response, seconds = timed(lambda: sam.post(f"/users/{sam.user_id}/email/smtp/test", data))
    html = response.get_data(as_text=True)
    assert seconds < WELL_BEFORE
    assert "Send Test failed" in html and 'data-step="greeting"' in html
    assert f"No answer from 127.0.0.1 port {drip_smtp.port} within 1 " in html


def test_a_document_send_to_a_dripping_server_is_failed_with_retry(sam, drip_smtp, app):
    sam.post(f"/users/{sam.user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(drip_smtp.port),
        "smtp_security": "none"})
    html, seconds = timed(lambda: send(sam, first_document(app, "invoice").id))
    assert seconds < WELL_BEFORE
    assert "Not sent" in html and "No answer from 127.0.0.1" in html and "Retry" in html
    [record] = messages(app)
    assert record.status == "failed" and record.error_step == "greeting"
    assert record.error_reason.startswith("No answer from 127.0.0.1")


@pytest.fixture
def signed_in(sam, emulated):
    """Sam with sample data; the app points at the Google/Microsoft stand-ins."""
    return sam


def _expire(app, user_id: int, provider: str) -> None:
    with app.app_context():
        db.session.execute(update(OAuthAccount).values(
            expires_at=account(app, user_id, provider).authorized_at))
        db.session.commit()


def test_gmail_send_whose_token_refresh_drips_fails_in_time(signed_in, emulated, google,
                                                            drip_http):
    connect(signed_in, google, "google")
    choose(signed_in, "gmail")
    _expire(emulated, signed_in.user_id, "google")
    emulated.config["GOOGLE_TOKEN_URL"] = drip_http.url + "token"
    html, seconds = timed(lambda: send(signed_in, first_document(emulated, "invoice").id))
    assert seconds < WELL_BEFORE and drip_http.connections == 1
    assert "Not sent" in html and "No answer from Google within 1 second" in html
    assert "Retry" in html and google.sent == []
    [record] = messages(emulated)
    assert record.status == "failed" and record.error_step == "sign-in"


def test_outlook_send_whose_api_drips_fails_in_time(signed_in, emulated, microsoft, drip_http):
    connect(signed_in, microsoft, "microsoft")
    choose(signed_in, "outlook")
    emulated.config["GRAPH_API_BASE_URL"] = drip_http.url
    html, seconds = timed(lambda: send(signed_in, first_document(emulated, "invoice").id))
    assert seconds < WELL_BEFORE and drip_http.connections == 1
    assert "Not sent" in html and "No answer from Microsoft within 1 second." in html
    assert "Retry" in html
    [record] = messages(emulated)
    assert record.status == "failed" and record.error_step == "message"
    assert record.error_reason == "No answer from Microsoft within 1 second."


@pytest.mark.parametrize("drip_head", [True, False], ids=["whole-answer", "body-only"])
def test_gmail_send_whose_api_drips_fails_in_time(signed_in, emulated, google, drip_head):
    with DripHttpServer(interval=0.3, body=b'{"id": "' + b"m" * 40 + b'"}',
                        drip_head=drip_head) as server:
        connect(signed_in, google, "google")
        choose(signed_in, "gmail")
        emulated.config["GMAIL_API_BASE_URL"] = server.url
        html, seconds = timed(lambda: send(signed_in, first_document(emulated, "invoice").id))
    assert seconds < WELL_BEFORE and server.connections == 1
    assert "Not sent" in html and "No answer from Google within 1 second." in html
    assert messages(emulated)[0].status == "failed" and google.sent == []


def test_a_sign_in_whose_token_exchange_drips_saves_nothing(signed_in, emulated, google,
                                                            drip_http):
    start = signed_in.post(f"/users/{signed_in.user_id}/email/gmail/connect", {}, htmx=False)
    back = urlsplit(google.approve(start.location))
    emulated.config["GOOGLE_TOKEN_URL"] = drip_http.url + "token"
    response, seconds = timed(lambda: signed_in.client.get(f"{back.path}?{back.query}",
                                                           follow_redirects=True))
    assert seconds < WELL_BEFORE and drip_http.connections == 1
    assert "Google did not answer. Nothing was saved." in response.get_data(as_text=True)
    assert account(emulated, signed_in.user_id, "google") is None


def test_de_authorize_when_google_revoke_drips_still_deletes_in_time(signed_in, emulated,
                                                                     google, drip_http):
    connect(signed_in, google, "google")
    emulated.config["GOOGLE_REVOKE_URL"] = drip_http.url + "revoke"
    _, seconds = timed(lambda: signed_in.post(
        f"/users/{signed_in.user_id}/email/gmail/deauthorize", {}))
    assert seconds < WELL_BEFORE and drip_http.connections == 1
    assert account(emulated, signed_in.user_id, "google") is None


def test_imap_to_a_server_that_only_ever_says_hello_ends_by_the_deadline():
    with DripSmtpServer(interval=0.2, line=IMAP_LINE) as server:
        config = ImapConfig("127.0.0.1", server.port, "none", "u", "p", timeout=5, deadline=1)
        started = time.monotonic()
        with pytest.raises(ImapError) as caught:
            imap.list_folders(config)
        assert time.monotonic() - started < WELL_BEFORE
    assert "No answer from 127.0.0.1" in caught.value.reason


def test_a_server_that_stops_reading_the_message_ends_by_the_deadline():
    big = b"Subject: big\r\n\r\n" + b"x" * 998 + b"\r\n"
    outgoing = Outgoing(big * 40_000, "sam@example.com", ("pat@example.org",))  # 40 MB
    with StallingSmtpServer() as server:
        transport = SmtpTransport(SmtpConfig("127.0.0.1", server.port, "none", timeout=1))
        started = time.monotonic()
        with pytest.raises(MailError) as caught:
            transport.send(outgoing)
        assert time.monotonic() - started < WELL_BEFORE
    assert caught.value.step == "message"
    assert caught.value.reason.startswith(f"No answer from 127.0.0.1 port {server.port} within 1")
