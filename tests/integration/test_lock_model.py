"""The lock model: pages never wait for a writer, viewing a page writes nothing, and no
network call (SMTP, Google, Microsoft, DNS) or PDF render runs inside a transaction.
Real SMTP server, Google/Microsoft stand-ins and DNS server; SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text, update

from tests.conftest import Htmx, sam_with_smtp
from tests.support.api_accounts import choose, connect
from tests.support.office import first_document, send
from tests.support.watching import assert_no_transaction_is_open
from webpanel.database import make_engine, utcnow
from webpanel.extensions import db
from webpanel.oauth.models import OAuthAccount
from webpanel.outbox.models import Message

pytestmark = pytest.mark.renders_pdfs  # watches each render happen outside a transaction

WRITE_WHILE_READING = "a write inside a read transaction"
FAST = 5.0  # seconds; the busy timeout a page used to wait for is 15


@pytest.fixture
def office(emulated, user_client, user_id, plain_smtp):
    """Sam, signed in, with sample documents, sending through the local SMTP server."""
    return sam_with_smtp(emulated, user_client, user_id, plain_smtp)


@contextmanager
def writer(app) -> Iterator[None]:
    """Another connection in an open write transaction (SQLite: holding the write lock)."""
    engine = make_engine(app.config["DATABASE_URL"])
    connection = engine.connect()
    transaction = connection.begin()  # outside a request: BEGIN IMMEDIATE on SQLite
    connection.execute(text("UPDATE email_settings SET signature = 'being saved'"))
    connection.execute(text("UPDATE documents SET notes = notes"))
    yield
    transaction.rollback()
    connection.close()
    engine.dispose()


def pages(hx, app) -> list[str]:
    """Every page a person opens in a day (and the fragments htmx fetches)."""
    invoice = first_document(app, "invoice")
    with app.app_context():
        customer = db.session.scalar(text("SELECT min(id) FROM contacts"))
    uid = hx.user_id
    return [f"/users/{uid}/email/{tab}" for tab in ("general", "smtp", "gmail", "outlook")] + [
        f"/users/{uid}/email/smtp/test", "/documents/invoices/",
        f"/documents/{invoice.id}", f"/documents/{invoice.id}/edit",
        f"/documents/{invoice.id}/pdf", f"/documents/{invoice.id}/email",
        f"/documents/{invoice.id}/emails", "/documents/invoices/new", "/customers/",
        f"/customers/{customer}/edit", "/vendors/", "/sent", "/"]


def timed(call) -> tuple[float, object]:
    started = time.monotonic()
    response = call()
    return time.monotonic() - started, response


def test_pages_answer_at_once_while_another_connection_writes(office, emulated):
    urls = pages(office, emulated)
    with writer(emulated):
        for url in urls:
            seconds, response = timed(lambda u=url: office.get(u))
            assert response.status_code == 200, (url, response.status_code)
            assert seconds < FAST, (url, seconds)


def test_live_previews_take_no_write_lock(office, emulated, admin_client):
    invoice = first_document(emulated, "invoice")
    admin = Htmx(admin_client, "/email-templates/invoices/")
    with writer(emulated):
        seconds, response = timed(lambda: office.post(
            f"/documents/{invoice.id}/lines?live=1", {
                "date": "2026-11-02", "tax_rate": "10", "lines-0-description": "Work",
                "lines-0-quantity": "2", "lines-0-unit_price": "50"}))
        assert response.status_code == 200 and "110" in response.get_data(as_text=True)
        assert seconds < FAST
        seconds, response = timed(lambda: admin.post("/email-templates/invoices/preview", {
            "subject": "Invoice {{ document.number }}", "body": "Dear {{ contact.person }}"}))
        assert response.status_code == 200 and "Invoice INV-" in response.get_data(True)
        assert seconds < FAST


def test_viewing_pages_writes_nothing(office, emulated, caplog):
    caplog.set_level(logging.WARNING, "webpanel.database")
    with emulated.app_context():
        before = db.session.scalar(text("SELECT count(*) FROM messages"))
    for url in pages(office, emulated):
        assert office.get(url).status_code == 200
    assert [r.getMessage() for r in caplog.records if WRITE_WHILE_READING in r.getMessage()] == []
    with emulated.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM messages")) == before


def test_the_sign_in_callback_writes_in_its_own_write_transaction(office, emulated, google,
                                                                 caplog):
    caplog.set_level(logging.WARNING, "webpanel.database")
    response, _ = connect(office, google, "google")
    assert response.status_code == 302
    assert not [r for r in caplog.records if WRITE_WHILE_READING in r.getMessage()]
    with emulated.app_context():
        assert db.session.scalar(select(OAuthAccount.email)) == "sam@example.com"


def test_an_expired_sign_in_ends_on_a_page_in_its_own_write_transaction(app, user_client,
                                                                         caplog):
    caplog.set_level(logging.WARNING, "webpanel.database")
    with app.app_context():
        db.session.execute(text("UPDATE login_sessions SET created_at = '2000-01-01'"))
        db.session.commit()
    assert user_client.get("/sent").status_code == 302  # to the sign-in page
    assert not [r for r in caplog.records if WRITE_WHILE_READING in r.getMessage()]
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM login_sessions")) == 0


def test_a_get_that_writes_unmarked_is_reported(app, caplog):
    """The guard that finds a page writing on the way (here: a write made on purpose)."""
    caplog.set_level(logging.WARNING, "webpanel.database")
    with app.test_request_context("/documents/", method="GET"):
        db.session.execute(text("UPDATE users SET is_admin = is_admin"))
        db.session.rollback()
    assert any(WRITE_WHILE_READING in r.getMessage() and "GET /documents/" in r.getMessage()
               for r in caplog.records)


# No network call and no PDF render inside a transaction.

def test_sending_a_document_and_retry_hold_no_transaction(office, emulated, watch):
    invoice = first_document(emulated, "invoice")
    office.smtp.stop()
    assert "Not sent" in send(office, invoice.id)
    office.smtp.start()
    with emulated.app_context():
        record = db.session.scalar(select(Message))
    assert "Sent." in office.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert watch.inside == [] and len(watch.outside) >= 3  # connect x2, the PDF render


def test_send_test_holds_no_transaction(office, watch):
    html = office.post(f"/users/{office.user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(office.smtp.port),
        "smtp_security": "none", "smtp_username": "user", "test_to": "pat@example.org",
        "test_subject": "Test"}).get_data(as_text=True)
    assert "It works" in html
    assert watch.inside == [] and watch.outside


@pytest.mark.parametrize(("provider", "method", "tab"), [
    ("google", "gmail", "gmail"), ("microsoft", "outlook", "outlook")])
def test_sign_in_refresh_send_and_de_authorize_hold_no_transaction(office, emulated, watch,
                                                                   provider, method, tab,
                                                                   request):
    emulator = request.getfixturevalue(provider)
    response, _ = connect(office, emulator, provider)  # code exchange, userinfo or /me
    assert response.status_code == 302
    choose(office, method)
    with emulated.app_context():
        db.session.execute(update(OAuthAccount).values(expires_at=utcnow()))
        db.session.commit()
    emulator.expire_access_tokens()
    assert "Sent." in send(office, first_document(emulated, "invoice").id)  # refresh, send
    office.post(f"/users/{office.user_id}/email/{tab}/deauthorize", {})  # revoke at Google
    calls = [what for what in watch.outside if what.startswith("connect")]
    assert watch.inside == [] and len(calls) >= 4


def test_the_mx_look_up_holds_no_transaction(office, emulated, mx_server, watch):
    mx_server.records["acme-office.example"] = [(0, "acme.mail.protection.outlook.com")]
    emulated.config.update(DNS_NAMESERVERS=[mx_server.host], DNS_PORT=mx_server.port)
    office.post(f"/users/{office.user_id}/email/general", {"address": "zoe@acme-office.example"})
    html = office.post(f"/users/{office.user_id}/email/smtp/recommended", {
        "send_using": "smtp", "smtp_security": "tls"}).get_data(as_text=True)
    assert "smtp.office365.com" in html
    assert watch.inside == [] and any(w.startswith("sendto") or w.startswith("connect")
                                      for w in watch.outside)


def test_view_pdf_and_the_email_dialog_render_outside_a_transaction(office, emulated, watch):
    invoice = first_document(emulated, "invoice")
    assert office.get(f"/documents/{invoice.id}/pdf").status_code == 200
    order = first_document(emulated, "sales_order")
    assert re.search(r"SO-\d+", office.get(f"/documents/{order.id}/email").get_data(True))
    assert watch.inside == [] and len([w for w in watch.outside if "PDF" in w]) == 2


def test_a_slow_token_endpoint_holds_no_lock(office, emulated, google):
    """While Google takes its time over a refresh, another writer gets in at once."""
    emulated.config["MAIL_TIMEOUT"] = 5.0
    connect(office, google, "google")
    choose(office, "gmail")
    with emulated.app_context():
        db.session.execute(update(OAuthAccount).values(expires_at=utcnow()))
        db.session.commit()
    arrived, noted = threading.Event(), google.on_request

    def on_request(record) -> None:
        noted(record)
        if record.grant_type == "refresh_token":
            arrived.set()

    google.on_request = on_request
    google.fail_next("token", "slow", delay=1.5)
    results: list[str] = []
    invoice = first_document(emulated, "invoice")
    sender = threading.Thread(target=lambda: results.append(send(office, invoice.id)))
    sender.start()
    try:
        assert arrived.wait(20)
        assert_no_transaction_is_open(emulated)
    finally:
        sender.join(30)
    assert "Sent." in results[0]
