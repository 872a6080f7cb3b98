"""Payment reminders in the web app (jobs run where they are queued): one invoice's ladder
over its days with a moved clock, each level once and none after Mark as paid; a worker
back after days sends only the level due then; no reminder without a sender, for a customer
left out, with reminders off; the plan form's checks; the home page's next batch."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import select, update

from tests.conftest import Htmx, sign_in
from tests.support.documents import text_of
from tests.support.office import first_document, send
from tests.support.reminders import due_in, later
from webpanel import timefmt
from webpanel.contacts.models import Contact
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.reminders import plan, sender
from webpanel.reminders.models import Reminder


@pytest.fixture
def app(make_app, test_clock):
    """The panel on the test clock."""
    return make_app(MAIL_TIMEOUT=2.0, TEST_CLOCK_FILE=str(test_clock.path))


def set_plan(app, days=(-3, 0, 7, 14), hour: int = 0) -> None:
    with app.app_context():
        plan.save(list(days), hour, "UTC")


def run(app) -> int:
    """What the worker's job does every minute."""
    with app.app_context():
        return sender.send_due()


def reminder_subjects(app) -> list[str]:
    with app.app_context():
        rows = db.session.execute(select(Message.subject).join(
            Reminder, Reminder.message_id == Message.id).order_by(Message.id))
        return [subject for (subject,) in rows]


@pytest.fixture
def emailed(sam, office):
    """The first invoice, emailed by Sam today, due in 5 days; the suggested plan at 00:00."""
    invoice = first_document(office, "invoice")
    send(sam, invoice.id)
    due_in(office, invoice.id, 5)
    set_plan(office)
    return invoice


def test_one_invoices_ladder_each_level_once_and_none_after_mark_as_paid(
        sam, office, emailed, test_clock):
    assert run(office) == 0  # Reminder 1 is due 2 days before... in 2 days
    later(sam, test_clock, days=2)
    assert run(office) == 1 and run(office) == 0
    later(sam, test_clock, days=3)
    assert run(office) == 1
    paid = sam.post(f"/documents/{emailed.id}/payments", {
        "paid_on": str(timefmt.today("UTC")), "amount": "10.00"})  # partly paid: still due
    assert paid.status_code == 200, text_of(paid)
    later(sam, test_clock, days=7)
    assert run(office) == 1
    assert reminder_subjects(office) == [
        f"Reminder: invoice {emailed.number} is due on " + reminder_day(office, emailed, 0),
        f"Invoice {emailed.number} is due today",
        f"Payment overdue: invoice {emailed.number}"]
    received = sam.smtp.messages[-1].parsed()
    text = received.get_body(("plain",)).get_content()
    assert "7 days overdue" in text and f"amount due is ${emailed.total - 10:,.2f}" in text, text
    assert "Sam Søren" in received["From"] and received["To"] == emailed.contact.email
    assert [p.get_content_type() for p in received.iter_attachments()] == ["application/pdf"]
    rest = f"{emailed.total - 10:.2f}"
    sam.post(f"/documents/{emailed.id}/payments", {
        "paid_on": str(timefmt.today("UTC")), "amount": rest})
    later(sam, test_clock, days=7)
    assert run(office) == 0 and len(reminder_subjects(office)) == 3
    page = text_of(sam.client.get(f"/documents/{emailed.id}"))
    history = page.split("Email history")[1]
    assert history.count("Reminder 1") == history.count("Reminder 3") == 1
    assert "No reminders: nothing is left to pay." in page


def reminder_day(app, invoice, days: int) -> str:
    with app.app_context():
        due = db.session.get(Document, invoice.id).due_date
        from webpanel.formatting import date_in
        return date_in(due + datetime.timedelta(days=days), "en_US")


def test_a_worker_back_after_days_sends_only_the_level_due_then_once(
        sam, office, emailed, test_clock):
    later(sam, test_clock, days=13)  # Reminders 1, 2 and 3 all fell due while nothing ran
    assert run(office) == 1 and run(office) == 0
    assert reminder_subjects(office) == [f"Payment overdue: invoice {emailed.number}"]
    page = text_of(sam.client.get(f"/documents/{emailed.id}"))
    assert page.count("passed over") == 2 and "Next: Reminder 4" in page


