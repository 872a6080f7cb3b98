"""Self-tests for the SMTP test servers and certificates, with smtplib as the client."""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest
from cryptography import x509

from tests.support.certs import Leaf, TestCA, self_signed_leaf
from tests.support.smtp_fixtures import SmtpServerFactory
from tests.support.smtpd import (
    PORTS_ENV,
    NotSmtpServer,
    SilentServer,
    SmtpServer,
    closed_port,
    free_port,
)

pytest_plugins = ["tests.support.smtp_fixtures"]

GMAIL_BAD_LOGIN = (
    "5.7.8 Username and Password not accepted. For more information, go to "
    "https://support.google.com/mail/?p=BadCredentials"
)
MICROSOFT_BAD_LOGIN = (
    "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant."
)
RAW = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody\r\n"


@contextmanager
def client(
    server: SmtpServer,
    *,
    host: str = "127.0.0.1",
    context: ssl.SSLContext | None = None,
    login: bool = True,
) -> Iterator[smtplib.SMTP]:
    """An smtplib client suited to the server's mode, logged in as user/secret."""
    if server.mode == "implicit":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, server.port, timeout=5, context=context)
    else:
        smtp = smtplib.SMTP(host, server.port, timeout=5)
    with smtp:
        if server.mode == "starttls":
            smtp.starttls(context=context)
        if login:
            smtp.login("user", "secret")
        yield smtp


def message(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@example.com>"
    msg["To"] = "bob@example.com"
    msg["Subject"] = "Invoice 42"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("Please find the invoice attached.\n")
    return msg


# -- certificates -------------------------------------------------------------


def test_leaf_san_covers_localhost_and_loopback(leaf: Leaf) -> None:
    cert = x509.load_pem_x509_certificate(leaf.cert_file.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]


def test_test_ca_is_not_collected_as_a_test_class() -> None:
    assert TestCA.__test__ is False


# -- plain --------------------------------------------------------------------


def test_plain_auth_delivery_is_recorded_with_envelope(plain_smtp: SmtpServer) -> None:
    with client(plain_smtp) as smtp:
        smtp.send_message(message(), to_addrs=["bob@example.com", "carol@example.com"])

    [received] = plain_smtp.wait_for_messages(1)
    assert received.mail_from == "alice@example.com"
    assert received.rcpt_tos == ["bob@example.com", "carol@example.com"]
    assert received.auth_user == "user"
    assert received.tls is False
    assert received.parsed()["Subject"] == "Invoice 42"
    assert "Please find the invoice" in received.parsed().get_content()


def test_auth_login_mechanism_works(plain_smtp: SmtpServer) -> None:
    with client(plain_smtp, login=False) as smtp:
        smtp.ehlo()
        smtp.esmtp_features["auth"] = "LOGIN"
        assert smtp.login("user", "secret")[0] == 235
        smtp.sendmail("alice@example.com", ["bob@example.com"], RAW)
    assert plain_smtp.wait_for_messages(1)[0].auth_user == "user"


def test_mail_without_login_is_refused(plain_smtp: SmtpServer) -> None:
    with client(plain_smtp, login=False) as smtp:
        with pytest.raises(smtplib.SMTPSenderRefused) as info:
            smtp.sendmail("alice@example.com", ["bob@example.com"], RAW)
    assert info.value.smtp_code == 530


def test_users_none_offers_no_auth(smtp_server_factory: SmtpServerFactory) -> None:
    server = smtp_server_factory(users=None)
    with client(server, login=False) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("auth")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            smtp.login("user", "secret")
        smtp.sendmail("alice@example.com", ["bob@example.com"], RAW)
    assert server.wait_for_messages(1)[0].auth_user is None


# -- TLS ----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_starttls_verifies_chain_and_host_name(
    starttls_smtp: SmtpServer, test_ca: TestCA, host: str
) -> None:
    context = ssl.create_default_context(cafile=test_ca.ca_file)
    with client(starttls_smtp, host=host, context=context) as smtp:
        assert smtp.sock.getpeercert()["subjectAltName"]  # type: ignore[union-attr]
        smtp.send_message(message())
    [received] = starttls_smtp.wait_for_messages(1)
    assert received.tls is True
    assert received.auth_user == "user"


def test_implicit_tls(implicit_smtp: SmtpServer, test_ca: TestCA) -> None:
    with client(implicit_smtp, host="localhost", context=test_ca.client_context()) as smtp:
        assert not smtp.has_extn("starttls")
        smtp.send_message(message())
    assert implicit_smtp.wait_for_messages(1)[0].tls is True


