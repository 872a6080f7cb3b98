"""Whether the background worker runs, as people see it: the home page and Sent mail say when
it has not run (since when, or never) and what to do, in words for administrators and for
the others; the Users page shows an administrator its heartbeat and the queue (messages
waiting, due now, the one due the longest). Apps here are not in immediate mode: a real queue,
and a real `flask worker` where it matters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from tests.support.documents import text_of
from tests.support.smtpd import closed_port
from tests.support.workers import wait_for
from webpanel import timefmt, worker
from webpanel.database import utcnow
from webpanel.documents.models import Document
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox.models import Message

#: Short heartbeats so "stale" comes within a second (three missed beats).
BEAT = 0.2
NEVER = ("The background worker has never run, so emails wait and bounce reports are not "
         "read.")
ADMIN_WORDS = ("Start it with flask --app wsgi worker beside the web server (make run starts "
               "both). Nothing is lost: waiting emails go as soon as it runs. See what is "
               "waiting")
USER_WORDS = ("Nothing is lost: your emails go as soon as it runs. Tell your administrator: "
              "they start it with flask --app wsgi worker (make run starts it).")


def said(client, path: str) -> str:
    """The visible text of a page, as a person reads it (no space after "(" left by <code>)."""
    return text_of(client.get(path)).replace("( ", "(")


@pytest.fixture
def queued(make_app, instance_dir, admin_id, user_id):
    """The panel on a real queue with short heartbeats (a `flask worker` reads the same
    config.py), and clients signed in as the administrator and as Sam."""
    (instance_dir / "config.py").write_text(f"WORKER_HEARTBEAT = {BEAT}\n")
    app = make_app(WORKER_IMMEDIATE=False, WORKER_HEARTBEAT=BEAT)
    app.admin, app.sam = app.test_client(), app.test_client()
    sign_in(app.admin, "admin@example.com")
    sign_in(app.sam, "sam@example.com")
    return app


def test_home_and_sent_mail_say_the_worker_never_ran_and_what_to_do(queued):
    for path in ("/", "/sent"):
        admin, sam = said(queued.admin, path), said(queued.sam, path)
        assert f"The background worker is not running {NEVER} {ADMIN_WORDS}" in admin
        assert f"The background worker is not running {NEVER} {USER_WORDS}" in sam
        assert "See what is waiting" not in sam
    html = queued.admin.get("/").get_data(as_text=True)
    assert 'href="/users/#background-worker">See what is waiting</a>' in html


def test_a_stopped_worker_is_named_with_the_time_it_last_ran(queued, start_worker):  # noqa: F811
    process = start_worker()
    wait_for(lambda: worker.running(queued))
    for path in ("/", "/sent"):
        assert "background worker" not in text_of(queued.sam.get(path))
    assert section(queued.admin).startswith("Background worker Running. Last heartbeat at ")
    process.kill()
    process.wait(timeout=10)
    wait_for(lambda: not worker.running(queued))
    assert section(queued.admin).startswith("Background worker Not running. Last heartbeat at ")
    wait_for(lambda: worker.health(queued).stopped)  # silent for twelve beats: the pages warn
    beat = worker.health(queued).last_beat
    since = timefmt.local(beat, None, "short")
    for path in ("/", "/sent"):
        page = said(queued.sam, path)
        assert (f"The background worker has not run since {since}, so emails wait and bounce "
                "reports are not read.") in page and USER_WORDS in page


def test_a_queue_that_does_not_answer_is_said_not_a_crash(make_app, admin_id):
    app = make_app(WORKER_IMMEDIATE=False, QUEUE_URL=f"redis://127.0.0.1:{closed_port()}/0")
    client = app.test_client()
    sign_in(client, "admin@example.com")
    for path in ("/", "/sent", "/users/"):
        assert client.get(path).status_code == 200
        page = said(client, path)
        assert ("The panel cannot reach the background worker's queue, so emails wait and "
                "bounce reports are not read.") in page
        assert "Check that the queue named in WEBPANEL_QUEUE_URL (Redis) is running" in page


def waiting_message(app, user_id: int, label: str, status: str = "queued",
                    waited: timedelta = timedelta(0), due_in: timedelta | None = None,
                    document_id: int | None = None, key: str = "", attempts: int = 0) -> int:
    """A message waiting for the worker: queued `waited` ago, or due `due_in` from now (after
    `attempts` tries: an automatic retry)."""
    with app.app_context():
        message = Message(user_id=user_id, idempotency_key=key or label, method="smtp",
                          status=status,
                          subject=f"{label} from Acme", document_label=label,
                          to_addrs="ann@customer.example", updated_at=utcnow() - waited,
                          due_at=None if due_in is None else utcnow() + due_in,
                          document_id=document_id, attempts=attempts)
        db.session.add(message)
        db.session.commit()
        return message.id


def section(client) -> str:
    page = text_of(client.get("/users/"))
    return page[page.index("Background worker "):]


def test_the_users_page_shows_the_heartbeat_and_the_queue(queued, admin_id, user_id):
    assert section(queued.admin).startswith("Background worker Not running. It has never run. "
                                            "No message is waiting for it.")
    waiting_message(queued, user_id, "INV-0002", waited=timedelta(minutes=3))
    oldest = waiting_message(queued, user_id, "INV-0001", waited=timedelta(minutes=12))
    waiting_message(queued, user_id, "P-0001", status="scheduled", due_in=timedelta(days=1))
    waiting_message(queued, admin_id, "SO-0001", due_in=timedelta(minutes=5))  # retries later
    with queued.app_context():
        since = timefmt.local(db.session.get(Message, oldest).updated_at, None)
    text = section(queued.admin)
    assert ("4 messages waiting for it; 2 due now (the others are scheduled, or retry later by "
            "themselves).") in text
    assert (f"Due the longest: “INV-0001” to ann@customer.example, sent by sam@example.com, "
            f"due since {since} (12 minutes). Open the Email tab of sam@example.com") in text
    html = queued.admin.get("/users/").get_data(as_text=True)
    assert f'href="/users/{user_id}/email/general">Open the Email tab of sam@' in html
    assert f"/sent/{oldest}" not in html  # a colleague's message is not the admin's to open
    assert queued.sam.get("/users/").status_code in (302, 403)


def test_the_admin_s_own_oldest_message_links_to_it(queued, admin_id):
    own = waiting_message(queued, admin_id, "INV-0001", waited=timedelta(hours=3))
    html = queued.admin.get("/users/").get_data(as_text=True)
    assert f'Due the longest: <a href="/sent/{own}">INV-0001</a> to ann@customer.example' in html
    assert "(3 hours)" in section(queued.admin) and "Open the Email tab" not in html


def test_messages_waiting_for_the_worker_show_in_sent_mail_and_the_history(queued, user_id):
    with queued.app_context():
        load_sample_data()
        invoice = db.session.scalars(select(Document).where(Document.kind == "invoice")).first()
        invoice_id, label = invoice.id, invoice.label
    waiting_message(queued, user_id, label, document_id=invoice_id)
    later = waiting_message(queued, user_id, label, document_id=invoice_id,
                            due_in=timedelta(minutes=5), key="retry", attempts=1)  # retries
    history = queued.sam.get(f"/documents/{invoice_id}/emails", headers={"HX-Request": "true"})
    assert history.status_code == 200 and text_of(history).count("Queued") == 2
    assert f"/sent/{later}/retry" in history.get_data(as_text=True)  # Retry sends it now
    assert text_of(queued.sam.get("/sent")).count("Queued") >= 2
