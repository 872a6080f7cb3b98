# ruff: noqa: F811  (the stacks' fixtures are imported and used by name)
"""Sending through real `flask worker` processes: the Email dialog's message goes by a worker
to a real SMTP server, waits safely while no worker runs, survives a worker killed in the
middle of a send without ever going twice, goes once at its time across a restart, is retried
by itself when the failure may pass, and is found again by the sweeper when its job was lost.

Each test runs on two stacks: the SQLite database with the queue file beside it, and
PostgreSQL with Redis (with --database=postgresql the first runs on PostgreSQL too). The
panel and its workers share the instance folder's config.py (short heartbeats and retries).
"""

from __future__ import annotations

import email
import email.policy
import secrets
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import Htmx, sam_with_smtp, sign_in
from tests.support import stacks
from tests.support.office import first_document, send
from tests.support.sent_mail import last_message
from tests.support.workers import wait_for
from webpanel import worker
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mail import builder
from webpanel.outbox import dispatch, records, services
from webpanel.outbox.models import Message, MessageBody
from webpanel.settings import services as settings_services

#: The two stacks (tests/support/stacks.py): SQLite and the queue file, PostgreSQL and Redis.
stack, cluster, database_url, queue_url = (stacks.stack, stacks.cluster, stacks.database_url,
                                          stacks.queue_url)
#: What the panel and its workers read from config.py: beats every 0.2 s (stopped after 0.6),
#: "sending" for over a second shows "unknown", three attempts one second apart.
CONFIG = {"WORKER_HEARTBEAT": 0.2, "SENDING_STALE_AFTER": 1, "SEND_ATTEMPTS": 3,
          "SEND_RETRY_SECONDS": [1], "MAIL_TIMEOUT": 10.0}
STALE = worker.STALE_AFTER_BEATS * CONFIG["WORKER_HEARTBEAT"]
QUEUED_NO_WORKER = "Queued: it goes when the background worker runs."
UNKNOWN = "Unknown – check your mailbox"
#: Long enough ago that the sweeper counts a waiting message's job as lost.
LONG_AGO = dispatch.LOST_AFTER + timedelta(minutes=1)


@pytest.fixture
def app(make_app, instance_dir, queue_url):
    """The panel, not in immediate mode: what it queues waits for a worker process."""
    config = {**CONFIG, **({"QUEUE_URL": queue_url} if queue_url else {})}
    (instance_dir / "config.py").write_text("".join(f"{k} = {v!r}\n" for k, v in config.items()))
    return make_app(WORKER_IMMEDIATE=False, **config)


@pytest.fixture
def running(app, workers):
    """`running(threads=2)`: start a worker and wait until it beats."""

    def start(threads: int = 2):
        process = workers.start(threads)
        wait_for(lambda: worker.running(app), why=workers.log)
        return process

    return start


def record_of(app, message_id: int) -> Message:
    """The message's record as it is now (detached)."""
    with app.app_context():
        message = db.session.get(Message, message_id)
        db.session.expunge(message)
        return message


def status_of(app, message_id: int) -> str:
    """The status a person sees."""
    with app.app_context():
        return records.effective_status(db.session.get(Message, message_id))


def progress(hx, message_id: int) -> str:
    """What the Email dialog shows when it asks how the send stands."""
    return hx.get(f"/sent/{message_id}/progress?in_dialog=1").get_data(as_text=True)


def queue_message(app, user_id: int, subject: str, due_at: datetime | None = None) -> int:
    """Record and queue a message as the Email dialog does (services.send); its id."""
    with app.app_context():
        settings = settings_services.load(user_id)
        draft = builder.Draft(from_name="", from_address=settings.address,
                              to=["pat@example.org"], subject=subject, text="Hello Pat")
        return services.send(settings, draft, secrets.token_urlsafe(16), due_at=due_at).id


def lose_jobs(app, *message_ids: int) -> None:
    """Empty the queue (a Redis restarted, a queue file deleted) and date the messages back
    so the sweeper counts their jobs as lost."""
    worker.queue(app).flush()
    with app.app_context():
        db.session.execute(update(Message).where(Message.id.in_(message_ids))
                           .values(updated_at=utcnow() - LONG_AGO))
        db.session.commit()


def ids_received(server) -> Counter:
    """How many copies of each Message-ID the SMTP server holds."""
    return Counter(received.parsed()["Message-ID"] for received in server.messages)


def ids_recorded(app) -> set[str]:
    """The Message-ID of every recorded message."""
    with app.app_context():
        return {message_id_in(mime) for mime in db.session.scalars(select(MessageBody.mime))}


def message_id_in(mime: bytes) -> str:
    """The Message-ID header of stored MIME bytes."""
    return email.message_from_bytes(mime, policy=email.policy.default)["Message-ID"]


