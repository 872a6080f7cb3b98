# ruff: noqa: F811  (the outbox tests' fixtures are imported and used by name)
"""Bounces for a person: a real SMTP send asking for DSN, a report delivered to a real Dovecot
INBOX, the reading (the background worker's periodic job, Check now on Sent mail, and `flask
mail check-bounces`), and what Sent mail, the document's history and a Send Test result then
say per recipient. No page reads an inbox."""

from __future__ import annotations

import html
import re
import time

import pytest
from sqlalchemy import delete, func, select, update

from tests.conftest import Htmx, sam_with_smtp, sign_in
from tests.support.documents import text_of
from tests.support.office import first_document, messages, send
from tests.support.sent_mail import UNKNOWN, envid_of, report, set_up_imap
from tests.support.workers import wait_for
from webpanel import worker
from webpanel.bounces import claims, jobs, services
from webpanel.bounces.models import BounceReport, BounceScan
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mail import dsn
from webpanel.mail.imap import ImapConfig
from webpanel.outbox.models import Message, MessageBody
from webpanel.settings.models import ImapSettings

CC = "accounts@customer.example"
def mailbox_state(dovecot, account) -> tuple[list[bytes], list[bytes]]:
    """Every INBOX message's bytes and flags, as another mail program sees them."""
    with dovecot.connect(account) as client:
        client.select("INBOX", readonly=True)
        _, found = client.fetch("1:*", "(FLAGS)")
    return dovecot.messages(account, "INBOX"), found


@pytest.fixture
def sam(office, user_client, user_id, smtp_server_factory, dovecot, imap_account):
    """Sam, signed in, sending through a local SMTP server that offers DSN, with IMAP set up."""
    hx = sam_with_smtp(office, user_client, user_id, smtp_server_factory(mode="plain", dsn=True))
    set_up_imap(office, user_id, dovecot, imap_account)
    hx.dovecot, hx.account = dovecot, imap_account
    return hx


def sent_invoice(sam, office):
    """Email the first invoice To its customer, Cc accounts; (document, record, bytes sent)."""
    invoice = first_document(office, "invoice")
    assert "Sent." in send(sam, invoice.id, cc=CC)
    [got] = sam.smtp.wait_for_messages(1)
    return invoice, messages(office)[-1], got


def check(sam) -> str:
    response = sam.post("/sent/bounces/check", {})
    assert response.status_code == 200
    return text_of(response)


def cli_lines(app) -> list[str]:
    """What `flask mail check-bounces` prints, line by line."""
    run = app.test_cli_runner().invoke(args=["mail", "check-bounces"])
    return run.output.splitlines()


def reports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(BounceReport))


def test_a_bounce_marks_the_right_recipient_in_sent_mail_and_the_history(sam, office):
    invoice, record, got = sent_invoice(sam, office)
    customer = invoice.contact.email
    envid = envid_of(got.data)
    assert got.dsn_mail == ["RET=HDRS", f"ENVID={dsn.xtext(envid)}"]
    assert got.dsn_rcpt[customer] == ["NOTIFY=FAILURE,DELAY"] == got.dsn_rcpt[CC]
    ordinary = b"From: ann@customer.example\r\nSubject: thanks\r\n\r\nGot it.\r\n"
    sam.dovecot.append(sam.account, "INBOX", ordinary)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, customer, envid=envid))
    before = mailbox_state(sam.dovecot, sam.account)

    response = sam.post("/sent/bounces/check", {})
    assert "1 new bounce found in your inbox." in text_of(response)
    assert response.headers["HX-Trigger"] == "bounces-found"  # the list and preview reload
    assert mailbox_state(sam.dovecot, sam.account) == before  # same mail, same flags
    assert b"\\Seen" not in b" ".join(before[1]) and len(before[0]) == 2

    bounced = f"Bounced {customer}: {UNKNOWN.format(customer)}"
    row = text_of(sam.get("/sent")).split(record.subject)[1]
    assert "Sent Bounced" in row  # the row's badge
    preview = text_of(sam.client.get(f"/sent/{record.id}"))
    assert bounced in preview and f"Sent {CC}" in preview
    history = text_of(sam.client.get(f"/documents/{invoice.id}")).split("Email history")[1]
    assert bounced in history and f"Sent {CC}" in history


