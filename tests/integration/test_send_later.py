"""Send later: the Email dialog records the message with its exact bytes as "scheduled" for a
date and time read in the person's own time zone, and nothing goes until then; Change time and
Cancel act on it wherever it shows, until a worker takes it. Real SMTP server on 127.0.0.1.

The worker's clock is moved, not waited for: `time_passes` sets the time the dispatcher reads
(its claim compares due_at with it) and runs the sweeper then, which in the tests' immediate
mode sends each due message at once.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from threading import Event
from time import monotonic
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from tests.conftest import Htmx, child_env, sign_in
from tests.support.calendar import last_sunday, summer_day, today, winter_day
from tests.support.office import compose, first_document, messages, send
from tests.support.sent_mail import text_of
from webpanel import worker
from webpanel.auth.models import User
from webpanel.config import PROJECT_ROOT
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.outbox import dispatch, records
from webpanel.outbox import schedule as later
from webpanel.outbox.models import Message
from webpanel.timefmt import day as shown_day

PARIS = "Europe/Paris"


def set_zone(app, user_id: int, zone: str) -> None:
    """The person's time zone, as the General tab saves it."""
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(time_zone=zone))
        db.session.commit()


def schedule(sam, document_id: int, day: date | str, at: str = "08:00", **changes) -> str:
    """Press Send later in the Email dialog with a date and a time."""
    return send(sam, document_id, when="later", send_date=str(day), send_time=at, **changes)


@pytest.fixture
def time_passes(office, monkeypatch):
    """time_passes(moment): the worker's clock says `moment` (naive UTC) and the sweeper runs,
    sending what is due (immediate mode)."""

    def to(moment: datetime) -> None:
        monkeypatch.setattr(dispatch, "utcnow", lambda: moment)
        with office.app_context():
            dispatch.sweep(now=moment)

    return to


@pytest.fixture
def winter(office, sam) -> date:
    """Sam works in Paris; a day in the coming winter (Paris is on CET, UTC+1)."""
    set_zone(office, sam.user_id, PARIS)
    return winter_day()


def stored(office, message_id: int) -> tuple[Message, bytes]:
    """A message record (detached) and its stored bytes."""
    with office.app_context():
        message = db.session.get(Message, message_id)
        db.session.expunge(message)
        return message, records.mime_of(message)


def test_send_later_records_the_exact_bytes_and_sends_once_at_that_time(
        sam, office, winter, time_passes):
    invoice = first_document(office, "invoice")
    html = text_of(schedule(sam, invoice.id, winter))
    assert f"Scheduled for {shown_day(winter)}, 08:00 CET." in html
    assert "Change time" in html and "Cancel" in html
    [record] = messages(office)
    assert record.status == "scheduled"
    assert record.due_at == datetime.combine(winter, time(7, 0))  # 08:00 in Paris, in UTC
    _, mime = stored(office, record.id)
    assert f"Invoice {invoice.number}".encode() in mime and sam.smtp.messages == []

    time_passes(record.due_at - timedelta(minutes=1))
    assert sam.smtp.messages == [] and stored(office, record.id)[0].status == "scheduled"
    time_passes(record.due_at + timedelta(minutes=3))
    [received] = sam.smtp.wait_for_messages(1)
    assert received.data == mime  # the bytes recorded when it was scheduled went out
    assert stored(office, record.id)[0].status == "sent"
    time_passes(record.due_at + timedelta(minutes=10))
    assert len(sam.smtp.messages) == 1


@pytest.mark.parametrize(("zone", "season", "utc_hour", "label"), [
    (PARIS, winter_day, 7, "CET"), (PARIS, summer_day, 6, "CEST"),
    ("America/New_York", winter_day, 13, "EST"), ("", winter_day, 8, "UTC"),
])
def test_the_time_is_read_in_the_persons_zone(sam, office, zone, season, utc_hour, label):
    set_zone(office, sam.user_id, zone)
    day = season()
    html = text_of(schedule(sam, first_document(office, "invoice").id, day))
    assert f"Scheduled for {shown_day(day)}, 08:00 {label}." in html
    assert messages(office)[0].due_at == datetime.combine(day, time(utc_hour, 0))