def mime_of(app, message_id: int) -> bytes:
    with app.app_context():
        return records.mime_of(db.session.get(Message, message_id))


def column(app, name: str) -> set:
    """The values of a column over every message, read afresh."""
    with app.app_context():
        return set(db.session.scalars(select(getattr(Message, name))))


def test_a_send_from_the_dialog_goes_by_a_worker_and_the_dialog_then_says_sent(
        app, sam, running, workers):
    sam.smtp.hold_replies = True  # so the dialog's first answer is seen mid-send
    running()
    invoice = first_document(app, "invoice")
    answer = send(sam, invoice.id)
    assert "Sending…" in answer and QUEUED_NO_WORKER not in answer
    [received] = sam.smtp.wait_for_messages(1, timeout=15)
    message, mime = last_message(app)
    assert received.data.rstrip(b"\r\n") == mime.rstrip(b"\r\n")
    assert "Sending…" in progress(sam, message.id)
    sam.smtp.release_replies()
    wait_for(lambda: status_of(app, message.id) == "sent", why=workers.log)
    response = sam.get(f"/sent/{message.id}/progress?in_dialog=1")
    assert "Sent." in response.get_data(as_text=True)
    assert f'"email-sent": {{"document": {invoice.id}}}' in response.headers["HX-Trigger"]
    assert len(sam.smtp.messages) == 1


def test_with_no_worker_the_dialog_says_queued_and_it_goes_once_a_worker_starts(
        app, sam, running, workers):
    answer = send(sam, first_document(app, "invoice").id)
    assert QUEUED_NO_WORKER in answer
    message, _ = last_message(app)
    assert QUEUED_NO_WORKER in progress(sam, message.id)
    assert status_of(app, message.id) == "queued" and sam.smtp.messages == []
    running()
    sam.smtp.wait_for_messages(1, timeout=15)
    wait_for(lambda: status_of(app, message.id) == "sent", why=workers.log)
    assert "Sent." in progress(sam, message.id)
    assert len(sam.smtp.messages) == 1 and record_of(app, message.id).attempts == 1


def test_a_worker_whose_threads_are_all_busy_still_counts_as_running(
        app, sam, running, workers):
    sam.smtp.hold_replies = True
    running()
    for n in range(2):  # one per thread, each held at its last answer
        queue_message(app, sam.user_id, f"Busy {n}")
    sam.smtp.wait_for_messages(2, timeout=15)
    busy_since = time.time()
    # well within MAIL_TIMEOUT, so both sends are still held
    wait_for(lambda: worker.last_heartbeat(app) > busy_since + STALE, timeout=5,
             why=workers.log)
    answer = send(sam, first_document(app, "invoice").id)
    assert "Sending…" in answer and QUEUED_NO_WORKER not in answer
    sam.smtp.release_replies()
    sam.smtp.wait_for_messages(3, timeout=15)
    wait_for(lambda: column(app, "status") == {"sent"}, why=workers.log)
    assert set(ids_received(sam.smtp).values()) == {1} and len(sam.smtp.messages) == 3


def test_a_worker_killed_mid_send_leaves_unknown_and_is_never_sent_again(
        app, sam, running, workers):
    sam.smtp.hold_replies = True  # the server takes the message and holds its 250
    first = running()
    send(sam, first_document(app, "invoice").id)
    victim, _ = last_message(app)
    sam.smtp.wait_for_messages(1, timeout=15)
    assert status_of(app, victim.id) == "sending"
    first.kill()
    first.wait(10)
    sam.smtp.release_replies()
    wait_for(lambda: UNKNOWN in progress(sam, victim.id))
    assert ">Retry</button>" in progress(sam, victim.id)
    # Another message whose job was lost: the next worker's start-up sweep sends it, so once
    # it arrives that sweep has run (and passed the unknown one by).
    witness = queue_message(app, sam.user_id, "Witness")
    lose_jobs(app, witness)
    running()
    wait_for(lambda: status_of(app, witness) == "sent", why=workers.log)
    received = ids_received(sam.smtp)
    assert received[message_id_in(mime_of(app, victim.id))] == 1
    assert sum(received.values()) == 2
    assert UNKNOWN in progress(sam, victim.id) and record_of(app, victim.id).attempts == 1


PEOPLE, EACH = 5, 40