def test_nothing_goes_before_the_office_hour(sam, office, emailed, test_clock):
    now = datetime.datetime.now(datetime.UTC)
    if now.hour == 23:
        later(sam, test_clock, hours=1)
    set_plan(office, hour=23)
    later(sam, test_clock, days=2)
    assert run(office) == (1 if datetime.datetime.now(datetime.UTC).hour == 23 else 0)


def test_no_reminder_for_an_invoice_never_emailed_and_the_page_says_why(sam, office):
    invoice = first_document(office, "invoice")
    due_in(office, invoice.id, -20)
    set_plan(office)
    assert run(office) == 0
    page = text_of(sam.client.get(f"/documents/{invoice.id}"))
    assert "never emailed from the panel" in page


def test_a_customer_left_out_and_an_invoice_turned_off_get_none(sam, office, emailed,
                                                                 test_clock):
    page = sam.client.get(f"/documents/{emailed.id}").get_data(as_text=True)
    assert "Turn off reminders for this invoice" in page
    sam.post(f"/documents/{emailed.id}/reminders", {"on": "0"})
    later(sam, test_clock, days=2)
    assert run(office) == 0
    assert "Reminders are off for this invoice." in text_of(
        sam.client.get(f"/documents/{emailed.id}"))
    sam.post(f"/documents/{emailed.id}/reminders", {"on": "1"})
    with office.app_context():
        db.session.execute(update(Contact).values(no_reminders=True))
        db.session.commit()
    assert run(office) == 0
    assert "is left out of payment reminders" in text_of(
        sam.client.get(f"/documents/{emailed.id}"))


def test_the_home_page_says_what_goes_out_next(sam, office, emailed, test_clock):
    later(sam, test_clock, days=1)  # Reminder 1 falls due tomorrow
    set_plan(office, hour=23)
    home = text_of(sam.client.get("/"))
    now = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    when = "today" if now.hour < 23 else "tomorrow"
    if when == "today":  # the reminder is due tomorrow, so nothing goes today at 23:00
        assert "payment reminder" not in home
    later(sam, test_clock, days=1)
    home = text_of(sam.client.get("/"))
    assert "Next: 1 payment reminder" in home and "at 23:00 (UTC)" in home


def test_an_administrator_sets_the_plan_and_bad_days_are_refused_at_the_field(
        app, admin_client):
    admin = Htmx(admin_client, "/reminders/")
    page = text_of(admin_client.get("/reminders/"))
    assert "No plan is saved" in page
    bad = admin.post("/reminders/", {"level_1": "soon", "level_2": "0", "level_3": "-5",
                                     "level_4": "", "hour": "8", "time_zone": "Europe/Paris"})
    assert bad.status_code == 422
    assert "Enter a whole number of days" in text_of(bad)
    assert "must come after Reminder 2" in text_of(bad)
    gap = admin.post("/reminders/", {"level_1": "", "level_2": "3", "hour": "8",
                                     "time_zone": "UTC"})
    assert "Fill in Reminder 1 first" in text_of(gap)
    saved = admin.post("/reminders/", {"level_1": "-3", "level_2": "0", "level_3": "10",
                                       "level_4": "", "hour": "9", "time_zone": "Europe/Paris"})
    assert saved.status_code == 200 and "3 reminder levels are active" in text_of(saved)
    with app.app_context():
        assert plan.schedule() == plan.Schedule(((1, -3), (2, 0), (3, 10)), 9, "Europe/Paris")


def test_people_who_are_not_administrators_cannot_change_the_plan(app, user_client):
    assert user_client.get("/reminders/").status_code in (302, 403, 404)


def test_the_reminder_templates_are_on_the_email_templates_page(app, admin_client):
    page = text_of(admin_client.get("/email-templates/reminder-3/"))
    assert "Reminder 3" in page and "{{ document.days_overdue }}" in page
    assert "Amount due" in page and "Days overdue" in page


def test_a_claim_left_by_a_stopped_worker_goes_once_when_the_sweep_finds_it(
        sam, office, emailed, test_clock):
    with office.app_context():  # a worker claimed Reminder 1 and stopped before sending
        db.session.add(Reminder(document_id=emailed.id, level=1, user_id=sam.user_id,
                                due_on=timefmt.today("UTC"), status="claimed"))
        db.session.commit()
    later(sam, test_clock, days=2)  # the claim is old now; Reminder 1 is due
    assert run(office) == 0  # nothing new to claim: the old claim is sent instead
    assert len(reminder_subjects(office)) == 1
    with office.app_context():  # as if it crashed after the outbox recorded the message
        db.session.execute(update(Reminder).values(status="claimed"))
        db.session.commit()
    later(sam, test_clock, hours=1)
    run(office)
    assert len(reminder_subjects(office)) == 1  # the outbox's key: the same message
    assert sum("Reminder:" in (m.parsed()["Subject"] or "") for m in sam.smtp.messages) == 1