def test_checking_again_adds_nothing_even_reading_the_inbox_afresh(sam, office):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    assert "1 new bounce" in check(sam)
    assert "sam@example.com: 0 new bounces" in cli_lines(office)
    with office.app_context():  # as if the folder had been recreated: every report is read
        db.session.execute(delete(BounceScan))
        db.session.commit()
    assert "No new bounce reports" in check(sam)
    assert reports(office) == 1
    assert text_of(sam.get(f"/sent/{record.id}")).count("Bounced") == 1  # the preview


def test_check_now_reads_the_inbox_at_most_once_a_minute(sam, office):
    invoice, record, got = sent_invoice(sam, office)
    assert "No new bounce reports" in check(sam)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    assert "Checked for bounce reports a moment ago." in check(sam) and reports(office) == 0
    with office.app_context():
        jobs.read_all()  # the worker's round is not held back
    assert "Bounced" in text_of(sam.get(f"/sent/{record.id}"))
    assert "sam@example.com: 0 new bounces" in cli_lines(office)  # nor is cron


def test_another_persons_message_with_the_same_message_id_is_not_marked(sam, office,
                                                                       make_user):
    invoice, record, got = sent_invoice(sam, office)
    lee_id = make_user("lee@example.com")
    with office.app_context():  # Lee's record holds the very same bytes
        lee_copy = Message(user_id=lee_id, idempotency_key="lee-1", method="smtp",
                           status="sent", subject=record.subject, to_addrs=record.to_addrs)
        lee_copy.body = MessageBody(mime=got.data)
        db.session.add(lee_copy)
        db.session.commit()
        lee_message = lee_copy.id
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    assert "1 new bounce" in check(sam)
    with office.app_context():
        marked = db.session.scalars(select(BounceReport.message_id)).all()
    assert marked == [record.id]
    lee = office.test_client()
    sign_in(lee, "lee@example.com")
    assert "Bounced" not in text_of(lee.get(f"/sent/{lee_message}"))


def test_a_report_about_nobodys_message_stores_nothing(sam, office):
    stranger = (b"From: x@elsewhere.example\r\nTo: y@elsewhere.example\r\n"
                b"Message-ID: <not-ours@elsewhere.example>\r\n\r\nhi\r\n")
    sam.dovecot.append(sam.account, "INBOX", report(stranger, "y@elsewhere.example",
                                                    envid="not-ours@elsewhere.example"))
    assert "No new bounce reports" in check(sam) and reports(office) == 0


@pytest.mark.parametrize("damaged", [
    b"Content-Type: multipart/report; report-type=delivery-status\r\n\r\nno boundary at all\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\n\xff\xfe\x00garbage: \x01\r\n\r\n"
    b"Action\r\n--B--\r\n",
    b"Content-Type: multipart/report; report-type=\"delivery-status\"; boundary=\"B\"\r\n\r\n"
    b"--B\r\nContent-Type: message/delivery-status\r\n\r\n--B--\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
    + b"X-Long: " + b"a" * 20_000 + b"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n=\r\n--B",
])
def test_a_malformed_report_does_not_break_the_check(sam, office, damaged):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", damaged)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    assert "1 new bounce" in check(sam)
    assert "Bounced" in text_of(sam.client.get(f"/sent/{record.id}"))


def test_a_delayed_report_says_delayed_with_its_text(sam, office):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(
        got.data, CC, action="delayed", status="4.4.7",
        diagnostic="450 4.4.7 still trying, will retry for 4 more days"))
    assert "1 new bounce" in check(sam)
    preview = text_of(sam.client.get(f"/sent/{record.id}"))
    assert f"Delayed {CC}: 450 4.4.7 still trying, will retry for 4 more days" in preview
    assert f"Sent {invoice.contact.email}" in preview
    assert "Delayed" in text_of(sam.get("/sent")).split(record.subject)[1]


def test_a_failure_after_a_delay_shows_bounced(sam, office):
    invoice, record, got = sent_invoice(sam, office)
    customer = invoice.contact.email
    sam.dovecot.append(sam.account, "INBOX", report(
        got.data, customer, action="delayed", status="4.4.7", diagnostic="450 4.4.7 later"))
    sam.dovecot.append(sam.account, "INBOX", report(got.data, customer))
    assert "2 new bounces" in check(sam)
    preview = text_of(sam.get(f"/sent/{record.id}"))
    assert f"Bounced {customer}: {UNKNOWN.format(customer)}" in preview
    assert "Delayed" not in preview and f"Sent {CC}" in preview


