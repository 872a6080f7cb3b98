"""Every byte read from outside is budgeted, and whatever a server answers ends as a plain
message: Find folders against a 50 MB folder name, a bounce check against answers that are not
IMAP, Send Test against an SMTP server that never stops talking, and Google's and Microsoft's
answers that declare, stream or unpack too much. Real servers on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.conftest import sam_with_samples
from tests.support.drip import _DripListener, _read_request
from tests.support.hostile_imap import HostileImapServer, ok
from tests.support.sam_variants import sam_on_smtp_trusting_ca  # noqa: F401  (the sam fixture)
from webpanel.extensions import db
from webpanel.mail.gmail import GmailTransport
from webpanel.mail.graph import GraphTransport
from webpanel.mailbase import MailError, Outgoing
from webpanel.settings import imap_settings as sentcopy
from webpanel.settings.models import EmailSettings, KnownMailServer

FIFTY_MB = 50 * 1024 * 1024
CHUNK = b"x" * 65536
IN_TIME = 6.0  # seconds; the panel's deadline is longer, a refusal takes milliseconds
FEW_MB = 4 * 1024 * 1024


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- IMAP: Find folders --------------------------------------------------------------------------

@pytest.fixture
def hostile_imap() -> Iterator[HostileImapServer]:
    with HostileImapServer() as server:
        yield server


def fifty_mb_name(tag: bytes, line: bytes) -> Iterator[bytes]:
    """A LIST answer whose one folder name is 50 MB: complete, and well formed."""
    yield b'* LIST (\\HasNoChildren) "/" {%d}\r\n' % FIFTY_MB
    for _ in range(FIFTY_MB // len(CHUNK)):
        yield CHUNK
    yield b"\r\n" + tag + b" OK done\r\n"


def find_folders(sam, server: HostileImapServer):  # noqa: F811
    return sam.post(f"/users/{sam.user_id}/email/imap/folders", {
        "imap_enabled": "y", "imap_host": "127.0.0.1", "imap_port": str(server.port),
        "imap_security": "none", "imap_username": "sam", "imap_password": "pw",
        "imap_folder": ""})


def known_ports(app, user_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(KnownMailServer.port)
                                       .where(KnownMailServer.user_id == user_id)))


def test_find_folders_refuses_a_50_mb_folder_name_at_the_field(app, sam, hostile_imap):  # noqa: F811
    hostile_imap.play("LIST", fifty_mb_name, close=False)
    started = time.monotonic()
    response = find_folders(sam, hostile_imap)
    html = response.get_data(as_text=True)
    assert time.monotonic() - started < IN_TIME
    assert response.status_code < 500 and len(html) < 200_000
    error = re.search(r'id="imap-find-error-folder"[^>]*>([^<]*)<', html)
    assert error is not None and error.group(1).startswith(
        f"The IMAP server at 127.0.0.1 port {hostile_imap.port} sent more than 8 KB in one "
        "piece; it does not behave like a mail server.")
    assert hostile_imap.port not in known_ports(app, sam.user_id)


def test_find_folders_still_remembers_a_server_that_behaves(app, sam, hostile_imap):  # noqa: F811
    hostile_imap.play("LIST", ok(b'* LIST (\\Sent) "/" Sent\r\n'), close=False)
    html = find_folders(sam, hostile_imap).get_data(as_text=True)
    assert "Found 1 folder" in text_of(html)
    assert hostile_imap.port in known_ports(app, sam.user_id)


# -- IMAP: the bounce check ----------------------------------------------------------------------

def imap_to(app, user_id: int, server: HostileImapServer) -> None:
    """Sam's IMAP settings, saved as the SMTP tab's section saves them, at the hostile server."""
    with app.app_context():
        values = {"enabled": True, "host": "127.0.0.1", "port": server.port,
                  "security": "none", "allow_self_signed": False, "same_as_smtp": False,
                  "username": "sam", "folder": ""}
        sentcopy.save(sentcopy.load(user_id), values, db.session.get(EmailSettings, user_id),
                      typed="pw")
        db.session.commit()


@pytest.mark.parametrize(("command", "answer", "words"), [
    ("EXAMINE", ok(b"* OK [UIDVALIDITY x] ok\r\n", b"OK [READ-ONLY] ok"), "answer"),
    ("CAPABILITY", ok(b"* CAPABILITY IMAP4rev1 \xff\r\n"), "sent an answer that is not IMAP"),
], ids=["uidvalidity", "capability"])
def test_a_bounce_check_against_answers_that_are_not_imap_says_so(
        app, sam, hostile_imap, command, answer, words):  # noqa: F811
    imap_to(app, sam.user_id, hostile_imap)
    hostile_imap.play(command, answer, close=False)
    response = sam.post("/sent/bounces/check", {})
    assert response.status_code == 200
    said = text_of(response.get_data(as_text=True))
    assert "IMAP server" in said and words in said


# -- SMTP ------------------------------------------------------------------------------------

class ChattySmtpServer(_DripListener):
    """Accepts everything, and answers every command with a long but valid reply: 199
    continuation lines of 8,000 characters (smtplib bounds a line, not how many come)."""

    REPLY = b"".join(b"250-" + b"x" * 8000 + b"\r\n" for _ in range(199)) + b"250 ok\r\n"

    def __init__(self) -> None:
        super().__init__(interval=0.0)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        conn.sendall(b"220 chatty.example.org ready\r\n")
        with conn.makefile("rb") as lines:
            while line := lines.readline(65536):
                if line[:4].upper() == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                if line[:4].upper() == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    while lines.readline(65536) not in (b".\r\n", b""):
                        continue
                conn.sendall(self.REPLY)


@pytest.fixture
def chatty_smtp() -> Iterator[ChattySmtpServer]:
    with ChattySmtpServer() as server:
        yield server


def test_send_test_to_an_smtp_server_that_never_stops_talking(app, user_client, user_id,
                                                               chatty_smtp):
    hx = sam_with_samples(app, user_client, user_id)
    started = time.monotonic()
    html = hx.post(f"/users/{user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(chatty_smtp.port),
        "smtp_security": "none", "test_to": "pat@example.org",
        "test_subject": "Hello?"}).get_data(as_text=True)
    assert time.monotonic() - started < IN_TIME
    assert "Send Test failed" in html
    assert (f"The SMTP server at 127.0.0.1 port {chatty_smtp.port} sent more than 256 KB; it "
            "does not behave like a mail server.") in text_of(html)


# -- HTTP: Google and Microsoft ----------------------------------------------------------------

class HostileHttpServer(_DripListener):
    """Reads a request, then answers with ``head`` and ``body`` pieces (an iterator, maybe
    endless) until the client hangs up."""

    def __init__(self, head: bytes, body) -> None:
        super().__init__(interval=0.0)
        self.head, self.body = head, body

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        _read_request(conn)
        conn.sendall(self.head)
        for piece in self.body():
            conn.sendall(piece)


def forever(piece: bytes):
    return lambda: iter(lambda: piece, None)


def gzip_bomb() -> Iterator[bytes]:
    """50 MB of zeros, gzip-compressed on the way (about 50 KB on the wire)."""
    packer, zeros = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(65536)
    for _ in range(FIFTY_MB // len(zeros)):
        yield packer.compress(zeros)
    yield packer.flush()


ANSWERS = {
    "declared": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 52428800\r\n\r\n", forever(CHUNK)),
    "chunked": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n", forever(b"10000\r\n" + CHUNK + b"\r\n")),
    "unpacked": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Encoding: gzip\r\nConnection: close\r\n\r\n", gzip_bomb),
    "headers": (b"HTTP/1.1 200 OK\r\n", forever(b"X-Filler: " + b"h" * 60000 + b"\r\n")),
}


class FixedTokens:
    """A TokenSource whose access token is always good."""

    def access_token(self) -> str:
        return "token"

    def refresh(self) -> str:
        return "token"


def outgoing() -> Outgoing:
    data = (b"From: pat@example.com\r\nTo: client@example.net\r\nSubject: Invoice\r\n"
            b"Message-ID: <budget-1@example.com>\r\n\r\nHello.\r\n")
    return Outgoing(data, "pat@example.com", ("client@example.net",))


@pytest.mark.parametrize("provider", ["google", "microsoft"])
@pytest.mark.parametrize("kind", sorted(ANSWERS))
def test_an_api_answer_over_its_budget_is_refused_plainly(provider, kind):
    with HostileHttpServer(*ANSWERS[kind]) as server:
        if provider == "google":
            transport = GmailTransport(FixedTokens(), server.url, server.url, 5.0)
        else:
            transport = GraphTransport(FixedTokens(), server.url, 5.0)
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(MailError) as caught:
                transport.send(outgoing())
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    label = "Google" if provider == "google" else "Microsoft"
    assert caught.value.reason == (f"The server answering for {label} sent more than 1 MB; it "
                                   f"does not behave like {label}'s mail service.")
    assert "look in your Sent folder" in caught.value.hint
    assert time.monotonic() - started < IN_TIME and peak < FEW_MB
