"""Payment reminders sent by real `flask worker` processes, with a test clock the panel and
its workers share, on SQLite with the queue file and on PostgreSQL with Redis: one invoice's
ladder over its days (each level once, none after Mark as paid), and two workers racing on
the same due reminders (each goes once)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.support import stacks
from tests.support.office import first_document, send
from tests.support.reminders import due_in, emailed_invoices, later, office_plan
from tests.support.workers import wait_for
from webpanel import timefmt, worker
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.reminders import sender
from webpanel.reminders.models import QUEUED, Reminder

#: The two stacks (tests/support/stacks.py): SQLite and the queue file, PostgreSQL and Redis.
stack, cluster, database_url, queue_url = (stacks.stack, stacks.cluster, stacks.database_url,
                                          stacks.queue_url)

CONFIG = {"WORKER_HEARTBEAT": 0.2, "SEND_ATTEMPTS": 1, "MAIL_TIMEOUT": 10.0,
          "WEBPANEL_ENV": "development"}


@pytest.fixture
def app(make_app, instance_dir, queue_url, test_clock):
    """The panel and its workers on one config.py: the stack's queue and the test clock."""
    config = {**CONFIG, "TEST_CLOCK_FILE": str(test_clock.path),
              **({"QUEUE_URL": queue_url} if queue_url else {})}
    (instance_dir / "config.py").write_text("".join(f"{k} = {v!r}\n" for k, v in config.items()))
    return make_app(WORKER_IMMEDIATE=False, **config)


def run_job(app, workers) -> None:
    """Queue the reminders job (what the worker does every minute), then a ping: with one
    worker thread, the ping's answer means the job before it ran (huey keeps no result of a
    periodic job)."""
    with app.app_context():
        worker.task(sender.JOB)()
        handle = worker.task("ping")()
    try:
        handle.get(blocking=True, timeout=30)
    except Exception as error:
        raise AssertionError(workers.log()) from error


def settled(app) -> bool:
    """Nothing waits in the queue and no message is on its way."""
    with app.app_context():
        waiting = db.session.scalar(select(func.count(Message.id)).where(
            Message.status.in_(("queued", "sending"))))
        return worker.queue().pending_count() == 0 and waiting == 0


def reminder_subjects(server) -> Counter:
    """How many of each reminder subject the SMTP server received."""
    return Counter(m.parsed()["Subject"] for m in server.messages
                   if " from " not in m.parsed()["Subject"])  # not the invoice's own email


def queued_reminders(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Reminder.id))
                                 .where(Reminder.status == QUEUED))


def test_one_invoices_ladder_goes_level_by_level_and_stops_once_paid(
        app, sam, workers, test_clock):
    workers.start(1)
    wait_for(lambda: worker.running(app), why=workers.log)
    invoice = first_document(app, "invoice")
    send(sam, invoice.id)
    sam.smtp.wait_for_messages(1, timeout=15)
    due_in(app, invoice.id, 5)
    office_plan(app)
    expected = Counter()
    for days, subject in ((2, f"Reminder: invoice {invoice.number} is due on"),
                          (3, f"Invoice {invoice.number} is due today"),
                          (7, f"Payment overdue: invoice {invoice.number}")):
        later(sam, test_clock, days=days)
        run_job(app, workers)
        run_job(app, workers)  # the same day again: nothing more
        expected[subject] += 1
        sam.smtp.wait_for_messages(1 + sum(expected.values()), timeout=20)
        got = Counter(next(k for k in expected if s.startswith(k))
                      for s in reminder_subjects(sam.smtp).elements())
        assert got == expected, workers.log()
    rest = sam.post(f"/documents/{invoice.id}/payments", {
        "paid_on": str(timefmt.today("UTC")), "amount": f"{invoice.total:.2f}"})
    assert rest.status_code == 200, rest.get_data(as_text=True)[:300]
    later(sam, test_clock, days=7)  # Reminder 4's day: the invoice is paid
    run_job(app, workers)
    wait_for(lambda: settled(app), why=workers.log)
    assert len(sam.smtp.messages) == 4 and queued_reminders(app) == 3
    history = sam.client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert all(f"Reminder {level}" in history for level in (1, 2, 3))


def test_two_workers_racing_on_the_same_due_reminders_send_each_once(app, sam, workers):
    ids = emailed_invoices(app, [sam.user_id], 30, due_in_days=-1)  # Reminder 2 due for all
    office_plan(app)
    for _ in range(2):
        workers.start(2)
    wait_for(lambda: worker.running(app), why=workers.log)
    with app.app_context():  # four jobs at once, on two workers: all claim the same rows
        for _ in range(4):
            worker.task(sender.JOB)()
    received = sam.smtp.wait_for_messages(len(ids), timeout=90)
    wait_for(lambda: settled(app), timeout=60, why=workers.log)
    received = sam.smtp.messages
    assert len(received) == len(ids) and queued_reminders(app) == len(ids)
    numbers = Counter(m.parsed()["Subject"].split()[1] for m in received)
    assert set(numbers.values()) == {1}
    with app.app_context():
        rows = db.session.execute(select(Reminder.level, func.count()).group_by(Reminder.level))
        assert dict(rows.all()) == {1: len(ids), 2: len(ids)}  # 1 passed over, 2 sent