def test_two_workers_deliver_200_messages_of_several_people_once_each(
        app, make_user, admin_id, plain_smtp, running, workers):
    people = []
    for n in range(PEOPLE):
        people.append(make_user(f"person{n}@example.com"))
        client = app.test_client()
        assert sign_in(client, f"person{n}@example.com").status_code == 302
        hx = Htmx(client, f"/users/{people[-1]}/email/general")
        hx.post(f"/users/{people[-1]}/email/general", {"address": f"person{n}@example.com"})
        hx.post(f"/users/{people[-1]}/email/smtp", {
            "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
            "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    ids = [queue_message(app, person, f"Invoice {k} of {n}") for k in range(EACH)
           for n, person in enumerate(people)]
    running()
    running()
    plain_smtp.wait_for_messages(PEOPLE * EACH, timeout=60)
    wait_for(lambda: column(app, "status") == {"sent"}, why=workers.log)
    received = ids_received(plain_smtp)
    assert len(ids) == PEOPLE * EACH and set(received) == ids_recorded(app)
    assert set(received.values()) == {1} and column(app, "attempts") == {1}
    senders = Counter(m.mail_from for m in plain_smtp.messages)
    assert senders == {f"person{n}@example.com": EACH for n in range(PEOPLE)}


def test_a_scheduled_message_goes_once_at_its_time_across_a_worker_restart(
        app, sam, running, workers):
    first = running()
    due = utcnow() + timedelta(seconds=3)
    message_id = queue_message(app, sam.user_id, "Later", due_at=due)
    assert "Scheduled for" in progress(sam, message_id)
    wait_for(lambda: worker.queue(app).scheduled_count() == 1)  # the worker holds it
    first.kill()
    first.wait(10)
    assert sam.smtp.messages == [] and utcnow() < due
    running()
    [received] = sam.smtp.wait_for_messages(1, timeout=15)
    assert received.received_at >= due.replace(tzinfo=UTC).timestamp()
    wait_for(lambda: status_of(app, message_id) == "sent", why=workers.log)
    assert len(sam.smtp.messages) == 1 and record_of(app, message_id).attempts == 1


def test_a_failure_that_may_pass_is_retried_by_the_worker_and_goes_once(
        app, user_client, user_id, smtp_server_factory, running, workers):
    down = smtp_server_factory(start=False)  # its port is known; nothing listens yet
    sam = sam_with_smtp(app, user_client, user_id, down)
    running()
    send(sam, first_document(app, "invoice").id)
    message, _ = last_message(app)

    def waits_for_retry() -> bool:
        record = record_of(app, message.id)
        return record.status == "queued" and record.due_at is not None

    wait_for(waits_for_retry, why=workers.log)
    waiting = record_of(app, message.id)
    shown = progress(sam, message.id)
    assert "Not sent yet: will try again at" in shown and waiting.error_reason
    assert waiting.error_reason.split(".")[0] in shown.replace("&#39;", "'")
    down.start()
    wait_for(lambda: status_of(app, message.id) == "sent", why=workers.log)
    assert len(down.wait_for_messages(1)) == 1
    assert record_of(app, message.id).attempts in (2, 3)
    assert "Sent." in progress(sam, message.id)


@pytest.mark.parametrize("stack", ["sqlite"], indirect=True)
def test_a_permanent_refusal_fails_at_once_without_a_retry(app, sam, running, workers):
    invoice = first_document(app, "invoice")
    sam.smtp.refuse_recipients = {invoice.contact.email}
    running()
    send(sam, invoice.id)
    message, _ = last_message(app)
    wait_for(lambda: status_of(app, message.id) == "failed", why=workers.log)
    record = record_of(app, message.id)
    assert record.attempts == 1 and record.due_at is None and not record.retry_helps
    assert "Retry cannot help" in progress(sam, message.id)
    assert sam.smtp.messages == []


def test_a_message_whose_job_was_lost_goes_by_the_start_up_sweep(app, sam, running, workers):
    message_id = queue_message(app, sam.user_id, "Lost job")
    lose_jobs(app, message_id)
    assert worker.queue(app).pending_count() == 0
    running()
    sam.smtp.wait_for_messages(1, timeout=15)
    wait_for(lambda: status_of(app, message_id) == "sent", why=workers.log)
    assert len(sam.smtp.messages) == 1


LOST = 30


def test_two_sweeps_at_once_queue_each_lost_message_once(app, sam, running, workers):
    ids = [queue_message(app, sam.user_id, f"Lost {n}") for n in range(LOST)]
    lose_jobs(app, *ids)
    now, start, counts = utcnow(), threading.Barrier(2), []

    def sweep() -> None:
        with app.app_context():
            start.wait(5)
            counts.append(dispatch.sweep(now))

    sweepers = [threading.Thread(target=sweep) for _ in range(2)]
    for sweeper in sweepers:
        sweeper.start()
    for sweeper in sweepers:
        sweeper.join(30)
    assert sum(counts) == LOST  # each lost message to one sweep
    assert worker.queue(app).pending_count() == LOST
    with app.app_context():  # swept again at once: their wait started over
        assert dispatch.sweep(now) == 0
    running()
    running()
    sam.smtp.wait_for_messages(LOST, timeout=30)
    wait_for(lambda: column(app, "status") == {"sent"}, why=workers.log)
    assert column(app, "attempts") == {1}
    assert set(ids_received(sam.smtp).values()) == {1} and len(sam.smtp.messages) == LOST