def bad_times() -> list:
    now = today()
    return [
        (str(now - timedelta(days=1)), "08:00", "time", "That time has passed: it is now"),
        (str(now + timedelta(days=400)), "08:00", "date", "That is more than a year ahead"),
        ("next tuesday", "08:00", "date", "Enter the date as year-month-day"),
        (f"{now.year + 1}-02-30", "08:00", "date", "There is no such date"),
        ("", "08:00", "date", "Enter the date to send it."),
        (str(now + timedelta(days=2)), "8am", "time", "Enter the time as hours and minutes"),
        (str(now + timedelta(days=2)), "24:10", "time", "Enter the time as hours and minutes"),
        (str(now + timedelta(days=2)), "", "time", "Enter the time to send it."),
    ]


@pytest.mark.parametrize(("day", "at", "field", "said"), bad_times())
def test_a_time_that_cannot_be_used_is_said_at_its_field_and_nothing_is_recorded(
        sam, office, day, at, field, said):
    invoice = first_document(office, "invoice")
    response = sam.post(f"/documents/{invoice.id}/email", {
        **{k: v for k, v in compose(sam, invoice.id).items() if k != "_html"},
        "when": "later", "send_date": day, "send_time": at})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(rf'<p class="error" id="send_{field}-error">{re.escape(said)}', html)
    assert re.search(rf'<input aria-describedby="send_{field}-error" aria-invalid="true"[^>]*'
                     rf'id="send_{field}"', html)
    assert "Not sent: fix the fields marked in red." in html
    assert re.search(r'<input checked[^>]*value="later"', html)  # still chosen
    assert messages(office) == [] and sam.smtp.messages == []


