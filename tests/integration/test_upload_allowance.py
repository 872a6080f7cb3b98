"""A large message gets more time on a slow upload link: MAIL_TIMEOUT, plus its size over
MAIL_UPLOAD_RATE, up to half of WORKER_TIMEOUT in all. Servers here read the message at a set
rate (a real SMTP server and a real HTTP server on 127.0.0.1), so a message of 400 kB read at
200 kB/s takes at least 2 s: it fails within a 1 s deadline and goes with the allowance."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import sam_with_smtp
from tests.support.drip import SlowHttpServer, SlowSmtpServer
from tests.support.office import first_document, messages, send
from webpanel.extensions import db
from webpanel.mail import deadline
from webpanel.mail.deadline import Upload
from webpanel.mail.smtp import SmtpConfig, SmtpTransport
from webpanel.mailbase import MailError, Outgoing
from webpanel.settings import services as settings_services
from webpanel.settings.models import EmailSettings

READ_RATE = 200_000  # bytes per second the servers read
SIZE = 400_000  # at least 2 s at READ_RATE
ROOMY = Upload(rate=100_000, most=10)  # 4 s more for SIZE: twice what it needs


def message(size: int = SIZE) -> Outgoing:
    line = b"x" * 998 + b"\r\n"
    body = b"Subject: large\r\nMessage-ID: <large@example.com>\r\n\r\n" + line * (size // 1000)
    return Outgoing(body, "sam@example.com", ("pat@example.org",))


@pytest.fixture
def slow_smtp():
    with SlowSmtpServer(rate=READ_RATE) as server:
        yield server


def smtp(server: SlowSmtpServer, upload: Upload = deadline.NO_UPLOAD) -> SmtpTransport:
    return SmtpTransport(SmtpConfig("127.0.0.1", server.port, "none", "user", "secret",
                                    timeout=1, upload=upload))


def test_without_an_allowance_a_slow_upload_fails_and_says_what_to_do(slow_smtp):
    with pytest.raises(MailError) as caught:
        smtp(slow_smtp).send(message())
    assert caught.value.step == "message"
    assert caught.value.reason == f"No answer from 127.0.0.1 port {slow_smtp.port} within 1 second."
    assert "A large message needs a fast enough upload" in caught.value.hint


def test_with_the_allowance_the_same_message_goes_whole(slow_smtp):
    outgoing = message()
    result = smtp(slow_smtp, ROOMY).send(outgoing)
    assert result.reply == "250 queued"
    assert slow_smtp.messages == [outgoing.data]


def test_the_allowance_has_a_ceiling_that_the_message_names(slow_smtp):
    with pytest.raises(MailError) as caught:
        smtp(slow_smtp, Upload(rate=100_000, most=0.5)).send(message())
    assert caught.value.reason.endswith("within 1.5 seconds.")


def test_small_messages_get_no_more_time_than_before():
    assert Upload(rate=125_000, most=20).seconds(12_500) == pytest.approx(0.1)
    assert Upload(rate=125_000, most=20).seconds(25_000_000) == 20
    assert Upload(rate=0, most=20).seconds(25_000_000) == 0


def test_an_http_upload_gets_the_allowance_too():
    body = b"m" * SIZE
    with SlowHttpServer(rate=READ_RATE) as server:
        with deadline.session(1) as bare, pytest.raises(requests.Timeout):
            bare.post(server.url + "send", data=body)
        with deadline.session(1, ROOMY) as roomy:
            answer = roomy.post(server.url + "send", data=body)
    assert answer.status_code == 200 and answer.json() == {"id": "slow-1"}
    assert server.bodies[-1] == body


def test_the_panel_gives_sends_the_configured_allowance(app, user_id):
    app.config.update(MAIL_TIMEOUT=10.0, WORKER_TIMEOUT=60.0, MAIL_UPLOAD_RATE=50_000)
    with app.app_context():
        settings = db.session.get(EmailSettings, user_id) or EmailSettings(user_id=user_id)
        settings.smtp_server, settings.smtp_port, settings.smtp_security = "127.0.0.1", 25, "none"
        transport = settings_services.smtp_transport(settings)
    assert transport.config.upload == Upload(rate=50_000, most=20.0)  # 30 s in all


LINK_RATE = 30_000  # bytes per second: the sample invoice's email (about 65 kB) takes 2 s


@pytest.fixture
def slow_link(app, user_client, user_id):
    """Sam sending through a server that reads at LINK_RATE, with MAIL_TIMEOUT 1 s and room
    for twice that slow a link."""
    with SlowSmtpServer(rate=LINK_RATE) as server:
        app.config.update(MAIL_TIMEOUT=1.0, MAIL_UPLOAD_RATE=LINK_RATE // 2)
        yield sam_with_smtp(app, user_client, user_id, server)


def test_an_invoice_goes_through_a_slow_link(app, slow_link):
    html = send(slow_link, first_document(app, "invoice").id)
    [record] = messages(app)
    assert record.status == "sent", html
    assert len(slow_link.smtp.messages) == 1 and len(slow_link.smtp.messages[0]) > 2 * LINK_RATE


def test_without_the_allowance_the_invoice_fails_with_retry_and_the_hint(app, slow_link):
    app.config["MAIL_UPLOAD_RATE"] = 0
    html = send(slow_link, first_document(app, "invoice").id)
    [record] = messages(app)
    assert record.status == "failed" and record.error_step == "message"
    assert "A large message needs a fast enough upload" in html and "Retry" in html

