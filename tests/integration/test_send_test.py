"""Send Test against real SMTP servers on 127.0.0.1: every success and failure a user can meet."""

from __future__ import annotations

import logging
import re
import time

import pytest

from tests.conftest import Htmx
from tests.support.smtpd import closed_port

SIGNATURE = "Sam Søren\nAcme Supplies"
GMAIL_REPLY = ("5.7.8 Username and Password not accepted. For more information, go to "
               "https://support.google.com/mail/?p=BadCredentials")
MICROSOFT_REPLY = ("5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
                   "for the Tenant.")


@pytest.fixture
def sam(user_client, user_id):
    """Sam, signed in, with General saved (name, address, signature, Auto BCC Self)."""
    page = f"/users/{user_id}/email/general"
    hx = Htmx(user_client, page)
    response = hx.post(page, {"display_name": "Sam Søren", "address": "sam@example.com",
                              "auto_bcc_self": "y", "signature": SIGNATURE})
    assert "Saved" in response.get_data(as_text=True)
    hx.user_id = user_id
    return hx


def send_test(hx, server_port: int, security: str, username="user", password="secret",
              to="pat@example.org", host="127.0.0.1", **extra) -> str:
    data = {"send_using": "smtp", "smtp_server": host, "smtp_port": str(server_port),
            "smtp_security": security, "smtp_username": username, "smtp_password": password,
            "test_to": to, "test_subject": "Does it work?", **extra}
    response = hx.post(f"/users/{hx.user_id}/email/smtp/test", data)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def failed_step(html: str) -> str:
    assert "Send Test failed" in html, html
    return re.search(r'data-step="([^"]+)"', html).group(1)


def test_plain_server_with_sign_in_delivers_a_real_message(sam, plain_smtp):
    html = send_test(sam, plain_smtp.port, "none")
    assert "It works" in html and "250" in html
    [received] = plain_smtp.wait_for_messages(1)
    message = received.parsed()
    assert message["From"].addresses[0].display_name == "Sam Søren"
    assert message["From"].addresses[0].addr_spec == "sam@example.com"
    assert message["Subject"] == "Does it work?"
    assert "Acme Supplies" in message.get_body(("plain",)).get_content()
    assert message["Bcc"] is None and b"Bcc" not in received.data
    assert sorted(received.rcpt_tos) == ["pat@example.org", "sam@example.com"]
    assert received.auth_user == "user"


def test_starttls_verifies_the_certificate_and_delivers(sam, starttls_smtp, trust_ca):
    html = send_test(sam, starttls_smtp.port, "tls", host="localhost")
    assert "It works" in html
    [received] = starttls_smtp.wait_for_messages(1)
    assert received.tls and received.auth_user == "user"


def test_implicit_tls_delivers(sam, implicit_smtp, trust_ca):
    assert "It works" in send_test(sam, implicit_smtp.port, "ssl")
    assert implicit_smtp.wait_for_messages(1)[0].tls


def test_connection_refused(sam):
    html = send_test(sam, closed_port(), "tls")
    assert failed_step(html) == "connect"
    assert "Nothing accepted the connection" in html and "Check the Port" in html


def test_host_not_found(sam):
    html = send_test(sam, 587, "tls", host="smtp.no-such-provider.invalid")
    assert failed_step(html) == "connect"
    assert "could not be found" in html and "spelling" in html


def test_silent_server_fails_within_the_timeout(sam, silent_server, app):
    started = time.monotonic()
    html = send_test(sam, silent_server.port, "none")
    elapsed = time.monotonic() - started
    assert failed_step(html) == "greeting"
    assert "No answer" in html
    assert elapsed < app.config["MAIL_TIMEOUT"] + 1


def test_ssl_chosen_on_a_starttls_port(sam, starttls_smtp, trust_ca):
    html = send_test(sam, starttls_smtp.port, "ssl")
    assert failed_step(html) == "tls"
    assert "does not speak SSL" in html and "choose TLS" in html


def test_none_chosen_where_the_server_demands_starttls(sam, starttls_smtp):
    html = send_test(sam, starttls_smtp.port, "none")
    assert failed_step(html) == "tls"
    assert "requires an encrypted connection" in html and "Choose TLS" in html
    assert starttls_smtp.messages == []


def test_none_without_sign_in_where_the_server_demands_starttls(sam, starttls_smtp):
    html = send_test(sam, starttls_smtp.port, "none", username="", password="")
    assert failed_step(html) == "tls"
    assert "530" in html and "Choose TLS" in html


def test_tls_chosen_where_the_server_offers_none_never_falls_back(sam, plain_smtp):
    html = send_test(sam, plain_smtp.port, "tls")
    assert failed_step(html) == "tls"
    assert "does not offer TLS" in html
    assert plain_smtp.messages == []


