"""A compose dialog's key belongs to its person: another's key sends a new message of one's own,
never a 500, never the other's message; the migration keeps every message."""

from __future__ import annotations

import re

import pytest
from alembic import command
from sqlalchemy import func, select, text

from tests.conftest import Htmx
from webpanel import create_app, migrate
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox.models import Message

KEY_RE = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


def configure(hx, user_id: int, address: str, smtp) -> None:
    hx.post(f"/users/{user_id}/email/general", {"address": address})
    hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})


@pytest.fixture
def two_people(app, user_client, user_id, admin_client, admin_id, plain_smtp):
    with app.app_context():
        load_sample_data()
    sam = Htmx(user_client, f"/users/{user_id}/email/general")
    anna = Htmx(admin_client, f"/users/{admin_id}/email/general")
    configure(sam, user_id, "sam@example.com", plain_smtp)
    configure(anna, admin_id, "anna@example.com", plain_smtp)
    return sam, anna


def post_dialog(hx, key: str, subject: str):
    return hx.post("/documents/1/email", {"to": "pat@example.org", "subject": subject,
                                          "body": "Hello", "idempotency_key": key})


def test_another_persons_key_sends_a_new_message_of_ones_own(app, two_people, plain_smtp):
    sam, anna = two_people
    key = KEY_RE.search(sam.get("/documents/1/email").get_data(as_text=True)).group(1)
    assert "Sent." in post_dialog(sam, key, "Sam's private subject").get_data(as_text=True)
    response = post_dialog(anna, key, "Anna's own subject")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sent." in html
    assert "Sam&#39;s private subject" not in html and "Sam's private subject" not in html
    received = plain_smtp.wait_for_messages(2)
    assert sorted(m.parsed()["Subject"] for m in received) == ["Anna's own subject",
                                                               "Sam's private subject"]
    with app.app_context():
        rows = db.session.scalars(select(Message).order_by(Message.id)).all()
        assert [(r.subject, r.status) for r in rows] == [("Sam's private subject", "sent"),
                                                         ("Anna's own subject", "sent")]
        assert rows[0].user_id != rows[1].user_id


def test_the_same_persons_key_still_sends_once(app, two_people, plain_smtp):
    sam, _anna = two_people
    key = KEY_RE.search(sam.get("/documents/1/email").get_data(as_text=True)).group(1)
    post_dialog(sam, key, "Once")
    assert "Sent." in post_dialog(sam, key, "Once").get_data(as_text=True)
    assert len(plain_smtp.wait_for_messages(1)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 1


@pytest.mark.sqlite_only("builds its own SQLite database from revision 0010")
def test_the_upgrade_keeps_every_message_and_makes_keys_per_person(instance_dir):
    app = create_app({"TESTING": True})
    with app.app_context():
        migrate.upgrade(app, "0010")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, email, password_hash, is_admin, created_at)"
                              " VALUES (1, 'a@x.org', 'h', 0, '2026-01-01'),"
                              " (2, 'b@x.org', 'h', 0, '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO messages (user_id, idempotency_key, method, status, subject,"
                " from_header, envelope_from, to_addrs, cc_addrs, bcc_addrs, document_label,"
                " size, attachment_count, reply, provider_id, error_step, error_reason,"
                " error_hint, attempts, created_at, updated_at) VALUES (1, 'keyeeeeeeeeeeeeeee',"
                " 'smtp', 'sent', 'kept', '', '', '', '', '', '', 0, 0, '', '', '', '', '', 1,"
                " '2026-01-01', '2026-01-01')"))
            conn.execute(text("INSERT INTO message_bodies (message_id, mime) SELECT id, :mime"
                              " FROM messages"), {"mime": b"Subject: kept\r\n\r\nbody"})
        migrate.upgrade(app, "0011")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO messages (user_id, idempotency_key, method, status, subject,"
                " from_header, envelope_from, to_addrs, cc_addrs, bcc_addrs, document_label,"
                " size, attachment_count, reply, provider_id, error_step, error_reason,"
                " error_hint, attempts, created_at, updated_at) SELECT 2, idempotency_key,"
                " method, status, 'other', from_header, envelope_from, to_addrs, cc_addrs,"
                " bcc_addrs, document_label, size, attachment_count, reply, provider_id,"
                " error_step, error_reason, error_hint, attempts, created_at, updated_at"
                " FROM messages"))
            rows = conn.execute(text("SELECT user_id, idempotency_key, subject FROM messages"
                                     " ORDER BY id")).all()
        assert [(r[0], r[2]) for r in rows] == [(1, "kept"), (2, "other")]
        assert rows[0][1] == rows[1][1]
        with db.engine.connect() as conn:  # the exact bytes survive the table's rebuild
            assert conn.execute(text("SELECT mime FROM message_bodies")).scalars().all() == [
                b"Subject: kept\r\n\r\nbody"]
        command.downgrade(migrate.alembic_config(app), "0010")  # shared keys made distinct
        with db.engine.connect() as conn:
            keys = conn.execute(text("SELECT idempotency_key FROM messages ORDER BY id")).scalars()
            assert len(set(keys)) == 2
            assert conn.execute(text("SELECT count(*) FROM message_bodies")).scalar() == 1
    app.extensions["webpanel.engine"].dispose()
