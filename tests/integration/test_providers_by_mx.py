"""Microsoft 365 and Google Workspace on an office's own domain (MX records from a local DNS
server), the presets' words about passwords, and Microsoft's "passwords are off" replies."""

from __future__ import annotations

import socket
import time

import dns.resolver
import pytest

from webpanel.mail import hints
from webpanel.mail.smtp import SmtpConfig, SmtpTransport
from webpanel.mailbase import MailError, Outgoing
from webpanel.settings import mx, presets


@pytest.fixture
def lookup(mx_server) -> dns.resolver.Resolver:
    mx_server.records.update({
        "acme-office.example": [(0, "acme-office-example.mail.protection.outlook.com")],
        "shop.example": [(10, "alt1.aspmx.l.google.com"), (1, "aspmx.l.google.com")],
        "new-shop.example": [(1, "smtp.google.com")],
        "own-server.example": [(10, "mail.own-server.example")],
    })
    return mx.resolver([mx_server.host], mx_server.port, lifetime=2)


@pytest.mark.parametrize(("address", "preset"), [
    ("zoe@acme-office.example", presets.MICROSOFT_365),
    ("ann@shop.example", presets.GOOGLE_WORKSPACE),
    ("bob@new-shop.example", presets.GOOGLE_WORKSPACE),
    ("eve@own-server.example", None),
    ("nobody@unknown.example", None),
])
def test_own_domains_are_recognised_by_their_mx(lookup, address, preset):
    assert mx.recommend(address, lookup) == preset


def test_known_domains_need_no_lookup(lookup, mx_server):
    assert mx.recommend("sam@gmail.com", lookup) == presets.GMAIL
    assert mx.recommend("sam@hotmail.com", lookup) == presets.OUTLOOK_COM
    assert mx_server.queries == []


def test_no_dns_falls_back_to_the_domain_list_in_time():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a DNS server that never answers
    silent.bind(("127.0.0.1", 0))
    try:
        lookup = mx.resolver(["127.0.0.1"], silent.getsockname()[1], lifetime=0.3)
        started = time.monotonic()
        assert mx.recommend("zoe@acme-office.example", lookup) is None
        assert mx.recommend("zoe@outlook.com", lookup) == presets.OUTLOOK_COM
        assert time.monotonic() - started < 2
    finally:
        silent.close()


def test_the_app_resolver_reads_the_config(app, lookup, mx_server):
    app.config.update(DNS_NAMESERVERS=[mx_server.host], DNS_PORT=mx_server.port)
    with app.app_context():
        assert mx.recommend("zoe@acme-office.example") == presets.MICROSOFT_365


def test_presets_say_what_happens_to_passwords():
    outlook = presets.for_address("a@hotmail.com")
    assert outlook is presets.OUTLOOK_COM and not outlook.password_works
    assert "16 September 2024" in outlook.caveat and "Outlook tab" in outlook.caveat
    m365 = presets.for_address("a@contoso.onmicrosoft.com")
    assert m365.password_works and m365.tab == "outlook"
    for words in ("December 2026", "2027", "administrator", "SMTP AUTH", "Outlook tab"):
        assert words in m365.caveat
    assert "app password" in presets.GOOGLE_WORKSPACE.caveat
    assert presets.GOOGLE_WORKSPACE.tab == "gmail"


@pytest.mark.parametrize(("code", "reply"), [
    (550, "5.7.30 Basic authentication is not supported for Client Submission."),
    (535, "5.7.139 Authentication unsuccessful, basic authentication is disabled."),
    (535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
          "Tenant."),
])
def test_microsoft_passwords_off_is_not_a_wrong_password(smtp_server_factory, code, reply):
    server = smtp_server_factory(mode="plain", auth_failure_reply=reply, auth_failure_code=code)
    transport = SmtpTransport(SmtpConfig(server.host, server.port, "none", "user", "old-pass"))
    with pytest.raises(MailError) as caught:
        transport.send(Outgoing(b"Subject: x\r\n\r\nx\r\n", "user@example.com", ("a@b.example",)))
    error = caught.value
    assert error.step == "sign-in" and error.reason == hints.PASSWORDS_OFF
    assert "Sign in to Outlook" in error.hint and "password" not in error.hint.split("(")[0]
    assert error.reply.startswith(f"{code} 5.7.") and not error.retryable