def test_a_strangers_diagnostic_is_escaped_cleaned_and_capped(sam, office):
    invoice, record, got = sent_invoice(sam, office)
    hostile = "550 <script>alert(1)</script> \x1b[31m\u202egnp.exe " + "x" * 1000
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data),
                                                    diagnostic=hostile))
    assert "1 new bounce" in check(sam)
    html = sam.client.get(f"/sent/{record.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\x1b" not in html and "\u202e" not in html
    [line] = [li for li in html.split("<li") if "alert(1)" in li]
    assert "x" * 150 in line and "x" * 200 not in line and "…" in line


def test_opening_sent_mail_reads_no_inbox_and_says_when_the_worker_read_it(sam, office, watch):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    watch.outside.clear()
    page = text_of(sam.client.get("/sent"))
    assert ("Bounce reports not read yet. The panel reads your inbox for them every 5 minutes. "
            "Check now") in page
    assert watch.inside == watch.outside == []  # no IMAP while the page loads
    with office.app_context():
        assert jobs.read_all() == 1  # the worker's periodic job: one check per person
    assert watch.inside == [] and watch.outside  # IMAP, outside any transaction
    watch.outside.clear()
    response = sam.client.get("/sent")
    page, html = text_of(response), response.get_data(as_text=True)
    assert re.search(r"Bounce reports read at \d+ \w+ \d\d:\d\d UTC\. The panel reads your "
                     r"inbox for them every 5 minutes\.", page)
    assert "Bounced" in page.split(record.subject)[1] and watch.outside == []
    assert 'hx-post="/sent/bounces/check"' in html and 'hx-trigger="load"' not in html
    filtered = sam.client.get("/sent?status=sent&_external=1&_scheme=evil").get_data(as_text=True)
    assert 'hx-get="/sent?status=sent" hx-trigger="bounces-found from:body"' in filtered


def test_a_running_worker_reads_bounce_reports_with_no_page_opened(sam, office, make_app,
                                                                  start_worker):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    start_worker()  # `flask worker`: its round of bounce reading runs as it starts
    wait_for(lambda: reports(office) == 1, timeout=30)
    preview = text_of(sam.client.get(f"/sent/{record.id}"))
    assert f"Bounced {invoice.contact.email}" in preview
    assert "Bounce reports read at " in text_of(sam.client.get("/sent"))
    queue = worker.queue(make_app(WORKER_IMMEDIATE=False))  # the worker's own queue file
    assert set(queue.all_results()) <= {worker.HEARTBEAT_KEY}  # the jobs leave no results


def test_the_periodic_job_reads_everyones_inbox(sam, office, make_user, dovecot):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    lee_id = make_user("lee@example.com")
    set_up_imap(office, lee_id, dovecot, dovecot.add_account(), password="wrong password")
    with office.app_context():
        assert jobs.read_all() == 2
    assert "Bounced" in text_of(sam.get(f"/sent/{record.id}"))
    lee = office.test_client()
    sign_in(lee, "lee@example.com")
    assert re.search(r"The last reading of bounce reports failed: .*rejected the user name or "
                     r"password.* Next try at .+ UTC\.", text_of(lee.get("/sent")))
    with office.app_context():  # the next round waits out Lee's back-off: no second try yet
        scan = db.session.get(BounceScan, lee_id)
        tried_at = scan.checked_at
        jobs.read_all()
        assert db.session.get(BounceScan, lee_id, populate_existing=True).checked_at == tried_at


def test_two_readers_never_read_one_inbox_at_once(sam, office, watch):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    with office.app_context():
        owner = claims.take(sam.user_id)  # another worker is reading Sam's inbox
        assert owner is not None and claims.take(sam.user_id) is None
    watch.outside.clear()
    assert "sam@example.com: Being read now by another check." in cli_lines(office)
    with office.app_context():
        jobs.read_all()
    assert watch.outside == [] and reports(office) == 0  # nobody else connected
    with office.app_context():  # that reader died: its claim runs out
        db.session.execute(update(BounceScan).values(claimed_until=utcnow()))
        db.session.commit()
        jobs.read_all()
    assert reports(office) == 1
    with office.app_context():
        scan = db.session.get(BounceScan, sam.user_id)
        assert scan.claim_owner is None and scan.claimed_until is None  # given back


def test_check_now_is_queued_for_the_worker_and_answers_once_it_read(sam, office, make_app,
                                                                     watch):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    queued_app = make_app(WORKER_IMMEDIATE=False)  # the same database, a real queue, no worker
    queue = worker.queue(queued_app)
    client = queued_app.test_client()
    sign_in(client, "sam@example.com")
    hx = Htmx(client, "/sent")
    watch.outside.clear()
    answer = hx.post("/sent/bounces/check", {})
    assert text_of(answer).strip() == ("Queued: your inbox is read when the background worker "
                                       "runs.")
    queue.put(worker.HEARTBEAT_KEY, time.time())  # a worker beats from now on
    asking = hx.post("/sent/bounces/check", {})
    assert text_of(asking).strip() == "Checking your inbox for bounce reports…"
    [poll] = re.findall(r'hx-get="([^"]+)" hx-trigger="load delay:1s"',
                        asking.get_data(as_text=True))
    assert watch.outside == [] and queue.pending_count() == 2  # nothing read in the requests
    assert "Checking your inbox" in text_of(hx.get(html.unescape(poll)))
    while queue.pending_count():  # as the worker runs them
        queue.execute(queue.dequeue())
    done = hx.get(html.unescape(poll))
    assert text_of(done).strip().startswith("1 new bounce found in your inbox. Bounce reports "
                                            "read at ")
    assert done.headers["HX-Trigger"] == "bounces-found" and reports(office) == 1
    assert hx.get("/sent/bounces/check?since=yesterday").status_code == 404


def test_without_imap_nothing_is_read_and_no_check_is_offered(office, user_client):
    page = user_client.get("/sent").get_data(as_text=True)
    assert "/sent/bounces/check" not in page and "Bounce reports" not in page


def test_send_test_notes_earlier_bounces(sam, office):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    with office.app_context():
        jobs.read_all()
    result = sam.post(f"/users/{sam.user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(sam.smtp.port),
        "smtp_security": "none", "smtp_username": "user", "test_to": "pat@example.org",
        "test_subject": "Test"}).get_data(as_text=True)
    assert "It works" in result and 'hx-get="/sent/bounces/send-test-note"' in result
    note = text_of(sam.get("/sent/bounces/send-test-note"))
    assert "Earlier messages bounced" in note
    assert f"to {invoice.contact.email}: Bounced: {UNKNOWN.format(invoice.contact.email)}" in note


