"""The panel is not a network scanner: one budget per person for new mail servers (Send Test,
sending and Retry together), nothing a foreign service says is echoed, and an optional list of
the mail hosts an office allows. Real TCP servers on 127.0.0.1 play the foreign services."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from tests.conftest import Htmx, sign_in
from tests.support.smtpd import NotSmtpServer, _Listener, closed_port
from tests.support.watching import assert_no_transaction_is_open
from webpanel.database import utcnow
from webpanel.documents.models import Document
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.settings import servers
from webpanel.settings.models import KnownMailServer
from webpanel.throttle import RateEvent

SECRET_WORDS = ("HTTP", "MySQL", "mysql", "8.0.33", "db-internal-7", "ProFTPD", "OpenSSH",
                "ERR", "nginx")
MYSQL_BANNER = (b"J\x00\x00\x00\n8.0.33-db-internal-7\x00\x08\x00\x00\x00abcdefgh\x00\xff\xf7"
                b"\x08\x02\x00mysql_native_password\x00")
FOREIGN_BANNERS = {
    "http": b"HTTP/1.1 400 Bad Request\r\nServer: nginx db-internal-7\r\n\r\n",
    "mysql": MYSQL_BANNER,
    "ssh": b"SSH-2.0-OpenSSH_9.2p1 db-internal-7\r\n",
    "redis": b"-ERR unknown command 'db-internal-7'\r\n",
    "code-without-space": b"2200 db-internal-7 MySQL 8.0.33\r\n",
    "broken-continuation": b"220-db-internal-7\r\nHTTP/1.1 200 OK\r\n\r\n",
    "code changes mid-reply": b"220-db-internal-7\r\n421 MySQL 8.0.33\r\n",
    "nothing, then closed": b"",
}


class GreetsThenBabbles(_Listener):
    """Greets like a mail server ("220 ..."), then answers every command its own way."""

    def __init__(self, greeting: bytes, answer: bytes) -> None:
        super().__init__()
        self.greeting, self.answer = greeting, answer

    def _on_accept(self, conn) -> None:
        self._conns.append(conn)
        threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn) -> None:
        try:
            conn.sendall(self.greeting)
            with conn.makefile("rb") as lines:
                for _line in lines:
                    conn.sendall(self.answer)
        except OSError:
            pass


BABBLERS = {
    "ftp": (b"220 ProFTPD 1.3.8 Server (db-internal-7)\r\n",
            b"500 Command not understood by ProFTPD on db-internal-7\r\n"),
    "220, then http": (b"220 db-internal-7\r\n", b"HTTP/1.1 400 Bad Request\r\n\r\n"),
}


class Announcing(_Listener):
    """Accepts connections, says when one arrived, and never answers."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted = threading.Event()

    def _on_accept(self, conn) -> None:
        self._conns.append(conn)
        self.accepted.set()


@pytest.fixture
def http_server() -> Iterator[ThreadingHTTPServer]:
    """A real HTTP server: like most, it says nothing until it gets a request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sam(app, user_client, user_id):
    """Sam, signed in, with an Email Address on the General tab."""
    page = f"/users/{user_id}/email/general"
    hx = Htmx(user_client, page)
    hx.post(page, {"display_name": "Sam", "address": "sam@example.com"})
    hx.user_id = user_id
    return hx


def send_test(hx, port: int, host: str = "127.0.0.1", security: str = "none", **extra):
    data = {"send_using": "smtp", "smtp_server": host, "smtp_port": str(port),
            "smtp_security": security, "smtp_username": "user", "smtp_password": "secret",
            "test_to": "pat@example.org", "test_subject": "Does it work?", **extra}
    return hx.post(f"/users/{hx.user_id}/email/smtp/test", data)


def failure(html: str) -> str:
    """The failure a person reads (step, what happened, reply, what to try), port numbers out."""
    found = re.search(r'<div class="result failure".*?</dl>', html, re.S)
    assert found, html
    return re.sub(r"port \d+", "port N", found.group(0))


def save_smtp(hx, port: int, host: str = "127.0.0.1"):
    return hx.post(f"/users/{hx.user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": host, "smtp_port": str(port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})


def email_document(hx, document_id: int) -> str:
    """Open a document's Email dialog and press Send with what it offers."""
    html = hx.get(f"/documents/{document_id}/email").get_data(as_text=True)
    fields = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)
              for name in ("to", "subject", "idempotency_key")}
    fields["body"] = "Please find it attached."
    return hx.post(f"/documents/{document_id}/email", fields).get_data(as_text=True)


@pytest.fixture
def invoice_id(app) -> int:
    with app.app_context():
        load_sample_data()
        return db.session.scalar(select(Document.id).where(Document.kind == "invoice")
                                 .order_by(Document.id))


