"""Recurring documents in the app (jobs run where they are queued; the worker's own tests
are in test_recurring_worker.py): the Repeat form, each run's document, its email through a
real SMTP server, drafts on the home page, the claim, and Pause, Resume and End."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.conftest import Htmx, sign_in
from tests.support.office import first_document, messages
from tests.support.recurring import (
    field_error,
    made,
    move_to,
    repeat,
    schedules,
    sign_in_again,
)
from webpanel import timefmt
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.recurring import runs
from webpanel.recurring.models import Run


@pytest.fixture
def app(make_app, test_clock):
    """The app on the test clock (so a test can reach a run's day)."""
    return make_app(MAIL_TIMEOUT=2.0, TEST_CLOCK_FILE=str(test_clock.path))


def today(app) -> date:
    with app.app_context():
        return timefmt.today("UTC")


def run_round(app) -> int:
    """What a worker does every minute."""
    with app.app_context():
        return runs.run_due()


def test_the_document_page_offers_repeat_and_the_form_starts_from_the_contact(sam, office):
    invoice = first_document(office, "invoice")
    page = sam.client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert f'href="/documents/{invoice.id}/repeat"' in page
    form = sam.client.get(f"/documents/{invoice.id}/repeat").get_data(as_text=True)
    assert f'value="{invoice.contact.email}"' in form and "Make it repeat" in form


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"every": "0"}, "every", "whole number from 1 to 99"),
    ({"every": "monthly"}, "every", "whole number from 1 to 99"),
    ({"day_of_month": "32"}, "day_of_month", "from 1 to 31"),
    ({"start": "31/01/2027"}, "start", "Enter the date like"),
    ({"ends": "on", "until": ""}, "until", "Enter the last date"),
    ({"ends": "on", "until": "2027-01-01"}, "until", "must be after the starting date"),
    ({"ends": "after", "times": "0"}, "times", "from 1 to 999"),
    ({"to": "pat@example.org\r\nBcc: x@evil.example"}, "to", "Line breaks"),
    ({"to": ""}, "to", "at least one recipient"),
    ({"unit": "year"}, "unit", "Choose weeks or months"),
])
def test_bad_input_is_named_at_its_field_and_nothing_is_saved(sam, office, changes, field,
                                                              words):
    invoice = first_document(office, "invoice")
    response = repeat(sam, invoice.id, **{"start": "2027-01-31", **changes})
    assert response.status_code == 422
    assert words in field_error(response.get_data(as_text=True), field)
    assert schedules(office) == []


def test_a_past_start_is_refused(sam, office):
    invoice = first_document(office, "invoice")
    response = repeat(sam, invoice.id, start=str(today(office) - timedelta(days=1)))
    assert "Choose today or a later day" in field_error(response.get_data(as_text=True),
                                                          "start")


def test_a_draft_run_makes_the_next_invoice_with_its_dates_moved_and_says_so_on_home(
        sam, office, test_clock):
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=10)
    response = repeat(sam, invoice.id, unit="week", start=str(start), action="draft", to="")
    assert response.status_code == 303
    listing = sam.client.get("/documents/recurring/").get_data(as_text=True)
    assert "Every week" in listing and timefmt.day(start) in listing
    again = sam.client.get(f"/documents/{invoice.id}/repeat").get_data(as_text=True)
    assert "already repeats (every week)" in again
    assert run_round(office) == 0  # not yet its day
    move_to(test_clock, office, start)
    assert run_round(office) == 1 and run_round(office) == 0
    [(run_on, outcome, number, due)] = made(office)
    assert (run_on, outcome) == (start, "draft") and number != invoice.number
    with office.app_context():
        source = db.session.get(Document, invoice.id)
        new = db.session.scalar(select(Document).where(Document.number == number))
        assert new.date == start and new.total == source.total
        assert new.due_date - new.date == source.due_date - source.date  # the same terms
        assert [line.description for line in new.lines] == [
            line.description for line in source.lines]
    sign_in_again(sam)
    home = sam.client.get("/").get_data(as_text=True)
    assert "Drafts made by a schedule" in home and number in home
    assert "left as a draft" in home and messages(office) == []
    assert schedules(office)[0].next_run == start + timedelta(weeks=1)


