"""GmailTransport and GraphTransport against the local Google and Microsoft emulators, with
real tokens from the authorization-code + PKCE flow."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest

from tests.emulators import GoogleEmulator, MicrosoftEmulator
from tests.emulators.google import GMAIL_SEND
from tests.support.api_accounts import EmulatorTokens, login
from webpanel.mail.gmail import GmailTransport
from webpanel.mail.graph import GraphTransport
from webpanel.mailbase import MailError, Outgoing, SendResult

SCOPES = {"google": f"openid email {GMAIL_SEND}",
          "microsoft": "openid email offline_access https://graph.microsoft.com/Mail.Send"}
SENDER = "pat@example.com"
TO = "client@example.net"
BCC = ("boss@example.com", "archive@example.org")


class FailingTokens:
    """A TokenSource whose account needs reconnecting."""

    error = MailError("sign-in", "The account must be reconnected.", "Sign in again.",
                      retryable=False)

    def access_token(self) -> str:
        raise self.error

    def refresh(self) -> str:
        raise self.error


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def microsoft() -> Iterator[MicrosoftEmulator]:
    with MicrosoftEmulator(default_email=SENDER) as emu:
        yield emu


@dataclass
class Setup:
    """One provider: its emulator, the token source, and a transport factory."""

    name: str
    emu: Any
    tokens: EmulatorTokens

    def transport(self, timeout: float = 5.0, **kw: Any) -> GmailTransport | GraphTransport:
        urls = self.emu.urls
        if self.name == "google":
            return GmailTransport(self.tokens, urls["api_base_url"], urls["upload_base_url"],
                                  timeout, **kw)
        return GraphTransport(self.tokens, urls["graph_base_url"], timeout, **kw)

    def sends(self) -> list[Any]:
        return [r for r in self.emu.requests if r.endpoint == "send"]

    def fails(self, outgoing: Outgoing, **kw: Any) -> MailError:
        """Send, expect a MailError, and check no token leaks into it."""
        with pytest.raises(MailError) as caught:
            self.transport(**kw).send(outgoing)
        error = caught.value
        text = " ".join(str(p) for p in (error, error.reason, error.hint, error.reply))
        secrets = set(self.emu.tokens_by_access) | set(self.emu.tokens_by_refresh)
        assert not [s for s in secrets if s in text]
        assert "Bearer" not in text
        return error


def make_setup(name: str, emu: Any) -> Setup:
    emu.clear_failures()
    emu.reset_records()
    return Setup(name, emu, EmulatorTokens(emu, login(emu, SCOPES[name])))


@pytest.fixture(params=["google", "microsoft"])
def api(request: pytest.FixtureRequest) -> Setup:
    return make_setup(request.param, request.getfixturevalue(request.param))


@pytest.fixture
def gmail(google: GoogleEmulator) -> Setup:
    return make_setup("google", google)


@pytest.fixture
def graph(microsoft: MicrosoftEmulator) -> Setup:
    return make_setup("microsoft", microsoft)


def outgoing(bcc: tuple[str, ...] = (), attachment: bytes = b"%PDF-1.4 fake") -> Outgoing:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, TO, "Invoice 7"
    msg.set_content("Please find the invoice attached.")
    msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="inv.pdf")
    data = msg.as_bytes(policy=email.policy.SMTP)
    return Outgoing(data, SENDER, (TO, *bcc), bcc)


def delivered(setup: Setup, sent: Outgoing) -> EmailMessage:
    """The one message the emulator got: equal to what was given, Bcc header added on top."""
    [record] = setup.emu.sent
    bcc = f"Bcc: {', '.join(sent.bcc)}\r\n".encode() if sent.bcc else b""
    assert record.raw == bcc + sent.data
    return email.message_from_bytes(record.raw, policy=email.policy.default)  # type: ignore


# Delivery

def test_gmail_json_raw_send_with_bcc(gmail: Setup) -> None:
    sent = outgoing(BCC)
    result = gmail.transport().send(sent)
    assert result.provider_id and result.reply == f"Gmail accepted the message (id " \
                                                  f"{result.provider_id})."
    message = delivered(gmail, sent)
    assert gmail.emu.sent[0].upload_type == "json"
    assert message["To"] == TO and message["Bcc"] == ", ".join(BCC)
    assert message.get_payload()[1].get_content() == b"%PDF-1.4 fake"


def test_gmail_without_bcc_sends_exact_bytes(gmail: Setup) -> None:
    sent = outgoing()
    gmail.transport().send(sent)
    assert delivered(gmail, sent)["Bcc"] is None


def test_gmail_large_message_goes_by_media_upload(gmail: Setup) -> None:
    sent = outgoing(BCC, attachment=os.urandom(6000))
    gmail.transport(raw_limit=5000).send(sent)
    assert gmail.emu.sent[0].upload_type == "media"
    assert delivered(gmail, sent)["Bcc"] == ", ".join(BCC)


def test_graph_send_with_bcc(graph: Setup) -> None:
    sent = outgoing(BCC)
    result = graph.transport().send(sent)
    assert result == SendResult("Microsoft accepted the message (202 Accepted).")
    message = delivered(graph, sent)
    assert graph.emu.sent[0].upload_type == "mime"
    assert message["To"] == TO and message["Bcc"] == ", ".join(BCC)


def test_graph_over_upload_limit_fails_before_any_request(graph: Setup) -> None:
    graph.emu.reset_records()
    error = graph.fails(outgoing(attachment=os.urandom(3_200_000)), upload_limit=4 * 2**20)
    assert error.step == "message" and not error.retryable
    assert "4 MB" in error.reason and "attachment" in error.hint
    assert graph.emu.requests == []


def test_graph_413_from_server(graph: Setup) -> None:
    error = graph.fails(outgoing(attachment=os.urandom(3_200_000)), request_limit=8 * 2**20)
    assert error.step == "message" and "too large" in error.reason and not error.retryable
    assert error.reply.startswith("413 ")


def test_other_4xx_gives_provider_text(gmail: Setup) -> None:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = SENDER, "no recipients"
    msg.set_content("x")
    error = gmail.fails(Outgoing(msg.as_bytes(policy=email.policy.SMTP), SENDER, ()))
    assert error.step == "message" and not error.retryable
    assert error.reply == "400 Recipient address required"


# Sign-in, limits and server trouble

def test_401_refreshes_once_then_succeeds(api: Setup) -> None:
    api.emu.fail_next("send", "401")
    api.transport().send(outgoing())
    assert api.tokens.refreshes == 1 and len(api.sends()) == 2 and len(api.emu.sent) == 1


def test_401_twice_is_a_sign_in_failure(api: Setup) -> None:
    api.emu.fail_next("send", "401", times=2)
    error = api.fails(outgoing())
    provider, tab = ("Google", "Gmail") if api.name == "google" else ("Microsoft", "Outlook")
    assert (error.step, error.retryable) == ("sign-in", False)
    assert error.reason == f"{provider} did not accept the panel's access to your account."
    assert error.hint == f"Open Email settings → {tab} and sign in again."
    assert api.tokens.refreshes == 1 and len(api.sends()) == 2 and api.emu.sent == []


def test_403_is_not_allowed_to_send(api: Setup) -> None:
    api.emu.fail_next("send", "403")
    error = api.fails(outgoing())
    assert (error.step, error.retryable) == ("sign-in", False)
    assert "not allow" in error.reason and "sign in again" in error.hint
    assert api.tokens.refreshes == 0 and len(api.sends()) == 1


def test_429_short_retry_after_waits_once(api: Setup) -> None:
    api.emu.fail_next("send", "429", retry_after=1)
    started = time.monotonic()
    api.transport().send(outgoing())
    assert 1.0 <= time.monotonic() - started < 3
    assert len(api.sends()) == 2 and len(api.emu.sent) == 1


def test_429_long_retry_after_fails_at_once(api: Setup) -> None:
    api.emu.fail_next("send", "429", retry_after=60)
    started = time.monotonic()
    error = api.fails(outgoing())
    assert time.monotonic() - started < 2 and len(api.sends()) == 1
    assert error.step == "message" and error.retryable
    assert "limiting how fast" in error.reason and "Wait a few minutes" in error.hint


def test_429_twice_fails_after_one_wait(gmail: Setup) -> None:
    gmail.emu.fail_next("send", "429", times=2, retry_after=1)
    assert "limiting" in gmail.fails(outgoing()).reason and len(gmail.sends()) == 2


def test_500_is_a_retryable_provider_problem(api: Setup) -> None:
    api.emu.fail_next("send", "500")
    error = api.fails(outgoing())
    assert error.step == "message" and error.retryable and len(api.sends()) == 1
    assert "had a problem and did not send" in error.reason and "Retry" in error.hint


def test_slow_answer_times_out(api: Setup) -> None:
    api.emu.fail_next("send", "slow", delay=2)
    started = time.monotonic()
    error = api.fails(outgoing(), timeout=1)
    assert time.monotonic() - started < 2
    provider = "Google" if api.name == "google" else "Microsoft"
    assert error.step == "message" and error.reason == f"No answer from {provider} within 1 second."
    assert "Sent folder" in error.hint
    while not api.emu.sent and time.monotonic() - started < 4:  # it did arrive, late: hence
        time.sleep(0.05)  # the hint; waiting also keeps it out of the next test's records
    assert len(api.emu.sent) == 1


def test_token_source_error_propagates_unchanged(api: Setup) -> None:
    api.tokens = FailingTokens()  # type: ignore[assignment]
    with pytest.raises(MailError) as caught:
        api.transport().send(outgoing())
    assert caught.value is FailingTokens.error and api.sends() == []


# Network trouble

def test_unknown_host_and_refused_connection() -> None:
    tokens = FailingTokens()
    tokens.access_token = lambda: "t"  # type: ignore[method-assign]
    unknown = GraphTransport(tokens, "http://graph.invalid/v1.0/", 1)
    with pytest.raises(MailError) as caught:
        unknown.send(outgoing())
    assert caught.value.step == "connect" and "could not be found" in caught.value.reason
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    refused = GmailTransport(tokens, f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/", 1)
    with pytest.raises(MailError) as caught:
        refused.send(outgoing())
    assert caught.value.step == "connect" and "refused the connection" in caught.value.reason