def records(app) -> list[Message]:
    with app.app_context():
        return list(db.session.scalars(select(Message).order_by(Message.id)))


# What a foreign service says is never shown, and every such service gets the same answer.

def test_services_that_are_not_mail_servers_all_get_one_answer_that_echoes_nothing(sam, app):
    app.config.update(SEND_TEST_LIMIT=50, NEW_MAIL_SERVER_LIMIT=50)
    answers = {}
    for name, banner in FOREIGN_BANNERS.items():
        with NotSmtpServer(banner) as server:
            answers[name] = send_test(sam, server.port).get_data(as_text=True)
    for name, (greeting, answer) in BABBLERS.items():
        with GreetsThenBabbles(greeting, answer) as server:
            answers[name] = send_test(sam, server.port).get_data(as_text=True)
    for name, html in answers.items():
        assert 'data-step="greeting"' in html, name
        assert "did not answer like a mail server" in html, name
        assert not [word for word in SECRET_WORDS if word in failure(html)], (name, html)
    assert len({failure(html) for html in answers.values()}) == 1


def test_silent_services_and_a_real_http_server_look_alike(sam, app, silent_server, http_server):
    app.config["MAIL_TIMEOUT"] = 1.0
    silent = send_test(sam, silent_server.port).get_data(as_text=True)
    http = send_test(sam, http_server.server_address[1]).get_data(as_text=True)
    assert "No answer from 127.0.0.1" in silent
    assert failure(silent) == failure(http)
    closed = send_test(sam, closed_port()).get_data(as_text=True)
    assert "Nothing accepted the connection" in closed


def test_a_refusing_greeting_shows_its_code_but_not_its_words(sam, app):
    with NotSmtpServer(b"421 db-internal-7 MySQL 8.0.33 too many connections\r\n") as server:
        html = send_test(sam, server.port).get_data(as_text=True)
    assert "refused the connection" in html and "<code>421</code>" in html
    assert not [word for word in SECRET_WORDS if word in failure(html)]
    with NotSmtpServer(b"554 5.7.1 db-internal-7 says go away\r\n") as server:
        html = send_test(sam, server.port).get_data(as_text=True)
    assert "<code>554 5.7.1</code>" in html and "db-internal-7" not in html


def test_a_mail_servers_own_refusals_still_show_its_reply(sam, smtp_server_factory):
    server = smtp_server_factory(mode="plain", refuse_recipients={"pat@example.org"})
    html = send_test(sam, server.port).get_data(as_text=True)
    assert 'data-step="recipient"' in html and "550 5.1.1" in html and "User unknown" in html


# One budget per person for servers that have not worked for them before.

def test_one_budget_for_send_test_sending_and_retry(sam, app, invoice_id, plain_smtp):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 2
    assert "Nothing accepted" in send_test(sam, closed_port()).get_data(as_text=True)
    save_smtp(sam, closed_port())
    html = email_document(sam, invoice_id)
    assert "Not sent" in html and "Nothing accepted" in html
    [message] = records(app)
    retried = sam.post(f"/sent/{message.id}/retry", {}).get_data(as_text=True)
    assert "Nothing accepted" in retried  # the same server again costs nothing more
    refused = send_test(sam, plain_smtp.port).get_data(as_text=True)
    assert "You tried 2 new mail servers in the last hour" in refused
    assert re.search(r"Try again in \d+ minutes", refused) and plain_smtp.messages == []
    save_smtp(sam, plain_smtp.port)
    retried = sam.post(f"/sent/{message.id}/retry", {}).get_data(as_text=True)
    assert "Not sent" in retried and "You tried 2 new mail servers" in retried
    assert "Retry" in retried and plain_smtp.messages == []
    [message] = records(app)
    assert message.status == "failed" and message.error_step == "connect"
    assert "ask your administrator" in message.error_hint


def test_servers_that_worked_never_count_again(sam, app, invoice_id, plain_smtp):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 1
    for _ in range(3):
        assert "It works" in send_test(sam, plain_smtp.port).get_data(as_text=True)
    save_smtp(sam, plain_smtp.port)
    assert "Sent." in email_document(sam, invoice_id)
    assert len(plain_smtp.wait_for_messages(4)) == 4
    # the server that worked gave its count back: one new server may still be tried
    assert "Nothing accepted" in send_test(sam, closed_port()).get_data(as_text=True)
    refused = send_test(sam, closed_port()).get_data(as_text=True)
    assert "You tried 1 new mail server in the last hour" in refused


def test_the_budget_is_per_person(app, sam, make_user, plain_smtp):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 1
    send_test(sam, closed_port())
    assert "You tried 1" in send_test(sam, closed_port()).get_data(as_text=True)
    lee_id = make_user("lee@example.com")
    lee = app.test_client()
    assert sign_in(lee, "lee@example.com").status_code == 302
    hx = Htmx(lee, f"/users/{lee_id}/email/general")
    hx.post(f"/users/{lee_id}/email/general", {"address": "lee@example.com"})
    hx.user_id = lee_id
    assert "It works" in send_test(hx, plain_smtp.port).get_data(as_text=True)