def test_the_imap_visit_has_its_deadline(app, user_id, silent_server):
    config = ImapConfig("127.0.0.1", silent_server.port, "none", "sam", "pw", timeout=1,
                        deadline=1)
    started = time.monotonic()
    with app.test_request_context():
        result = services.check(user_id, config)
    assert time.monotonic() - started < 6
    assert result.error is not None and "in time" in result.text


def test_the_command_reads_everyones_inbox_and_says_so(sam, office, make_user, dovecot):
    invoice, record, got = sent_invoice(sam, office)
    sam.dovecot.append(sam.account, "INBOX", report(got.data, invoice.contact.email,
                                                    envid=envid_of(got.data)))
    lee_id = make_user("lee@example.com")
    set_up_imap(office, lee_id, dovecot, dovecot.add_account(), password="wrong password")
    run = office.test_cli_runner().invoke(args=["mail", "check-bounces"])
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert "sam@example.com: 1 new bounce" in lines
    [lee] = [line for line in lines if line.startswith("lee@example.com: ")]
    assert "rejected the user name or password" in lee
    again = office.test_cli_runner().invoke(args=["mail", "check-bounces"])
    assert "sam@example.com: 0 new bounces" in again.output.splitlines()


def test_the_command_fails_only_when_every_check_failed(office, make_user, dovecot):
    lee_id = make_user("lee@example.com")
    set_up_imap(office, lee_id, dovecot, dovecot.add_account(), password="wrong password")
    run = office.test_cli_runner().invoke(args=["mail", "check-bounces"])
    assert run.exit_code == 1 and "lee@example.com: " in run.output
    nobody = office.test_cli_runner()
    with office.app_context():
        db.session.execute(delete(ImapSettings))
        db.session.commit()
    empty = nobody.invoke(args=["mail", "check-bounces"])
    assert empty.exit_code == 0 and "Nobody has IMAP set up" in empty.output