def test_quick_choices_fill_tomorrow_and_next_monday_at_8_in_the_persons_zone(sam, office):
    zone = "Pacific/Auckland"  # a day ahead of UTC for half of it
    set_zone(office, sam.user_id, zone)
    invoice = first_document(office, "invoice")
    before = datetime.now(ZoneInfo(zone)).date()
    html = compose(sam, invoice.id)["_html"]
    today = before if str(before + timedelta(days=1)) in html else before + timedelta(days=1)
    tomorrow, monday = today + timedelta(days=1), today + timedelta(days=7 - today.weekday())
    assert f'data-fill-date="{tomorrow}" data-fill-time="08:00">Tomorrow 8:00</button>' in html
    assert f'data-fill-date="{monday}" data-fill-time="08:00">Monday 8:00</button>' in html
    assert monday.weekday() == 0 and 1 <= (monday - today).days <= 7
    text = text_of(schedule(sam, invoice.id, monday, "08:00"))
    assert "08:00 NZ" in text  # NZST or NZDT
    due = datetime.combine(monday, time(8), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    assert messages(office)[0].due_at == due.replace(tzinfo=None)


def test_a_time_the_clocks_skip_goes_after_the_jump_and_the_dialog_says_so(sam, office,
                                                                          winter):
    spring = last_sunday(3)  # Paris: 02:00 becomes 03:00
    html = text_of(schedule(sam, first_document(office, "invoice").id, spring, "02:30"))
    day = shown_day(spring)
    assert f"02:30 does not exist on {day} in your time zone" in html
    assert f"Scheduled for {day}, 03:30 CEST." in html
    assert messages(office)[0].due_at == datetime.combine(spring, time(1, 30))


def test_a_time_the_clocks_show_twice_goes_the_first_time(sam, office, winter):
    autumn = last_sunday(10)  # Paris: 03:00 becomes 02:00
    html = text_of(schedule(sam, first_document(office, "invoice").id, autumn, "02:30"))
    assert "02:30 comes twice on" in html and "so it goes the first time" in html
    assert messages(office)[0].due_at == datetime.combine(autumn, time(0, 30))  # CEST


def test_cancel_keeps_the_message_as_cancelled_and_nothing_goes(sam, office, winter,
                                                                time_passes):
    invoice = first_document(office, "invoice")
    schedule(sam, invoice.id, winter)
    [record] = messages(office)
    response = sam.post(f"/sent/{record.id}/cancel", {})
    assert response.status_code == 200
    assert "Cancelled." in text_of(response.get_data(as_text=True))
    event = json.loads(response.headers["HX-Trigger"])
    assert event["message-status"] == {"id": record.id, "status": "cancelled",
                                       "label": "Cancelled"}
    assert event["email-sent"] == {"document": invoice.id}  # the document's history reloads
    cancelled, mime = stored(office, record.id)
    assert cancelled.status == "cancelled" and mime.startswith(b"From: ")  # bytes kept
    sent_mail = sam.client.get("/sent").get_data(as_text=True)
    assert 'class="badge status-cancelled"' in sent_mail and ">Cancelled<" in sent_mail
    time_passes(record.due_at + timedelta(minutes=3))
    assert sam.smtp.messages == [] and stored(office, record.id)[0].status == "cancelled"


def test_change_time_moves_it_and_it_goes_once_at_the_new_time(sam, office, winter,
                                                              time_passes):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    later = winter + timedelta(days=1)
    response = sam.post(f"/sent/{record.id}/time", {"date": str(later), "time": "09:30"})
    assert f"Scheduled for {shown_day(later)}, 09:30 CET." in text_of(
        response.get_data(as_text=True))
    moved = datetime.combine(later, time(8, 30))
    assert stored(office, record.id)[0].due_at == moved
    assert "09:30 CET" in sam.client.get("/sent").get_data(as_text=True)

    time_passes(record.due_at + timedelta(minutes=3))  # the old time: its job finds it not due
    assert sam.smtp.messages == [] and stored(office, record.id)[0].status == "scheduled"
    time_passes(moved + timedelta(minutes=3))
    assert len(sam.smtp.wait_for_messages(1)) == 1
    time_passes(moved + timedelta(minutes=30))
    assert len(sam.smtp.messages) == 1 and stored(office, record.id)[0].attempts == 1


@pytest.mark.parametrize(("day", "at", "said"), [
    ("2020-01-01", "08:00", "That time has passed"), ("soon", "08:00", "Enter the date as"),
    (None, "7 o'clock", "Enter the time as hours and minutes")])
def test_change_time_refuses_a_bad_time_at_its_field_and_keeps_the_old_one(
        sam, office, winter, day, at, said):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    response = sam.post(f"/sent/{record.id}/time", {"date": day or str(winter), "time": at})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and said in html
    assert response.headers["HX-Retarget"] == "closest details"  # the form again, open
    assert html.lstrip().startswith('<details class="change-time" open>')
    assert 'aria-invalid="true"' in html
    assert stored(office, record.id)[0].due_at == record.due_at


def test_cancel_and_change_time_after_a_worker_took_it_say_so_and_change_nothing(
        sam, office, winter, monkeypatch):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    monkeypatch.setattr(dispatch, "utcnow", lambda: record.due_at + timedelta(seconds=1))
    with office.app_context():
        assert dispatch.claim(record.id)  # a worker took it: "sending"
    for url, data, said in (
            (f"/sent/{record.id}/cancel", {}, "Too late to cancel: it is being sent right now."),
            (f"/sent/{record.id}/time", {"date": str(winter + timedelta(days=2)),
                                         "time": "10:00"},
             "Too late to change the time: it is being sent right now.")):
        html = text_of(sam.post(url, data).get_data(as_text=True))
        assert said in html and "Sending…" in html
    taken = stored(office, record.id)[0]
    assert (taken.status, taken.due_at) == ("sending", record.due_at)


def test_after_it_went_cancel_says_so(sam, office, winter, time_passes):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    time_passes(record.due_at + timedelta(minutes=3))
    sam.smtp.wait_for_messages(1)
    html = text_of(sam.post(f"/sent/{record.id}/cancel", {}).get_data(as_text=True))
    assert "Too late to cancel: it was already sent." in html and "Sent." in html
    html = text_of(sam.post(f"/sent/{record.id}/time", {"date": str(winter),
                                                        "time": "09:00"}).get_data(True))
    assert "Too late to change the time: it was already sent." in html
    assert stored(office, record.id)[0].status == "sent" and len(sam.smtp.messages) == 1


def test_a_cancelled_message_cannot_be_cancelled_again_or_moved(sam, office, winter):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    sam.post(f"/sent/{record.id}/cancel", {})
    again = text_of(sam.post(f"/sent/{record.id}/cancel", {}).get_data(as_text=True))
    assert "It was already cancelled." in again
    moved = text_of(sam.post(f"/sent/{record.id}/time", {"date": str(winter),
                                                         "time": "09:00"}).get_data(True))
    assert "It was cancelled, so it has no time to change" in moved
    assert stored(office, record.id)[0].due_at == record.due_at


def test_another_persons_scheduled_message_is_404(sam, office, winter, app, make_user):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    make_user("lee@example.com")
    other = app.test_client()
    sign_in(other, "lee@example.com")
    lee = Htmx(other, "/sent")
    assert lee.post(f"/sent/{record.id}/cancel", {}).status_code == 404
    assert lee.post(f"/sent/{record.id}/time", {"date": str(winter),
                                                "time": "09:00"}).status_code == 404
    assert lee.post("/sent/99999999/cancel", {}).status_code == 404
    left = stored(office, record.id)[0]
    assert (left.status, left.due_at) == ("scheduled", record.due_at)


def test_cancel_and_change_time_need_the_csrf_token(sam, office, winter):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    assert sam.client.post(f"/sent/{record.id}/cancel").status_code == 400
    assert sam.client.post(f"/sent/{record.id}/time",
                           data={"date": str(winter), "time": "09:00"}).status_code == 400
    assert stored(office, record.id)[0].status == "scheduled"


def test_without_script_cancel_and_change_time_come_back_to_the_message(sam, office, winter):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    refused = sam.post(f"/sent/{record.id}/time", {"date": "2020-01-01", "time": "08:00"},
                       htmx=False)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<h1>Sent mail</h1>" in page
    assert '<details class="change-time" open>' in page and "That time has passed" in page
    moved = sam.post(f"/sent/{record.id}/time", {"date": str(winter), "time": "10:15"},
                     htmx=False)
    assert moved.status_code == 303 and moved.headers["Location"] == f"/sent/{record.id}"
    preview = sam.client.get(f"/sent/{record.id}").get_data(as_text=True)
    assert f"Scheduled for {shown_day(winter)}, 10:15 CET." in text_of(preview)
    cancelled = sam.post(f"/sent/{record.id}/cancel", {}, htmx=False)
    assert cancelled.status_code == 303
    assert ">Cancelled<" in sam.client.get(cancelled.headers["Location"]).get_data(True)


def test_sent_mail_the_history_and_the_home_page_show_it_with_change_time_and_cancel(
        sam, office, winter):
    invoice = first_document(office, "invoice")
    schedule(sam, invoice.id, winter, subject="Scheduled invoice")
    [record] = messages(office)
    shown = f"Scheduled for {shown_day(winter)}, 08:00 CET"
    pages = {"sent mail": sam.client.get("/sent?status=scheduled").get_data(as_text=True),
             "preview": sam.client.get(f"/sent/{record.id}").get_data(as_text=True),
             "history": sam.get(f"/documents/{invoice.id}/emails").get_data(as_text=True),
             "home": sam.client.get("/").get_data(as_text=True)}
    for name, html in pages.items():
        assert shown in text_of(html), name
        assert f'action="/sent/{record.id}/cancel"' in html, name
        assert f'action="/sent/{record.id}/time"' in html, name
        assert 'value="15:00"' not in html and 'value="08:00"' in html, name  # Paris, not UTC
    assert 'class="badge status-scheduled"' in pages["sent mail"]
    assert '<option value="scheduled" selected>Scheduled</option>' in pages["sent mail"]
    assert "Scheduled to go" in pages["home"]
    nothing = sam.client.get("/sent?status=queued").get_data(as_text=True)
    assert "Scheduled invoice" not in nothing and "No messages match" in nothing
    documents = sam.client.get("/documents/invoices/").get_data(as_text=True)
    assert "Scheduled" in text_of(documents)


def test_email_client_offers_no_send_later_and_refuses_one_posted(sam, office):
    sam.post(f"/users/{sam.user_id}/email/smtp", {"send_using": "client",
                                                  "smtp_security": "tls"})
    invoice = first_document(office, "invoice")
    dialog = compose(sam, invoice.id)["_html"]
    assert "Send later" not in dialog and "data-fill-date" not in dialog
    tomorrow = today() + timedelta(days=2)
    response = sam.post(f"/documents/{invoice.id}/email", {
        **{k: v for k, v in compose(sam, invoice.id).items() if k != "_html"},
        "when": "later", "send_date": str(tomorrow), "send_time": "08:00"})
    assert response.status_code == 422
    assert "Send later works only when the panel sends the email itself" in response.get_data(
        as_text=True)
    assert messages(office) == []


def test_the_network_methods_offer_send_later(sam, office):
    html = compose(sam, first_document(office, "invoice").id)["_html"]
    assert re.search(r'<input[^>]*name="when"[^>]*value="later"', html) and "Send later" in html
    assert 'name="send_date" type="date"' in html and 'name="send_time" type="time"' in html
    assert re.search(r'<span class="now-label">Send</span><span class="later-label">Schedule'
                     r'</span>', html)


def test_scheduling_twice_from_one_dialog_records_one_message(sam, office, winter):
    invoice = first_document(office, "invoice")
    fields = {k: v for k, v in compose(sam, invoice.id).items() if k != "_html"}
    later = {**fields, "when": "later", "send_date": str(winter), "send_time": "08:00"}
    first = sam.post(f"/documents/{invoice.id}/email", later).get_data(as_text=True)
    second = sam.post(f"/documents/{invoice.id}/email", later).get_data(as_text=True)
    assert "Scheduled for" in first and "Scheduled for" in second
    assert len(messages(office)) == 1 and sam.smtp.messages == []


def test_a_queued_message_shows_in_the_history_without_an_error(sam, office):
    invoice = first_document(office, "invoice")
    send(sam, invoice.id)
    with office.app_context():  # a send the worker has not taken yet
        db.session.execute(update(Message).values(status="queued",
                                                  due_at=utcnow() + timedelta(minutes=5)))
        db.session.commit()
    history = sam.get(f"/documents/{invoice.id}/emails")
    assert history.status_code == 200 and "Queued" in history.get_data(as_text=True)


@pytest.fixture
def start_worker(instance_dir, tmp_path) -> Iterator[Callable[[], subprocess.Popen]]:
    """Start `flask worker` (one thread) on the test's instance folder, its database and its
    queue file; every one started is stopped at teardown, whatever happened."""
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        with open(tmp_path / f"worker-{len(started)}.log", "w") as log:
            started.append(subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "webpanel", "worker", "--workers", "1"],
                cwd=PROJECT_ROOT, env=child_env(instance_dir), stdout=log,
                stderr=subprocess.STDOUT))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def poll(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until `condition` holds (checked every 50 ms); fail after `timeout` seconds."""
    deadline = monotonic() + timeout
    while not condition():
        assert monotonic() < deadline, "condition not met in time"
        Event().wait(0.05)


def test_a_scheduled_message_survives_a_killed_worker_and_goes_once_with_two(
        sam, office, winter, make_app, start_worker):
    schedule(sam, first_document(office, "invoice").id, winter)
    [record] = messages(office)
    served = make_app(WORKER_IMMEDIATE=False)  # as `make run` serves: the instance's queue file
    first = start_worker()
    poll(lambda: worker.running(served))
    soon = utcnow() + timedelta(seconds=1.5)
    with served.app_context():  # Change time to "in a moment", and a doubled job for it
        later.change_time(db.session.get(Message, record.id), soon)
        dispatch.enqueue(record.id, soon)
    first.kill()  # kill -9 before it is due: the jobs wait in the queue file
    first.wait(timeout=10)
    workers = [start_worker(), start_worker()]
    [received] = sam.smtp.wait_for_messages(1, timeout=15)
    queue = worker.queue(served)
    poll(lambda: queue.pending_count() == 0 and queue.scheduled_count() == 0)
    for process in workers:  # SIGINT: each finishes the job it runs, then stops
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    sent, mime = stored(office, record.id)
    assert len(sam.smtp.messages) == 1 and received.data == mime
    assert (sent.status, sent.attempts) == ("sent", 1)
