"""The test clock: TEST_CLOCK_FILE moves the panel's "now" (in the web app and in a real
`flask worker` process on the same instance folder), and production refuses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.office import first_document, messages, send
from tests.support.workers import wait_for, write_config
from webpanel import clock, create_app, timefmt, worker
from webpanel.database import utcnow
from webpanel.outbox import dispatch

SETTINGS = {"WORKER_HEARTBEAT": 0.2, "MAIL_TIMEOUT": 1.0, "WORKER_TIMEOUT": 3.5,
            "SEND_ATTEMPTS": 1, "WEBPANEL_ENV": "development"}


def test_a_moved_clock_moves_now_and_today(make_app, test_clock):
    app = make_app(TEST_CLOCK_FILE=str(test_clock.path))
    with app.app_context():
        before = utcnow()
        test_clock.move(days=3, hours=1)
        moved = utcnow() - before
        assert timedelta(days=3, hours=1) <= moved < timedelta(days=3, hours=1, minutes=1)
        assert timefmt.today("Asia/Tokyo") == (datetime.now(UTC) + moved).astimezone(
            timefmt.zone("Asia/Tokyo")).date()


def test_without_the_setting_the_clock_is_the_real_one(make_app):
    with make_app().app_context():
        assert clock.offset() == timedelta(0)
        assert abs(utcnow() - datetime.now(UTC).replace(tzinfo=None)) < timedelta(seconds=5)


def test_production_refuses_a_test_clock(instance_dir, test_clock):
    with pytest.raises(clock.ClockRefused, match="for the test suite only"):
        create_app({"TEST_CLOCK_FILE": str(test_clock.path), "WEBPANEL_ENV": "production",
                    "SECRET_KEY": "x" * 64})


@pytest.fixture
def app(make_app, instance_dir, test_clock):
    """The panel queueing for a real worker; both read the same clock file."""
    write_config(instance_dir, **SETTINGS, TEST_CLOCK_FILE=str(test_clock.path))
    return make_app(WORKER_IMMEDIATE=False, **SETTINGS, TEST_CLOCK_FILE=str(test_clock.path))


def test_a_real_worker_sends_a_scheduled_email_once_the_clock_reaches_it(
        sam, office, start_worker, test_clock):
    invoice = first_document(office, "invoice")
    in_two_days = timefmt.today() + timedelta(days=2)
    send(sam, invoice.id, when="later", send_date=str(in_two_days), send_time="08:00")
    start_worker()
    wait_for(lambda: worker.running(office))
    [scheduled] = messages(office)
    assert scheduled.status == "scheduled" and sam.smtp.messages == []
    test_clock.move(days=3)
    with office.app_context():
        worker.enqueue(dispatch.SWEEP_JOB)  # what the worker does every minute, now
    [received] = sam.smtp.wait_for_messages(1, timeout=15)
    assert received.data  # the message went at its (moved) time
    wait_for(lambda: messages(office)[0].status == "sent")