def test_mail_and_auth_before_starttls_get_530(starttls_smtp: SmtpServer) -> None:
    with smtplib.SMTP(starttls_smtp.host, starttls_smtp.port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls") and not smtp.has_extn("auth")
        code, text = smtp.mail("alice@example.com")
        assert (code, text) == (530, b"Must issue a STARTTLS command first")
        assert smtp.docmd("AUTH", "PLAIN AHVzZXIAc2VjcmV0")[0] == 530


@pytest.fixture(params=["self-signed", "untrusted CA", "wrong host name"])
def bad_leaf(
    request: pytest.FixtureRequest, untrusted_ca: TestCA, test_ca: TestCA, tmp_path: Path
) -> Leaf:
    if request.param == "self-signed":
        return self_signed_leaf(tmp_path)
    if request.param == "untrusted CA":
        return untrusted_ca.issue(tmp_path)
    return test_ca.issue(tmp_path, hostnames=("mail.example.test",), ips=())


def test_untrusted_certificate_fails_verification(
    smtp_server_factory: SmtpServerFactory, test_ca: TestCA, bad_leaf: Leaf
) -> None:
    server = smtp_server_factory(mode="starttls", tls_context=bad_leaf.server_context())
    with pytest.raises(ssl.SSLCertVerificationError):
        with client(server, context=test_ca.client_context()):
            pass
    assert server.messages == []


# -- failures -----------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [GMAIL_BAD_LOGIN, MICROSOFT_BAD_LOGIN, "5.7.8 first line\n5.7.8 second line"],
    ids=["gmail", "microsoft", "multi-line"],
)
def test_bad_password_fails_fast_with_custom_reply(
    smtp_server_factory: SmtpServerFactory, reply: str
) -> None:
    server = smtp_server_factory(auth_failure_reply=reply)
    with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
        started = time.monotonic()
        with pytest.raises(smtplib.SMTPAuthenticationError) as info:
            smtp.login("user", "wrong")
        assert time.monotonic() - started < 2
    assert info.value.smtp_code == 535
    assert info.value.smtp_error.decode() == reply


def test_default_bad_login_reply(plain_smtp: SmtpServer) -> None:
    with smtplib.SMTP(plain_smtp.host, plain_smtp.port, timeout=5) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError) as info:
            smtp.login("nobody", "secret")
    assert info.value.smtp_code == 535


def test_refused_recipient(smtp_server_factory: SmtpServerFactory) -> None:
    server = smtp_server_factory(refuse_recipients={"ghost@example.com"})
    with client(server) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
            smtp.sendmail("alice@example.com", ["GHOST@example.com"], RAW)
        code, text = info.value.recipients["GHOST@example.com"]
        assert code == 550 and b"Recipient address rejected: User unknown" in text
        refused = smtp.sendmail("alice@example.com", ["ghost@example.com", "bob@example.com"], RAW)
    assert set(refused) == {"ghost@example.com"}
    assert server.wait_for_messages(1)[0].rcpt_tos == ["bob@example.com"]


def test_refused_sender(smtp_server_factory: SmtpServerFactory) -> None:
    server = smtp_server_factory(refuse_senders={"spoof@example.com"})
    with client(server) as smtp:
        with pytest.raises(smtplib.SMTPSenderRefused) as info:
            smtp.sendmail("spoof@example.com", ["bob@example.com"], RAW)
    assert info.value.smtp_code == 553
    assert b"5.7.1" in info.value.smtp_error and b"Sender address rejected" in info.value.smtp_error


def test_size_is_advertised_and_enforced(smtp_server_factory: SmtpServerFactory) -> None:
    server = smtp_server_factory(data_size_limit=1000)
    with client(server) as smtp:
        assert smtp.esmtp_features["size"] == "1000"
        with pytest.raises(smtplib.SMTPSenderRefused) as info:
            smtp.sendmail("alice@example.com", ["bob@example.com"], RAW + b"x" * 2000)
    assert info.value.smtp_code == 552


def test_silent_server_times_out(silent_server: SilentServer) -> None:
    started = time.monotonic()
    # smtplib wraps the socket timeout while it waits for the greeting.
    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
        smtplib.SMTP(silent_server.host, silent_server.port, timeout=1)
    assert time.monotonic() - started < 1.5


