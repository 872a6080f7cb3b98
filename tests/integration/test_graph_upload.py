"""Outlook API messages over 4 MB: a draft, an upload session in byte ranges, then send,
against the Microsoft stand-in."""

from __future__ import annotations

import email
import email.policy
import os
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from tests.emulators import MicrosoftEmulator
from tests.support.api_accounts import EmulatorTokens, login
from webpanel.mail.graph import GraphTransport
from webpanel.mailbase import MailError, Outgoing

SENDER, TO, BCC = "pat@example.com", "client@example.net", ("boss@example.com",)
GRAPH = "https://graph.microsoft.com/"
SEND_ONLY = f"openid email offline_access {GRAPH}Mail.Send"
LARGE = f"{SEND_ONLY} {GRAPH}Mail.ReadWrite"


@pytest.fixture(scope="module")
def microsoft() -> Iterator[MicrosoftEmulator]:
    with MicrosoftEmulator(default_email=SENDER) as emu:
        yield emu


def transport(emu: MicrosoftEmulator, scope: str = LARGE) -> GraphTransport:
    emu.reset_records()
    emu.drafts.puts.clear()
    return GraphTransport(EmulatorTokens(emu, login(emu, scope)), emu.urls["graph_base_url"], 10)


def message(*files: tuple[str, bytes]) -> Outgoing:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, TO, "Invoice 7 with drawings"
    msg["Message-ID"] = "<inv7@example.com>"
    msg.set_content("Please find the invoice and the drawings attached.")
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return Outgoing(msg.as_bytes(policy=email.policy.SMTP), SENDER, (TO, *BCC), BCC)


def files_of(raw: bytes) -> dict[str, bytes]:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return {p.get_filename(): p.get_content() for p in parsed.iter_attachments()}


def test_six_megabytes_go_through_an_upload_session_and_arrive_intact(microsoft) -> None:
    drawings, invoice = os.urandom(6 * 2**20), b"%PDF-1.4 small invoice"
    sent = message(("invoice.pdf", invoice), ("drawings.pdf", drawings))
    result = transport(microsoft).send(sent)
    [record] = microsoft.sent
    assert record.endpoint == "graph.send" and record.upload_type == "upload-session"
    assert "1 large attachment uploaded" in result.reply
    assert files_of(record.raw) == {"invoice.pdf": invoice, "drawings.pdf": drawings}
    got = email.message_from_bytes(record.raw, policy=email.policy.default)
    original = email.message_from_bytes(sent.data, policy=email.policy.default)
    for header in ("From", "To", "Subject", "Message-ID", "Date"):
        assert got[header] == original[header]
    assert got["Bcc"] == BCC[0]
    assert got.get_body(("plain",)).get_content() == original.get_body(("plain",)).get_content()
    puts = microsoft.drafts.puts
    assert len(puts) == 2 and sum(p["size"] for p in puts) == len(drawings)
    assert all(p["size"] <= 4 * 2**20 and not p["authorization"] for p in puts)
    assert puts[0]["range"] == f"bytes 0-{puts[0]['size'] - 1}/{len(drawings)}"
    assert max_request(microsoft) <= 4 * 2**20
    assert microsoft.drafts.drafts == {}  # sent, not left in Drafts


def max_request(emu: MicrosoftEmulator) -> int:
    return max(p["size"] for p in emu.drafts.puts)


def test_several_large_files_and_a_small_one_removed_to_fit(microsoft) -> None:
    files = {"a.pdf": os.urandom(3_500_000), "b.pdf": os.urandom(3_300_000),
             "c.pdf": os.urandom(2_600_000)}  # c, under 3 MB, goes by one POST
    transport(microsoft).send(message(*files.items()))
    [record] = microsoft.sent
    assert files_of(record.raw) == files
    endpoints = [r.endpoint for r in microsoft.requests]
    assert endpoints.count("upload_session") == 2 and endpoints.count("send_draft") == 1
    assert endpoints.count("attach") == 1


def test_without_mail_readwrite_says_what_permission_is_missing(microsoft) -> None:
    with pytest.raises(MailError) as caught:
        transport(microsoft, SEND_ONLY).send(message(("big.pdf", os.urandom(5 * 2**20))))
    assert caught.value.step == "sign-in" and not caught.value.retryable
    assert "Mail.ReadWrite" in caught.value.hint and caught.value.reply.startswith("403")
    assert microsoft.sent == []


def test_a_failed_upload_deletes_the_draft_and_sends_nothing(microsoft) -> None:
    graph = transport(microsoft)
    microsoft.fail_next("upload_session", "500")
    with pytest.raises(MailError) as caught:
        graph.send(message(("big.pdf", os.urandom(5 * 2**20))))
    assert caught.value.retryable and caught.value.reply.startswith("500")
    assert microsoft.sent == [] and microsoft.drafts.drafts == {}


def test_message_text_over_4_mb_is_refused_before_any_request(microsoft) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = SENDER, TO, "long"
    msg.set_content("x" * (4 * 2**20))
    graph = transport(microsoft)
    with pytest.raises(MailError) as caught:
        graph.send(Outgoing(msg.as_bytes(policy=email.policy.SMTP), SENDER, (TO,)))
    assert "without its attachments" in caught.value.reason
    api = {"send", "draft", "attach", "upload_session", "upload", "send_draft"}
    assert [r for r in microsoft.requests if r.endpoint in api] == []


@pytest.mark.parametrize("large", [False, True])
def test_mail_readwrite_is_asked_only_when_large_messages_are_on(app, large) -> None:
    from webpanel.integrations import providers

    app.config.update(MICROSOFT_CLIENT_ID="id", MICROSOFT_CLIENT_SECRET="secret",
                      MICROSOFT_LARGE_MESSAGES=large)
    with app.app_context():
        scope = providers.get("microsoft").scope.split()
    assert (f"{GRAPH}Mail.ReadWrite" in scope) is large and f"{GRAPH}Mail.Send" in scope