def test_an_emailed_run_goes_through_the_senders_settings_to_the_schedules_recipients(
        sam, office, test_clock):
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=3)
    repeat(sam, invoice.id, unit="week", start=str(start), to="pat@example.org",
           cc="lee@example.org")
    move_to(test_clock, office, start)
    assert run_round(office) == 1
    [received] = sam.smtp.wait_for_messages(1, timeout=10)
    parsed = received.parsed()
    [(_, outcome, number, _)] = made(office)
    assert outcome == "emailed"
    assert parsed["To"] == "pat@example.org" and parsed["Cc"] == "lee@example.org"
    assert parsed["From"].addresses[0].addr_spec == "sam@example.com"
    assert number in parsed["Subject"]
    assert [part.get_filename() for part in parsed.iter_attachments()][0] == f"Invoice-{number}.pdf"
    [message] = messages(office)
    assert message.status == "sent" and message.document_label.endswith(number)
    assert run_round(office) == 0 and len(sam.smtp.messages) == 1  # once


def test_when_the_senders_settings_fail_the_message_fails_with_retry_and_the_document_stays(
        sam, office, test_clock):
    sam.post(f"/users/{sam.user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(sam.smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "wrong"})
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=1)
    repeat(sam, invoice.id, unit="week", start=str(start))
    move_to(test_clock, office, start)
    assert run_round(office) == 1
    [message] = messages(office)
    assert message.status == "failed" and message.retry_helps and message.error_reason
    [(_, outcome, number, _)] = made(office)
    assert outcome == "emailed" and message.document_label.endswith(number)


def test_with_email_client_as_the_way_of_sending_the_run_stays_a_draft_that_says_why(
        office, user_client, user_id, test_clock):
    hx = Htmx(user_client, "/")
    hx.post(f"/users/{user_id}/email/smtp", {"send_using": "client"})
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=1)
    repeat(hx, invoice.id, unit="week", start=str(start))
    move_to(test_clock, office, start)
    assert run_round(office) == 1
    [(_, outcome, number, _)] = made(office)
    assert outcome == "not emailed"
    sign_in_again(hx)
    home = user_client.get("/").get_data(as_text=True)
    assert number in home and "cannot email it by itself" in home


def test_one_run_makes_one_document_a_second_claim_and_a_second_row_are_refused(
        sam, office, test_clock):
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=1)
    repeat(sam, invoice.id, unit="week", start=str(start), action="draft")
    move_to(test_clock, office, start)
    [schedule] = schedules(office)
    with office.app_context():
        assert runs.make_run(schedule.id) is not None
        assert runs.make_run(schedule.id) is None  # next_run moved on: nothing to claim
        db.session.add(Run(schedule_id=schedule.id, run_on=start))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert len(made(office)) == 1


def test_times_ends_the_schedule_after_its_last_document(sam, office, test_clock):
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=1)
    repeat(sam, invoice.id, unit="week", start=str(start), action="draft", ends="after",
           times="2")
    for week in range(3):
        move_to(test_clock, office, start + timedelta(weeks=week))
        run_round(office)
    assert len(made(office)) == 2
    [schedule] = schedules(office)
    assert schedule.status == "ended" and schedule.next_run is None


def test_an_end_date_stops_the_runs_after_it(sam, office, test_clock):
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=1)
    repeat(sam, invoice.id, unit="week", start=str(start), action="draft", ends="on",
           until=str(start + timedelta(days=10)))
    for week in range(3):
        move_to(test_clock, office, start + timedelta(weeks=week))
        run_round(office)
    assert [row[0] for row in made(office)] == [start, start + timedelta(weeks=1)]
    assert schedules(office)[0].status == "ended"


