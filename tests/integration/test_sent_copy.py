"""A copy in the Sent folder, end to end against a real Dovecot and a real SMTP server: set up
on the SMTP tab, made once after each send with the exact bytes, shown in Sent mail and the
document history, and retried alone when it failed."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, update

from tests.conftest import Htmx
from tests.support.office import first_document, send
from tests.support.sam_variants import sam_on_smtp_trusting_ca  # noqa: F401  (the sam fixture)
from tests.support.sent_mail import copy_of, last_message, save_imap, send_invoice, text_of
from webpanel.extensions import db
from webpanel.outbox.models import Message, SentCopy
from webpanel.settings import imap_settings as services
from webpanel.settings.models import ImapSettings


def test_a_sent_message_appears_once_in_sent_with_identical_bytes(
        app, sam, dovecot, imap_account):
    assert save_imap(sam, dovecot, imap_account).status_code == 200
    message, mime = send_invoice(sam, app)
    assert message.status == "sent"
    assert dovecot.messages(imap_account, "Sent") == [mime]
    assert sam.smtp.wait_for_messages(1)[0].data == mime
    record = copy_of(app, message.id)
    assert (record.state, record.folder) == ("copied", "Sent")
    sent_page = text_of(sam.client.get("/sent").get_data(as_text=True))
    assert "Copy in your Sent folder (Sent)." in sent_page


def test_retry_copy_and_a_retried_message_add_no_second_copy(app, sam, dovecot, imap_account):
    save_imap(sam, dovecot, imap_account)
    message, mime = send_invoice(sam, app)
    with app.app_context():  # as if the copy had failed after the server stored it
        db.session.execute(update(SentCopy).values(state="failed", reason="No answer"))
        db.session.commit()
    answer = sam.post(f"/sent/{message.id}/copy/retry", {})
    assert answer.status_code == 200 and "Copy in your Sent folder" in answer.get_data(True)
    with app.app_context():  # a send whose fate was unknown, retried: it goes out again
        db.session.execute(update(Message).values(status="failed"))
        db.session.commit()
    assert sam.post(f"/sent/{message.id}/retry", {}).status_code == 200
    assert last_message(app)[0].status == "sent"
    assert dovecot.messages(imap_account, "Sent") == [mime]
    assert copy_of(app, message.id).state == "copied"


@pytest.mark.parametrize("host", ["smtp.gmail.com", "smtp.office365.com"])
def test_gmail_and_microsoft_keep_their_own_copy(app, sam, dovecot, imap_account, host):
    save_imap(sam, dovecot, imap_account)
    with app.app_context():  # the SMTP server is Gmail's or Microsoft's (not reachable here)
        assert services.imap_config_for(sam.user_id) is not None
    html = sam.post(f"/users/{sam.user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": host, "smtp_port": "587", "smtp_security": "tls",
        "smtp_username": "sam@example.com", "smtp_password": "pw"}).get_data(as_text=True)
    section = text_of(html.split('id="sent-copy-section"', 1)[1])
    provider = "Gmail" if "gmail" in host else "Microsoft"
    assert f"{provider} already keeps a copy of each message in your Sent folder" in section
    assert "so this is off" in section and "IMAP Server" not in section
    refused = save_imap(sam, dovecot, imap_account)
    assert refused.status_code == 422


def test_a_provider_copy_appends_nothing(app, sam, dovecot, imap_account, monkeypatch):
    save_imap(sam, dovecot, imap_account)
    with app.app_context():  # Sam's saved SMTP server reads as Gmail's, the send still local
        from webpanel.mail import imap
        monkeypatch.setitem(imap.KEEPS_OWN_COPY, "127.0.0.1", "Gmail")
    message, _ = send_invoice(sam, app)
    assert message.status == "sent"
    assert dovecot.messages(imap_account, "Sent") == []
    record = copy_of(app, message.id)
    assert record.state == "not_needed" and record.reason.startswith("Gmail already keeps")


def test_a_failed_copy_leaves_the_message_sent_and_retry_copy_works_afterwards(
        app, sam, dovecot, imap_account):
    save_imap(sam, dovecot, imap_account, imap_password="wrong-password")
    result = text_of(send(sam, first_document(app, "invoice").id))
    message, mime = last_message(app)
    assert message.status == "sent"
    record = copy_of(app, message.id)
    assert record.state == "failed" and "rejected the user name or password" in record.reason
    words = "Sent; the copy in your Sent folder failed: "
    assert "Sent." in result and words + record.reason in result and "Retry copy" in result
    sent_page = text_of(sam.client.get("/sent").get_data(as_text=True))
    assert words + record.reason in sent_page and "Retry copy" in sent_page
    preview = sam.get(f"/sent/{message.id}").get_data(as_text=True)
    assert words in text_of(preview) and "Retry copy" in preview
    history = sam.get(f"/documents/{message.document_id}/emails").get_data(as_text=True)
    assert words in text_of(history) and "Retry copy" in history
    assert dovecot.messages(imap_account, "Sent") == []

    save_imap(sam, dovecot, imap_account)  # the right password now
    answer = sam.post(f"/sent/{message.id}/copy/retry", {})
    assert "Copy in your Sent folder (Sent)." in text_of(answer.get_data(as_text=True))
    assert dovecot.messages(imap_account, "Sent") == [mime]
    assert last_message(app)[0].status == "sent"


def test_a_stopped_imap_server_fails_the_copy_in_plain_words(app, sam, imap_account, dovecot):
    from tests.support.smtpd import closed_port

    save_imap(sam, dovecot, imap_account, imap_host="127.0.0.1", imap_port=str(closed_port()))
    message, _ = send_invoice(sam, app)
    assert message.status == "sent"
    record = copy_of(app, message.id)
    assert record.state == "failed" and "Nothing accepted the connection" in record.reason


def test_another_persons_copy_cannot_be_retried(app, sam, dovecot, imap_account, make_user,
                                                 client):
    from tests.conftest import sign_in

    save_imap(sam, dovecot, imap_account, imap_password="wrong-password")
    message, _ = send_invoice(sam, app)
    make_user("lee@example.com")
    sign_in(client, "lee@example.com")
    lee = Htmx(client, "/sent")
    assert lee.post(f"/sent/{message.id}/copy/retry", {}).status_code == 404
    assert copy_of(app, message.id).attempts == 1


def test_a_silent_imap_server_holds_the_send_no_longer_than_the_mail_timeout(
        app, sam, dovecot, imap_account, silent_server):
    save_imap(sam, dovecot, imap_account, imap_host="127.0.0.1", imap_security="none",
              imap_port=str(silent_server.port))
    started = time.monotonic()
    message, _ = send_invoice(sam, app)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0 * 4  # MAIL_TIMEOUT is 2 s here; the copy gives up by then
    record = copy_of(app, message.id)
    assert message.status == "sent"
    assert record.state == "failed" and "No answer" in record.reason


def test_key_rotation_re_encrypts_the_imap_password(app, sam, dovecot, imap_account):
    from webpanel.keys import rotate_all

    save_imap(sam, dovecot, imap_account)
    with app.app_context():
        before = db.session.scalar(select(ImapSettings.password_enc))
        rotate_all(app)
        db.session.expire_all()
        assert db.session.scalar(select(ImapSettings.password_enc)) != before
        assert services.imap_config_for(sam.user_id).password == imap_account.password


def test_a_copy_left_pending_by_a_crash_reads_as_failed_and_can_be_retried(
        app, sam, dovecot, imap_account):
    from datetime import timedelta

    from webpanel.database import utcnow

    save_imap(sam, dovecot, imap_account)
    message, mime = send_invoice(sam, app)
    with app.app_context():  # a copy still under way: Retry copy does nothing
        db.session.execute(update(SentCopy).values(state="pending", updated_at=utcnow()))
        db.session.commit()
    answer = text_of(sam.post(f"/sent/{message.id}/copy/retry", {}).get_data(as_text=True))
    assert "Copying to your Sent folder" in answer and copy_of(app, message.id).attempts == 1
    with app.app_context():  # the worker died mid-copy, long ago
        db.session.execute(update(SentCopy).values(updated_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    page = text_of(sam.client.get("/sent").get_data(as_text=True))
    assert ("Sent; the copy in your Sent folder failed: The copy was interrupted before it "
            "finished.") in page and "Retry copy" in page
    sam.post(f"/sent/{message.id}/copy/retry", {})
    assert copy_of(app, message.id).state == "copied"
    assert dovecot.messages(imap_account, "Sent") == [mime]


def test_retry_copy_runs_on_the_worker_and_the_page_follows_it(
        app, sam, dovecot, imap_account, make_app, watch):
    from tests.conftest import sign_in
    from webpanel import worker

    save_imap(sam, dovecot, imap_account, imap_password="wrong-password")
    message, mime = send_invoice(sam, app)
    save_imap(sam, dovecot, imap_account)  # the right password now
    queued_app = make_app(WORKER_IMMEDIATE=False)  # the same database, a real queue
    queue = worker.queue(queued_app)
    client = queued_app.test_client()
    sign_in(client, "sam@example.com")
    hx = Htmx(client, "/sent")
    watch.outside.clear()
    answer = hx.post(f"/sent/{message.id}/copy/retry", {}).get_data(as_text=True)
    assert "Copying to your Sent folder…" in text_of(answer)
    assert f'hx-get="/sent/{message.id}/copy" hx-trigger="load delay:2s"' in answer
    hx.post(f"/sent/{message.id}/copy/retry", {})  # a second click while it waits
    assert watch.outside == [] and queue.pending_count() == 1  # no IMAP in the requests
    assert "Copying to your Sent folder…" in text_of(hx.get(f"/sent/{message.id}/copy")
                                                      .get_data(as_text=True))
    queue.execute(queue.dequeue())  # as the worker runs it
    shown = hx.get(f"/sent/{message.id}/copy").get_data(as_text=True)
    assert "Copy in your Sent folder (Sent)." in text_of(shown) and "hx-get" not in shown
    assert dovecot.messages(imap_account, "Sent") == [mime]
    assert copy_of(app, message.id).attempts == 2


def test_another_persons_copy_state_is_not_shown(app, sam, dovecot, imap_account, make_user,
                                                 client):
    from tests.conftest import sign_in

    save_imap(sam, dovecot, imap_account)
    message, _ = send_invoice(sam, app)
    make_user("lee@example.com")
    sign_in(client, "lee@example.com")
    assert client.get(f"/sent/{message.id}/copy").status_code == 404