def test_silent_server_times_out_tls_handshake(silent_server: SilentServer) -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        smtplib.SMTP_SSL(silent_server.host, silent_server.port, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_not_smtp_server(not_smtp_server: NotSmtpServer) -> None:
    with pytest.raises(smtplib.SMTPConnectError):
        smtplib.SMTP(not_smtp_server.host, not_smtp_server.port, timeout=2)


def test_closed_port_refuses() -> None:
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP("127.0.0.1", closed_port(), timeout=2)


def test_no_server_can_start_on_a_closed_port_while_a_test_uses_it() -> None:
    port = closed_port()
    with socket.socket() as other:  # another run's server, as asyncio binds it
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with pytest.raises(OSError):
            other.bind(("127.0.0.1", port))


def test_free_ports_come_from_this_runs_range_and_pass_over_taken_ones(monkeypatch) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        monkeypatch.setenv(PORTS_ENV, f"{port}-{port}")
        with pytest.raises(RuntimeError, match="no free port"):
            free_port()
    assert free_port() == port


@pytest.mark.parametrize("mode", ["plain", "starttls", "implicit"])
def test_drop_during_data_then_recover(
    smtp_server_factory: SmtpServerFactory, test_ca: TestCA, mode: str
) -> None:
    server = smtp_server_factory(mode=mode, drop_during_data=True)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        with client(server, context=test_ca.client_context()) as smtp:
            smtp.send_message(message())
    assert server.messages == []

    server.drop_during_data = False
    with client(server, context=test_ca.client_context()) as smtp:
        smtp.send_message(message())
    assert len(server.wait_for_messages(1)) == 1


def test_held_replies_keep_the_message_and_answer_only_when_released(
    plain_smtp: SmtpServer,
) -> None:
    plain_smtp.hold_replies = True
    answered = threading.Event()

    def send() -> None:
        with client(plain_smtp) as smtp:
            smtp.send_message(message())
        answered.set()

    sender = threading.Thread(target=send)
    sender.start()
    [received] = plain_smtp.wait_for_messages(1)
    assert received.parsed()["Subject"] == "Invoice 42"
    assert received.received_at <= time.time()
    assert not answered.is_set()  # the data is in; the client still waits for the 250
    plain_smtp.release_replies()
    sender.join(5)
    assert answered.is_set() and len(plain_smtp.messages) == 1


def test_bcc_goes_to_envelope_not_data(plain_smtp: SmtpServer) -> None:
    with client(plain_smtp) as smtp:
        smtp.send_message(message(Bcc="alice-archive@example.com"))
    [received] = plain_smtp.wait_for_messages(1)
    assert received.rcpt_tos == ["bob@example.com", "alice-archive@example.com"]
    assert b"alice-archive" not in received.data
    assert "Bcc" not in received.parsed()


# -- lifecycle ----------------------------------------------------------------


def test_wait_for_messages_times_out(plain_smtp: SmtpServer) -> None:
    with pytest.raises(TimeoutError):
        plain_smtp.wait_for_messages(1, timeout=0.05)


def test_stop_drops_connections_joins_threads_and_can_restart() -> None:
    before = set(threading.enumerate())
    server = SmtpServer()
    port = server.port
    with server, client(server) as smtp:
        assert all(t.daemon for t in set(threading.enumerate()) - before)
        server.stop()
        with pytest.raises(smtplib.SMTPServerDisconnected):
            smtp.noop()
    server.stop()  # idempotent
    assert set(threading.enumerate()) <= before
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(server.host, port, timeout=2)

    with server, client(server) as smtp:  # restart on the same port
        assert server.port == port
        smtp.sendmail("alice@example.com", ["bob@example.com"], RAW)
    assert len(server.messages) == 1


def test_multi_line_replies_are_not_delayed_by_nagle(plain_smtp: SmtpServer) -> None:
    with smtplib.SMTP(plain_smtp.host, plain_smtp.port, timeout=5) as smtp:
        started = time.monotonic()
        for _ in range(5):
            smtp.ehlo()
        assert time.monotonic() - started < 0.15  # ~40 ms each without TCP_NODELAY


def test_taken_port_fails_fast_or_moves_when_automatic() -> None:
    auto, fixed = SmtpServer(), SmtpServer(port=free_port())
    with (
        socket.create_server(("127.0.0.1", auto.port)),
        socket.create_server(("127.0.0.1", fixed.port)),
    ):
        taken = auto.port
        started = time.monotonic()
        with pytest.raises(OSError):
            fixed.start()
        assert time.monotonic() - started < 1
        with auto:
            assert auto.port != taken


def test_listeners_stop_their_threads() -> None:
    before = set(threading.enumerate())
    for listener in (SilentServer(), NotSmtpServer()):
        with listener:
            assert listener.port
        listener.stop()
    assert set(threading.enumerate()) <= before


def test_tls_modes_need_a_context() -> None:
    with pytest.raises(ValueError):
        SmtpServer(mode="starttls")
