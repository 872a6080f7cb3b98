"""The home page: whether email is set up and what to do, recent documents with their status,
messages to retry (Retry turns the row "Sent"), and Gmail/Outlook sign-ins to renew."""

from __future__ import annotations

import json
import re
from datetime import datetime

from sqlalchemy import select, update

from tests.conftest import Htmx, csrf_from, sign_in
from tests.support.api_accounts import account, choose, connect
from tests.support.office import first_document, send
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.oauth.models import OAuthAccount
from webpanel.outbox.models import Message
from webpanel.settings.models import EmailSettings


def email_card(html: str) -> str:
    return re.search(r'<section class="card home-email.*?</section>', html, re.S).group(0)


def save_smtp(hx, user_id: int, server) -> None:
    saved = hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(server.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    assert "Saved" in saved.get_data(as_text=True)


def test_signing_in_opens_the_home_page_not_email_settings(app, client, user_id):
    response = sign_in(client, "sam@example.com")
    assert response.location == "/"
    home = client.get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "<h1>Hello" in html and "Your email" in html
    assert f'href="/users/{user_id}/email/general">Email settings' in html  # one click away


def test_a_new_person_is_told_their_email_is_not_set_up_and_where_to_fix_it(user_client,
                                                                            user_id):
    card = email_card(user_client.get("/").get_data(as_text=True))
    assert "does not know your SMTP server" in card
    assert f'href="/users/{user_id}/email/smtp"' in card


def test_no_email_address_points_to_the_general_tab(user_client, user_id):
    hx = Htmx(user_client, "/")
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Sam", "address": ""})
    card = email_card(user_client.get("/").get_data(as_text=True))
    assert "You have no Email Address yet" in card
    assert f'href="/users/{user_id}/email/general"' in card


def test_once_smtp_is_saved_the_home_page_says_email_is_set_up(user_client, user_id,
                                                               plain_smtp):
    save_smtp(Htmx(user_client, "/"), user_id, plain_smtp)
    card = email_card(user_client.get("/").get_data(as_text=True))
    assert "Your email is set up and working: documents go from sam@example.com" in card
    assert "127.0.0.1" in card and "warning" not in card


def test_recent_documents_show_their_status(app, user_client, user_id, plain_smtp):
    with app.app_context():
        load_sample_data()
    hx = Htmx(user_client, "/")
    save_smtp(hx, user_id, plain_smtp)
    invoice = first_document(app, "invoice")
    assert "Sent." in send(hx, invoice.id)
    html = user_client.get("/").get_data(as_text=True)
    recent = re.search(r'<table class="list recent-documents">.*?</table>', html, re.S).group(0)
    row = re.search(rf'<tr>\s*<td[^>]*><a href="/documents/{invoice.id}">.*?</tr>', recent,
                    re.S).group(0)
    assert f"Invoice {invoice.number}" in row and ">Sent<" in row
    assert "Not sent" in recent  # the others
    assert f'hx-get="/documents/{invoice.id}/email"' in row


def test_a_failed_message_is_listed_with_retry_and_retry_turns_it_sent(app, user_client,
                                                                       user_id, plain_smtp):
    with app.app_context():
        load_sample_data()
    hx = Htmx(user_client, "/")
    save_smtp(hx, user_id, plain_smtp)
    plain_smtp.stop()
    assert "Not sent" in send(hx, first_document(app, "invoice").id)
    with app.app_context():
        [record] = db.session.scalars(select(Message)).all()
    html = user_client.get("/").get_data(as_text=True)
    row = re.search(rf'<tr id="retry-row-{record.id}">.*?</tr>', html, re.S).group(0)
    assert f'data-message-badge="{record.id}">Failed<' in row
    assert f'hx-post="/sent/{record.id}/retry"' in row

    plain_smtp.start()
    retried = hx.post(f"/sent/{record.id}/retry", {})
    assert "Sent." in retried.get_data(as_text=True)
    events = json.loads(retried.headers["HX-Trigger"])  # the row's badge listens (static/js)
    assert events["message-status"] == {"id": record.id, "status": "sent", "label": "Sent"}
    assert len(plain_smtp.messages) == 1
    assert f'id="retry-row-{record.id}"' not in user_client.get("/").get_data(as_text=True)


def test_a_sign_in_that_needs_reconnecting_is_on_the_home_page(emulated, google, user_client,
                                                               user_id):
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.user_id = user_id
    with emulated.app_context():
        load_sample_data()
    connect(hx, google, "google")
    choose(hx, "gmail")
    assert "through the Gmail API" in email_card(user_client.get("/").get_data(as_text=True))
    with emulated.app_context():
        db.session.execute(update(OAuthAccount).values(
            expires_at=account(emulated, user_id, "google").authorized_at))
        db.session.commit()
    google.revoke_all_tokens_for("sam@example.com")
    assert "Not sent" in send(hx, first_document(emulated, "invoice").id)
    html = user_client.get("/").get_data(as_text=True)
    card = email_card(html)
    assert "Gmail needs reconnecting" in card and f'href="/users/{user_id}/email/gmail"' in card
    reconnect = re.search(r'<section class="card home-reconnect".*?</section>', html, re.S)
    assert reconnect and "Sign In With Google on the Gmail tab" in reconnect.group(0)


def test_gmail_chosen_but_not_signed_in_says_so(app, user_client, user_id):
    hx = Htmx(user_client, "/")
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Sam",
                                                "address": "sam@example.com"})
    with app.app_context():  # a choice saved while signed in, the sign-in since removed
        db.session.execute(update(EmailSettings).values(send_using="gmail"))
        db.session.commit()
    card = email_card(user_client.get("/").get_data(as_text=True))
    assert "You chose Gmail API but are not signed in on the Gmail tab" in card
    assert f'href="/users/{user_id}/email/gmail"' in card