def test_the_budget_comes_back_after_the_window(sam, app):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 1
    send_test(sam, closed_port())
    assert "You tried 1" in send_test(sam, closed_port()).get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(RateEvent).values(at=utcnow() - timedelta(seconds=3601)))
        db.session.commit()
    assert "Nothing accepted" in send_test(sam, closed_port()).get_data(as_text=True)


def test_administrators_are_not_limited_but_their_colleagues_are(app, sam, admin_client,
                                                                  admin_id):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 1
    admin = Htmx(admin_client, f"/users/{admin_id}/email/general")
    admin.post(f"/users/{admin_id}/email/general", {"address": "admin@example.com"})
    for user_id in (admin_id, sam.user_id, admin_id):  # their own tab, and a colleague's
        admin.user_id = user_id
        assert "Nothing accepted" in send_test(admin, closed_port()).get_data(as_text=True)
    assert "Nothing accepted" in send_test(sam, closed_port()).get_data(as_text=True)
    assert "You tried 1" in send_test(sam, closed_port()).get_data(as_text=True)


def test_a_limit_of_zero_lifts_it_for_everyone(sam, app):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 1
    send_test(sam, closed_port())
    assert "You tried 1" in send_test(sam, closed_port()).get_data(as_text=True)
    app.config["NEW_MAIL_SERVER_LIMIT"] = 0
    for _ in range(3):
        assert "Nothing accepted" in send_test(sam, closed_port()).get_data(as_text=True)


def test_no_transaction_is_open_while_a_known_server_is_talked_to(sam, app, invoice_id):
    app.config["MAIL_TIMEOUT"] = 2.0
    with Announcing() as server:
        save_smtp(sam, server.port)
        with app.app_context():
            db.session.add(KnownMailServer(user_id=sam.user_id, host="127.0.0.1",
                                           port=server.port))
            db.session.commit()
        server.accepted.clear()  # Save's own check came first: wait for the send's connection
        results: list[str] = []
        sender = threading.Thread(target=lambda: results.append(email_document(sam, invoice_id)))
        sender.start()
        try:
            assert server.accepted.wait(10)
            assert_no_transaction_is_open(app)
        finally:
            sender.join(10)
    assert "No answer" in results[0]


# The office's list of allowed mail hosts.

def test_allowed_hosts_match_exact_names_and_subdomains(app):
    app.config["MAIL_ALLOWED_HOSTS"] = ["smtp.office365.com", "*.example.com"]
    with app.app_context():
        assert servers.is_allowed("SMTP.Office365.com.")
        assert servers.is_allowed("mail.example.com") and servers.is_allowed("a.b.example.com")
        assert not servers.is_allowed("example.com")
        assert not servers.is_allowed("evilexample.com")
        assert not servers.is_allowed("smtp.office365.com.evil.org")
        assert servers.not_allowed_message() == ("This office sends mail only through "
                                                 "smtp.office365.com or any server under "
                                                 "example.com: enter one of those.")
        app.config["MAIL_ALLOWED_HOSTS"] = "smtp.office365.com"  # one name, not in a list
        assert servers.is_allowed("smtp.office365.com") and not servers.is_allowed("s")
        app.config["MAIL_ALLOWED_HOSTS"] = []
        assert servers.is_allowed("anything.internal")


def test_a_host_the_office_does_not_allow_is_refused_at_the_field(sam, app, plain_smtp):
    app.config["MAIL_ALLOWED_HOSTS"] = ["localhost"]
    saved = save_smtp(sam, plain_smtp.port, host="127.0.0.1")
    assert saved.status_code == 422
    assert "This office sends mail only through localhost" in saved.get_data(as_text=True)
    tested = send_test(sam, plain_smtp.port, host="db.internal")
    assert tested.status_code == 422 and "only through localhost" in tested.get_data(as_text=True)
    assert "It works" in send_test(sam, plain_smtp.port, host="localhost").get_data(as_text=True)


def test_a_host_saved_before_the_list_is_refused_when_sending(sam, app, invoice_id, plain_smtp):
    assert "Saved" in save_smtp(sam, plain_smtp.port).get_data(as_text=True)
    app.config["MAIL_ALLOWED_HOSTS"] = ["smtp.office365.com"]
    html = email_document(sam, invoice_id)
    assert "Not sent" in html and "not one of the mail servers this office allows" in html
    assert "smtp.office365.com" in html and plain_smtp.messages == []
    [message] = records(app)
    assert message.status == "failed" and message.error_step == "settings"