def test_pause_skips_runs_resume_starts_from_today_and_end_stops_for_good(
        sam, office, test_clock):
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=1)
    repeat(sam, invoice.id, unit="week", start=str(start), action="draft")
    [schedule] = schedules(office)
    answer = sam.post(f"/documents/recurring/{schedule.id}/pause", {}, htmx=False)
    assert answer.status_code == 303
    listing = sam.client.get("/documents/recurring/").get_data(as_text=True)
    assert "Paused" in listing and "Resume" in listing
    move_to(test_clock, office, start + timedelta(days=8))  # two runs' days pass
    assert run_round(office) == 0
    sign_in_again(sam)
    sam.post(f"/documents/recurring/{schedule.id}/resume", {}, htmx=False)
    assert schedules(office)[0].next_run == start + timedelta(weeks=2)
    page = sam.client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert "Repeats every week; next on" in page
    sam.post(f"/documents/recurring/{schedule.id}/end", {}, htmx=False)
    assert "Ended" in sam.client.get("/documents/recurring/").get_data(as_text=True)
    move_to(test_clock, office, start + timedelta(weeks=2))
    assert run_round(office) == 0 and made(office) == []


def test_only_the_creator_or_an_administrator_changes_a_schedule(
        sam, office, make_user, admin_client):
    invoice = first_document(office, "invoice")
    repeat(sam, invoice.id, unit="week", start=str(today(office) + timedelta(days=1)))
    [schedule] = schedules(office)
    make_user("kim@example.com")
    kim = office.test_client()
    sign_in(kim, "kim@example.com")
    kim_hx = Htmx(kim, "/")
    assert "Pause" not in kim.get("/documents/recurring/").get_data(as_text=True)
    refused = kim_hx.post(f"/documents/recurring/{schedule.id}/pause", {}, htmx=False)
    assert refused.status_code == 403 and schedules(office)[0].status == "active"
    admin = Htmx(admin_client, "/")
    admin.post(f"/documents/recurring/{schedule.id}/pause", {}, htmx=False)
    assert schedules(office)[0].status == "paused"
    assert kim_hx.post("/documents/recurring/99999999999999/end", {},
                       htmx=False).status_code == 404


def test_the_documents_list_links_to_the_recurring_documents(sam, office):
    page = sam.client.get("/documents/invoices/").get_data(as_text=True)
    assert 'href="/documents/recurring/"' in page
    listing = sam.client.get("/documents/recurring/").get_data(as_text=True)
    assert "No document repeats yet" in listing


def test_deleting_a_repeating_document_ends_its_schedule_and_keeps_what_it_made(
        sam, office, test_clock):
    invoice = first_document(office, "invoice")
    start = today(office) + timedelta(days=1)
    repeat(sam, invoice.id, unit="week", start=str(start), action="draft")
    move_to(test_clock, office, start)
    assert run_round(office) == 1
    [(_, _, number, _)] = made(office)
    sign_in_again(sam)
    ask = sam.client.get(f"/documents/{invoice.id}/delete").get_data(as_text=True)
    assert "deleting it ends its schedule" in ask
    answer = sam.post(f"/documents/{invoice.id}/delete", {}, htmx=False)
    assert answer.status_code == 303
    assert schedules(office) == []
    with office.app_context():
        assert db.session.scalar(select(Document).where(Document.number == number))


def test_a_schedule_that_fails_unexpectedly_does_not_stop_the_others(
        sam, office, test_clock, monkeypatch):
    invoice, order = first_document(office, "invoice"), first_document(office, "sales_order")
    start = today(office) + timedelta(days=1)
    for document in (invoice, order):
        repeat(sam, document.id, unit="week", start=str(start), action="draft")
    move_to(test_clock, office, start)
    real_copy = runs.documents.copy_document

    def broken_for_the_invoice(source, day):
        if source.id == invoice.id:
            raise RuntimeError("a surprise")
        return real_copy(source, day)

    monkeypatch.setattr(runs.documents, "copy_document", broken_for_the_invoice)
    assert run_round(office) == 1
    [(_, _, number, _)] = made(office)
    assert number.startswith("SO-")
    assert schedules(office)[0].next_run == start  # the invoice's run waits for the next round
    monkeypatch.setattr(runs.documents, "copy_document", real_copy)
    assert run_round(office) == 1 and len(made(office)) == 2