def test_a_sender_without_working_settings_fails_like_any_message_with_retry(
        sam, office, emailed, test_clock):
    sam.smtp.stop()
    later(sam, test_clock, days=2)
    assert run(office) == 1
    with office.app_context():
        message = db.session.scalars(select(Message).join(
            Reminder, Reminder.message_id == Message.id)).one()
        assert message.status == "failed" and message.error_reason
    page = sam.client.get(f"/documents/{emailed.id}").get_data(as_text=True)
    assert f'hx-post="/sent/{message.id}/retry"' in page and "Reminder 1" in page
    sam.smtp.start()


def test_a_customer_is_left_out_of_reminders_from_their_page(sam, office):
    with office.app_context():
        customer = db.session.scalars(select(Contact).where(Contact.kind == "customer")).first()
        customer_id, name, email = customer.id, customer.name, customer.email
    page = sam.client.get(f"/customers/{customer_id}/edit").get_data(as_text=True)
    assert "Leave out of payment reminders" in page
    hx = Htmx(sam.client, f"/customers/{customer_id}/edit")
    hx.post(f"/customers/{customer_id}/edit", {"name": name, "email": email,
                                                "no_reminders": "y"})
    with office.app_context():
        assert db.session.get(Contact, customer_id).no_reminders is True


def test_a_reminder_claimed_before_mark_as_paid_does_not_go_after_it(
        sam, office, emailed, test_clock):
    later(sam, test_clock, days=2)
    with office.app_context():  # claimed by a worker whose send job has not run yet
        [due] = sender.ladder.due_on(plan.schedule(), timefmt.today("UTC"))
        reminder_id = sender.claim(due)
    sam.post(f"/documents/{emailed.id}/payments", {
        "paid_on": str(timefmt.today("UTC")), "amount": f"{emailed.total:.2f}"})
    with office.app_context():
        assert sender.send_claimed(reminder_id) == 0
        assert db.session.get(Reminder, reminder_id).status == "skipped"
    assert reminder_subjects(office) == []
    assert "paid before it went" in text_of(sam.client.get(f"/documents/{emailed.id}"))


def test_a_reminder_refused_before_it_was_written_says_why_and_retry_sends_it_once_fixed(
        sam, office, emailed, test_clock, make_user):
    with office.app_context():  # the customer's address was removed after the invoice went
        customer = db.session.get(Document, emailed.id).contact
        address, customer.email = customer.email, ""
        db.session.commit()
    later(sam, test_clock, days=2)
    run(office)
    page = text_of(sam.client.get(f"/documents/{emailed.id}"))
    assert "not sent:" in page and "has no email address: add one on their page." in page
    with office.app_context():
        reminder = db.session.scalars(select(Reminder)).one()
        customer = db.session.get(Document, emailed.id).contact
        customer.email = address
        db.session.commit()
    retry = f"/documents/{emailed.id}/reminders/{reminder.id}/retry"
    assert f'hx-post="{retry}"' in sam.client.get(f"/documents/{emailed.id}").get_data(
        as_text=True)

    make_user("colleague@example.com")  # not the sender, not an administrator
    colleague = office.test_client()
    sign_in(colleague, "colleague@example.com")
    refused = Htmx(colleague, f"/documents/{emailed.id}").post(retry, {})
    assert refused.status_code == 403
    assert 'hx-post="/documents/' not in text_of(colleague.get(f"/documents/{emailed.id}"))

    answer = sam.post(retry, {})  # the job runs where it is queued: sent now
    assert "emailed, see the email history" in answer.get_data(as_text=True)
    assert reminder_subjects(office) and reminder_subjects(office)[0].startswith("Reminder")
    sam.post(retry, {})  # a second press (an old page) finds nothing failed: nothing more
    assert len(reminder_subjects(office)) == 1
    assert sum("Reminder:" in (m.parsed()["Subject"] or "") for m in sam.smtp.messages) == 1
