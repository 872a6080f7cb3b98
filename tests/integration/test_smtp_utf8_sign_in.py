"""A user name or password with accents signs in to SMTP (SASL PLAIN is UTF-8, RFC 4616)."""

from __future__ import annotations

import pytest

from tests.conftest import Htmx
from webpanel.mail.smtp import SmtpConfig, SmtpTransport
from webpanel.mailbase import MailError, Outgoing

USER, PASSWORD = "zoë@bäckerei.example", "pässwörd-ß€"


def test_the_transport_signs_in_with_accents(smtp_server_factory):
    server = smtp_server_factory(mode="plain", users={USER: PASSWORD})
    transport = SmtpTransport(SmtpConfig(server.host, server.port, "none", USER, PASSWORD))
    result = transport.send(Outgoing(b"Subject: hi\r\n\r\nhello\r\n", "zoe@example.com",
                                     ("pat@example.org",)))
    assert result.reply.startswith("250")
    assert len(server.wait_for_messages(1)) == 1


def test_send_test_with_an_accented_password_works(user_client, user_id, smtp_server_factory):
    server = smtp_server_factory(mode="plain", users={USER: PASSWORD})
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Zoë",
                                                "address": "zoe@example.com"})
    html = hx.post(f"/users/{user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(server.port),
        "smtp_security": "none", "smtp_username": USER, "smtp_password": PASSWORD,
        "test_to": "pat@example.org", "test_subject": "Test"}).get_data(as_text=True)
    assert "It works: the test message was sent." in html, html
    assert "Something unexpected" not in html


def test_a_wrong_accented_password_is_a_wrong_password(smtp_server_factory):
    server = smtp_server_factory(mode="plain", users={USER: PASSWORD})
    transport = SmtpTransport(SmtpConfig(server.host, server.port, "none", USER, "pässwort"))
    with pytest.raises(MailError) as refused:
        transport.send(Outgoing(b"Subject: hi\r\n\r\nhello\r\n", "zoe@example.com",
                                ("pat@example.org",)))
    assert "rejected the user name or password" in refused.value.reason
    assert server.messages == []
