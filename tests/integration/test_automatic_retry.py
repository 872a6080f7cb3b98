"""Automatic retry: a failure that may pass (nothing listening, a server's 4xx) waits and goes
again by itself, saying when and which attempt; a refusal for good, or a failure while the
message was being handed over with no answer, stops at once with Retry. Jobs run where they are
queued (immediate mode), so a sweep at a later time stands in for the worker's clock; the real
worker processes are in test_worker_sending.py. Real SMTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.support.office import first_document, messages, send
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.outbox import dispatch, services
from webpanel.outbox.models import Message


@pytest.fixture
def retrying(office):
    """Six attempts, 1 minute then 5 minutes apart."""
    office.config.update(SEND_ATTEMPTS=6, SEND_RETRY_SECONDS=(60, 300))
    return office


def sweep_after(app, seconds: float) -> int:
    """Let `seconds` pass for every message (their times move back), then run the sweeper."""
    earlier = timedelta(seconds=seconds)
    with app.app_context():
        for row in db.session.execute(select(Message.id, Message.updated_at, Message.due_at)):
            db.session.execute(update(Message).where(Message.id == row.id).values(
                updated_at=row.updated_at - earlier,
                due_at=row.due_at and row.due_at - earlier))
        db.session.commit()
        return dispatch.sweep()


def test_nothing_listening_waits_then_goes_by_itself_once(sam, retrying):
    sam.smtp.stop()
    invoice = first_document(retrying, "invoice")
    before = utcnow()
    html = send(sam, invoice.id)
    after = utcnow()
    assert "Not sent yet: will try again at" in html and "(attempt 2 of 6)" in html
    assert "Nothing accepted the connection" in html and "nothing is lost" in html
    [record] = messages(retrying)
    assert record.status == "queued" and record.attempts == 1
    assert before + timedelta(seconds=60) <= record.due_at <= after + timedelta(seconds=60)
    assert "Queued" in sam.get("/sent").get_data(as_text=True)

    assert sweep_after(retrying, 30) == 0  # not due yet: nothing tried
    assert messages(retrying)[0].attempts == 1
    assert sweep_after(retrying, 60 + 130) == 1  # due, and its job was lost: tried again
    [record] = messages(retrying)
    assert record.status == "queued" and record.attempts == 2  # still down: 5 minutes next
    assert timedelta(seconds=290) < record.due_at - utcnow() <= timedelta(seconds=300)

    sam.smtp.start()
    assert sweep_after(retrying, 300 + 130) == 1
    [record] = messages(retrying)
    assert record.status == "sent" and record.attempts == 3 and record.due_at is None
    assert len(sam.smtp.wait_for_messages(1)) == 1
    assert sweep_after(retrying, 3600) == 0 and len(sam.smtp.messages) == 1


def test_the_last_attempt_ends_failed_with_retry(sam, retrying):
    retrying.config.update(SEND_ATTEMPTS=2)
    sam.smtp.stop()
    send(sam, first_document(retrying, "invoice").id)
    assert messages(retrying)[0].status == "queued"
    sweep_after(retrying, 60 + 130)
    [record] = messages(retrying)
    assert record.status == "failed" and record.attempts == 2 and record.error_step == "connect"
    html = sam.get(f"/sent/{record.id}").get_data(as_text=True)
    assert "Nothing accepted the connection" in html and ">Retry<" in html


def test_a_servers_temporary_refusal_is_tried_again(sam, retrying):
    sam.smtp.users = {"user": "other"}  # the sign-in fails, with 454: "try again later"
    sam.smtp.auth_failure_code, sam.smtp.auth_failure_reply = 454, "4.7.0 Try again later"
    html = send(sam, first_document(retrying, "invoice").id)
    assert "will try again at" in html and "(attempt 2 of 6)" in html
    assert "could not check the sign-in just now" in html
    assert messages(retrying)[0].status == "queued"


@pytest.mark.parametrize("refusal", ["recipient", "sign-in"])
def test_a_refusal_for_good_stops_at_once(sam, retrying, refusal):
    if refusal == "recipient":
        sam.smtp.refuse_recipients.add(first_document(retrying, "invoice").contact.email)
    else:
        sam.smtp.users = {"user": "other"}  # 535: the password is wrong
    html = send(sam, first_document(retrying, "invoice").id)
    assert "Not sent" in html and "will try again" not in html
    [record] = messages(retrying)
    assert record.status == "failed" and record.attempts == 1 and record.due_at is None
    assert sweep_after(retrying, 86_400) == 0 and not sam.smtp.messages


def test_a_connection_lost_while_handing_over_is_not_tried_again_by_itself(sam, retrying):
    sam.smtp.drop_during_data = True  # the message may have gone: a person decides
    html = send(sam, first_document(retrying, "invoice").id)
    assert "Not sent" in html and "will try again" not in html
    assert messages(retrying)[0].status == "failed"


def test_retry_sends_a_waiting_message_now(sam, retrying):
    sam.smtp.stop()
    send(sam, first_document(retrying, "invoice").id)
    [record] = messages(retrying)
    sam.smtp.start()
    html = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Sent." in html and len(sam.smtp.wait_for_messages(1)) == 1
    assert messages(retrying)[0].status == "sent" and messages(retrying)[0].attempts == 2
    assert sweep_after(retrying, 3600) == 0 and len(sam.smtp.messages) == 1


def test_a_job_that_breaks_before_sending_ends_failed_with_retry(sam, retrying, monkeypatch):
    def broken(*_args):
        raise ValueError("damaged record")

    monkeypatch.setattr(services, "stored_outgoing", broken)
    html = send(sam, first_document(retrying, "invoice").id)
    assert "Something unexpected went wrong in the panel" in html and ">Retry<" in html
    [record] = messages(retrying)
    assert record.status == "failed" and not sam.smtp.messages


def test_the_home_page_lists_a_message_waiting_for_its_retry_with_retry(sam, retrying):
    sam.smtp.stop()
    send(sam, first_document(retrying, "invoice").id)
    [record] = messages(retrying)
    html = sam.get("/").get_data(as_text=True)
    assert "Not sent yet" in html and "tries again by itself at" in html
    assert f"/sent/{record.id}/retry" in html