def test_untrusted_certificate_then_explicit_self_signed_opt_in(sam, smtp_server_factory, leaf):
    server = smtp_server_factory(mode="starttls")  # its CA is not in the trust store
    html = send_test(sam, server.port, "tls")
    assert failed_step(html) == "tls"
    assert "certificate is not trusted" in html and "Allow self-signed certificate" in html
    assert server.messages == []
    html = send_test(sam, server.port, "tls", allow_self_signed="y")
    assert "It works" in html


def test_wrong_password(sam, plain_smtp):
    html = send_test(sam, plain_smtp.port, "none", password="wrong-password")
    assert failed_step(html) == "sign-in"
    assert "rejected the user name or password" in html and "535" in html
    assert "wrong-password" not in html


@pytest.mark.parametrize(("reply", "advice"), [(GMAIL_REPLY, "app password"),
                                                (MICROSOFT_REPLY, "Outlook tab")])
def test_provider_sign_in_replies_are_recognised(sam, smtp_server_factory, reply, advice):
    server = smtp_server_factory(mode="plain", auth_failure_reply=reply)
    html = send_test(sam, server.port, "none", password="nope")
    assert failed_step(html) == "sign-in"
    assert advice in html


def test_sender_refused(sam, smtp_server_factory):
    server = smtp_server_factory(mode="plain", refuse_senders={"sam@example.com"})
    html = send_test(sam, server.port, "none")
    assert failed_step(html) == "sender"
    assert "refused the sender address sam@example.com" in html and "553" in html


def test_recipient_refused(sam, smtp_server_factory):
    server = smtp_server_factory(mode="plain", refuse_recipients={"nobody@example.org"})
    html = send_test(sam, server.port, "none", to="nobody@example.org")
    assert failed_step(html) == "recipient"
    assert "refused the recipient nobody@example.org" in html and "550" in html
    assert server.messages == []


def test_a_port_that_is_not_a_mail_server(sam, not_smtp_server):
    html = send_test(sam, not_smtp_server.port, "none")
    assert failed_step(html) == "greeting"
    assert "did not answer like a mail server" in html
    assert "HTTP" not in html  # nothing of a foreign service's banner is echoed


def test_blank_password_uses_the_stored_one(sam, plain_smtp):
    page = f"/users/{sam.user_id}/email/smtp"
    saved = sam.post(page, {"send_using": "smtp", "smtp_server": "127.0.0.1",
                            "smtp_port": str(plain_smtp.port), "smtp_security": "none",
                            "smtp_username": "user", "smtp_password": "secret"})
    assert "Saved" in saved.get_data(as_text=True)
    assert "It works" in send_test(sam, plain_smtp.port, "none", password="")


def test_unsaved_form_values_are_used(sam, plain_smtp, implicit_smtp, trust_ca):
    page = f"/users/{sam.user_id}/email/smtp"
    sam.post(page, {"send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_security": "none",
                    "smtp_port": str(plain_smtp.port), "smtp_username": "user",
                    "smtp_password": "secret"})
    assert "It works" in send_test(sam, implicit_smtp.port, "ssl")
    assert implicit_smtp.wait_for_messages(1) and plain_smtp.messages == []


def test_passwords_never_reach_the_page_or_the_log(sam, plain_smtp, caplog):
    caplog.set_level(logging.DEBUG)
    html = send_test(sam, plain_smtp.port, "none", password="secret")
    html += send_test(sam, plain_smtp.port, "none", password="Hunter2-wrong")
    assert "secret" not in html and "Hunter2-wrong" not in html
    assert "Hunter2-wrong" not in caplog.text and "secret" not in caplog.text


def test_send_test_is_rate_limited_per_user(sam, app):
    app.config["SEND_TEST_LIMIT"] = 2
    port = closed_port()
    for _ in range(2):
        assert failed_step(send_test(sam, port, "none")) == "connect"
    html = send_test(sam, port, "none")
    assert failed_step(html) == "settings" and "Too many tests" in html


def test_invalid_smtp_values_are_named_in_the_dialog(sam):
    response = sam.post(f"/users/{sam.user_id}/email/smtp/test",
                        {"send_using": "smtp", "smtp_server": "", "smtp_port": "99999",
                         "smtp_security": "tls", "test_to": "not an address",
                         "test_subject": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Fix the SMTP settings first" in html and "1 to 65535" in html
    assert "Enter one email address" in html


def test_without_an_address_on_general_it_says_where_to_add_one(user_client, user_id,
                                                               plain_smtp):
    hx = Htmx(user_client, f"/users/{user_id}/email/smtp")
    hx.user_id = user_id
    # a new account's Email Address is its sign-in address: this one was cleared
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Sam", "address": ""})
    html = send_test(hx, plain_smtp.port, "none")
    assert failed_step(html) == "settings" and "General tab" in html


def test_the_dialog_defaults_to_the_users_own_address(sam):
    html = sam.get(f"/users/{sam.user_id}/email/smtp/test").get_data(as_text=True)
    assert "<dialog" in html and 'value="sam@example.com"' in html
    assert "Test message from webpanel" in html
