"""Recurring documents made by real `flask worker` processes on a test clock, on two stacks
(SQLite with the queue file, PostgreSQL with Redis): a monthly invoice on day 31 across month
ends, emailed each time; runs missed while no worker ran make one document; two workers racing
make one document per run."""

from __future__ import annotations

import calendar
import signal
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.support import stacks
from tests.support.office import first_document
from tests.support.recurring import made, move_to, repeat, schedules
from tests.support.workers import wait_for, write_config
from webpanel import timefmt, worker
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.recurring import runs, services

#: The two stacks (tests/support/stacks.py): SQLite and the queue file, PostgreSQL and Redis.
stack, cluster, database_url, queue_url = (stacks.stack, stacks.cluster, stacks.database_url,
                                          stacks.queue_url)

CONFIG = {"WORKER_HEARTBEAT": 0.2, "MAIL_TIMEOUT": 5.0, "SEND_ATTEMPTS": 1,
          "WEBPANEL_ENV": "development"}


@pytest.fixture
def app(make_app, instance_dir, queue_url, test_clock):
    """The panel and its workers on one clock and one queue; nothing runs in the caller."""
    config = {**CONFIG, "TEST_CLOCK_FILE": str(test_clock.path),
              **({"QUEUE_URL": queue_url} if queue_url else {})}
    write_config(instance_dir, **config)
    return make_app(WORKER_IMMEDIATE=False, **config)


@pytest.fixture
def running(app, workers):
    """`running(threads=1)`: start a worker and wait until it beats."""

    def start(threads: int = 1):
        process = workers.start(threads)
        wait_for(lambda: worker.running(app), why=workers.log)
        return process

    return start


def queue_round(app) -> None:
    """Queue the worker's round now, as its minute would (a periodic job keeps no result:
    the tests wait for what it makes)."""
    with app.app_context():
        assert worker.enqueue(runs.RUN_JOB)


def round_here(app) -> int:
    """Run a round in the test's own process, on the same database: what it made."""
    with app.app_context():
        return runs.run_due()


def drain(app, workers) -> None:
    """Let every queued round run, then stop each worker gracefully (huey finishes the jobs
    it runs on SIGINT), so nothing is still on its way to the database."""
    wait_for(lambda: worker.queue(app).pending_count() == 0, why=workers.log)
    for process in workers.processes:
        process.send_signal(signal.SIGINT)
    for process in workers.processes:
        process.wait(timeout=30)


def next_january_31(app) -> date:
    with app.app_context():
        today = timefmt.today("UTC")
    return date(today.year + 1, 1, 31)


def document_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Document.id)))


def test_monthly_on_day_31_makes_jan_31_then_the_last_of_february_then_mar_31_each_emailed(
        app, sam, office, running, workers, test_clock):
    invoice = first_document(office, "invoice")
    january = next_january_31(office)
    february = date(january.year, 2, calendar.monthrange(january.year, 2)[1])  # 28 or 29
    march = date(january.year, 3, 31)
    answer = repeat(sam, invoice.id, start=str(january), day_of_month="31",
                    to="pat@example.org")
    assert answer.status_code == 303
    running()
    for count, day in enumerate((january, february, march), start=1):
        move_to(test_clock, office, day - timedelta(days=1))
        assert round_here(office) == 0  # the day before: nothing yet
        move_to(test_clock, office, day)
        queue_round(office)
        sam.smtp.wait_for_messages(count, timeout=20)
        wait_for(lambda n=count: len(made(office)) == n, why=workers.log)
    rows = made(office)
    assert [row[0] for row in rows] == [january, february, march]
    assert [row[1] for row in rows] == ["emailed"] * 3
    numbers = [row[2] for row in rows]
    assert len(set(numbers)) == 3 and invoice.number not in numbers
    subjects = [received.parsed()["Subject"] for received in sam.smtp.messages]
    assert all(number in subject for number, subject in zip(numbers, subjects, strict=True))
    assert schedules(office)[0].next_run == date(january.year, 4, 30)


def test_runs_missed_while_no_worker_ran_make_one_document_and_the_next_is_after_today(
        app, sam, office, running, workers, test_clock):
    invoice = first_document(office, "invoice")
    with office.app_context():
        start = timefmt.today("UTC") + timedelta(days=1)
    repeat(sam, invoice.id, unit="week", start=str(start), action="draft", to="")
    before = document_count(office)
    back = start + timedelta(weeks=2, days=3)  # three runs' days passed: start, +1 and +2 weeks
    move_to(test_clock, office, back)
    running()  # its round as it starts makes the one run
    wait_for(lambda: len(made(office)) == 1, why=workers.log)
    running()  # a second worker's start and one more round change nothing
    queue_round(office)
    drain(office, workers)
    [(run_on, outcome, _, _)] = made(office)
    assert run_on == start + timedelta(weeks=2) and outcome == "draft"
    assert document_count(office) == before + 1
    [schedule] = schedules(office)
    assert schedule.next_run == start + timedelta(weeks=3) and schedule.runs_made == 1


SCHEDULES = 12


def test_two_workers_racing_make_one_document_per_run(app, sam, office, running, workers,
                                                      test_clock):
    invoice = first_document(office, "invoice")
    with office.app_context():
        start = timefmt.today("UTC") + timedelta(days=1)
        plan = {"unit": "week", "every": 1, "day_of_month": 1, "start": start, "until": None,
                "times": None, "action": "draft", "to_addrs": "", "cc_addrs": ""}
        for _ in range(SCHEDULES):
            services.create(invoice.id, sam.user_id, plan)
    before = document_count(office)
    move_to(test_clock, office, start)
    for _ in range(2):
        running(threads=2)  # each runs a round as it starts
    for _ in range(6):
        queue_round(office)  # and more rounds at once
    wait_for(lambda: len(made(office)) == SCHEDULES, why=workers.log)
    drain(office, workers)
    assert document_count(office) == before + SCHEDULES
    assert {row[0] for row in made(office)} == {start}
    assert all(s.runs_made == 1 and s.next_run == start + timedelta(weeks=1)
               for s in schedules(office))