def test_the_home_page_needs_sign_in_and_setup_still_comes_first(client, make_user):
    assert client.get("/").location.endswith("/setup")
    make_user("admin@example.com", admin=True)
    assert "/login" in client.get("/").location
    token = csrf_from(client.get("/login").get_data(as_text=True))
    assert token


def test_a_message_left_sending_by_a_crash_is_listed_as_unknown_with_retry(
        app, user_client, user_id, plain_smtp):
    with app.app_context():
        load_sample_data()
    hx = Htmx(user_client, "/")
    save_smtp(hx, user_id, plain_smtp)
    assert "Sent." in send(hx, first_document(app, "invoice").id)
    with app.app_context():  # as if the panel stopped in the middle of the send
        db.session.execute(update(Message).values(status="sending",
                                                  updated_at=datetime(2026, 1, 1)))
        db.session.commit()
        [record] = db.session.scalars(select(Message)).all()
    html = user_client.get("/").get_data(as_text=True)
    row = re.search(rf'<tr id="retry-row-{record.id}">.*?</tr>', html, re.S).group(0)
    assert "Unknown – check your mailbox" in row and "Retry" in row


def test_the_not_sent_card_lists_newest_first_and_the_scheduled_card_soonest_first(
        app, user_client, user_id, make_user):
    someone_else = make_user("other@example.com")
    soon, later = datetime(2030, 1, 2, 9, 0), datetime(2030, 1, 1, 9, 0)  # inserted in reverse
    rows = [(user_id, "failed", None, "Failed first"), (user_id, "scheduled", soon, "Goes second"),
            (user_id, "failed", None, "Failed newest"), (user_id, "scheduled", later, "Goes first"),
            (someone_else, "failed", None, "Not mine"),
            (someone_else, "scheduled", later, "Not mine either")]
    rows += [(user_id, "sending", None, "Stuck sending"), (user_id, "sending", None, "On its way"),
             (user_id, "queued", None, "Waiting its turn")]  # only the first is unsettled
    with app.app_context():
        db.session.add_all(Message(user_id=uid, idempotency_key=f"k{n}", method="smtp",
                                   status=status, due_at=due, subject=subject,
                                   to_addrs="ann@example.com")
                           for n, (uid, status, due, subject) in enumerate(rows))
        db.session.execute(update(Message).where(Message.subject == "Stuck sending")
                           .values(updated_at=datetime(2020, 1, 1)))
        db.session.commit()
    html = user_client.get("/").get_data(as_text=True)
    not_sent = html[html.index('id="retry-title"'):html.index('id="scheduled-title"')]
    scheduled = html[html.index('id="scheduled-title"'):]
    assert "On its way" not in html and "Waiting its turn" not in html
    assert not_sent.index("Stuck sending") < not_sent.index("Failed newest")
    assert not_sent.index("Failed newest") < not_sent.index("Failed first")
    assert scheduled.index("Goes first") < scheduled.index("Goes second")
    assert "Goes" not in not_sent and "Failed" not in scheduled and "Not mine" not in html