def test_an_ordinary_wrong_password_still_says_so(smtp_server_factory):
    server = smtp_server_factory(mode="plain", auth_failure_reply="5.7.8 Error: authentication "
                                 "failed")
    transport = SmtpTransport(SmtpConfig(server.host, server.port, "none", "user", "nope"))
    with pytest.raises(MailError) as caught:
        transport.send(Outgoing(b"Subject: x\r\n\r\nx\r\n", "user@example.com", ("a@b.example",)))
    assert "rejected the user name or password" in caught.value.reason


@pytest.fixture
def hx(app, user_client, user_id, lookup, mx_server):
    from tests.conftest import Htmx

    app.config.update(DNS_NAMESERVERS=[mx_server.host], DNS_PORT=mx_server.port)
    helper = Htmx(user_client, f"/users/{user_id}/email/general")
    helper.base = f"/users/{user_id}/email"
    return helper


def test_the_smtp_tab_looks_up_an_own_domain(hx):
    hx.post(f"{hx.base}/general", {"display_name": "Zoe", "address": "zoe@acme-office.example"})
    page = hx.get(f"{hx.base}/smtp").get_data(as_text=True)
    assert "Look up recommended settings" in page and "Use recommended settings" not in page
    filled = hx.post(f"{hx.base}/smtp/recommended", {"send_using": "smtp"}).get_data(True)
    assert 'value="smtp.office365.com"' in filled and 'value="587"' in filled
    assert "<strong>Microsoft 365</strong>" in filled and "December 2026" in filled
    assert "Press Save" in filled


def test_the_smtp_tab_says_when_nothing_is_known(hx):
    hx.post(f"{hx.base}/general", {"display_name": "Eve", "address": "eve@own-server.example"})
    filled = hx.post(f"{hx.base}/smtp/recommended", {"send_using": "smtp"}).get_data(True)
    assert ("No recommendation for own-server.example — ask your provider for the SMTP server "
            "name.") in filled
    assert 'value="smtp.office365.com"' not in filled


LOOK_UP = "Look up recommended settings"


@pytest.mark.parametrize(("address", "offered"), [
    ("zoe@acme-office.example", True),  # an own domain: the look-up may know it
    ("sam@gmail.com", False),  # a known provider: its recommendation shows without a look-up
    ("ann@mail.hotmail.com", False),  # below a known provider's domain
    ("", False),  # no Email Address yet
])
def test_the_look_up_box_shows_only_for_a_domain_that_is_no_known_provider(hx, address,
                                                                            offered):
    hx.post(f"{hx.base}/general", {"display_name": "Zoe", "address": address})
    page = hx.get(f"{hx.base}/smtp").get_data(as_text=True)
    assert (LOOK_UP in page) is offered
    assert "MX records" not in page


def test_the_look_up_box_goes_once_a_server_is_saved(hx, plain_smtp):
    hx.post(f"{hx.base}/general", {"display_name": "Zoe", "address": "zoe@own-server.example"})
    assert LOOK_UP in hx.get(f"{hx.base}/smtp").get_data(as_text=True)
    hx.post(f"{hx.base}/smtp", {"send_using": "smtp", "smtp_server": "127.0.0.1",
                                "smtp_port": str(plain_smtp.port), "smtp_security": "none",
                                "smtp_username": "user", "smtp_password": "secret"})
    assert LOOK_UP not in hx.get(f"{hx.base}/smtp").get_data(as_text=True)


def test_the_look_up_waits_two_seconds_at_most(app):
    assert app.config["MX_LOOKUP_TIMEOUT"] == 2.0
    app.config["MAIL_TIMEOUT"] = 10.0  # the look-up no longer waits as long as a send may
    with app.app_context():
        assert mx.app_resolver().lifetime == 2.0 and mx.app_resolver().timeout <= 2.0


def test_a_dns_server_that_never_answers_gives_the_plain_message_in_time(hx, app):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a DNS black hole
    silent.bind(("127.0.0.1", 0))
    try:
        app.config.update(DNS_NAMESERVERS=["127.0.0.1"], DNS_PORT=silent.getsockname()[1],
                          MX_LOOKUP_TIMEOUT=0.3)
        hx.post(f"{hx.base}/general", {"display_name": "Zoe", "address": "zoe@acme-office.example"})
        started = time.monotonic()
        filled = hx.post(f"{hx.base}/smtp/recommended", {"send_using": "smtp"}).get_data(True)
        assert time.monotonic() - started < 2
    finally:
        silent.close()
    assert ("No recommendation for acme-office.example — ask your provider for the SMTP server "
            "name.") in filled
    assert 'value="smtp.office365.com"' not in filled
