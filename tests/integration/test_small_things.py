"""Small things of issue 11: Integrations redirects after saving; De-Authorize of the API one
sends with leaves a chosen way and a notice; a token Google already revoked is said so; Retry
tells every badge of the message on the page."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.conftest import Htmx
from tests.support.api_accounts import FORM, TABS, account, choose, connect
from tests.support.office import first_document, send
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.settings.models import EmailSettings

NAMES = {"google": "Gmail", "microsoft": "Outlook"}


def test_the_integrations_page_redirects_after_saving(app, admin_client):
    hx = Htmx(admin_client, "/integrations/")
    saved = hx.post("/integrations/", FORM, htmx=False)
    assert saved.status_code == 302 and saved.location == "/integrations/"
    page = admin_client.get(saved.location).get_data(as_text=True)
    assert "Saved." in page and 'role="status"' in page
    assert "Saved." not in admin_client.get("/integrations/").get_data(as_text=True)  # once
    refused = hx.post("/integrations/", {**FORM, "microsoft_tenant": "bad tenant/../x"},
                      htmx=False)
    assert refused.status_code == 422  # a mistake stays on the page, at its field


@pytest.fixture
def sam(emulated, user_client, user_id):
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Sam",
                                                "address": "sam@example.com"})
    hx.user_id = user_id
    return hx


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_de_authorizing_the_api_one_sends_with_falls_back_to_smtp_with_a_notice(
        sam, emulated, provider, request):
    connect(sam, request.getfixturevalue(provider), provider)
    choose(sam, TABS[provider])
    done = sam.post(f"/users/{sam.user_id}/email/{TABS[provider]}/deauthorize", {})
    assert "Send Mail Using is SMTP Server now" in done.get_data(as_text=True)
    with emulated.app_context():
        assert db.session.get(EmailSettings, sam.user_id).send_using == "smtp"
    smtp = sam.get(f"/users/{sam.user_id}/email/smtp").get_data(as_text=True)
    assert f"You signed out of {NAMES[provider]}; choose how to send." in smtp
    assert re.search(r'<input checked[^>]*name="send_using"[^>]*value="smtp"', smtp)
    again = sam.get(f"/users/{sam.user_id}/email/smtp").get_data(as_text=True)
    assert "You signed out of" not in again  # said once
    assert re.search(r'<input checked[^>]*name="send_using"[^>]*value="smtp"', again)


def test_de_authorizing_another_api_leaves_send_mail_using_alone(sam, emulated, google):
    connect(sam, google, "google")
    choose(sam, "client")
    done = sam.post(f"/users/{sam.user_id}/email/gmail/deauthorize", {}).get_data(True)
    assert "Send Mail Using is SMTP Server now" not in done
    with emulated.app_context():
        assert db.session.get(EmailSettings, sam.user_id).send_using == "client"


def test_a_sign_in_google_already_revoked_is_said_so(sam, emulated, google):
    connect(sam, google, "google")
    google.revoke_all_tokens_for("sam@example.com")  # e.g. removed in the Google Account
    html = sam.post(f"/users/{sam.user_id}/email/gmail/deauthorize", {}).get_data(True)
    assert ("Google says this sign-in was already revoked; it is removed here too" in
            html.replace("&#39;", "'"))
    assert "could not be reached" not in html
    assert account(emulated, sam.user_id, "google") is None


def test_a_revoke_google_cannot_answer_still_says_could_not_be_reached(sam, emulated, google):
    connect(sam, google, "google")
    google.fail_next("revoke", "500")
    html = sam.post(f"/users/{sam.user_id}/email/gmail/deauthorize", {}).get_data(True)
    assert "could not be reached to revoke" in html and "already revoked" not in html


def test_retry_in_sent_mail_tells_the_list_row_and_the_preview_badge(app, user_client,
                                                                     user_id, plain_smtp):
    with app.app_context():
        load_sample_data()
    hx = Htmx(user_client, "/")
    hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    plain_smtp.stop()
    document = first_document(app, "invoice")
    send(hx, document.id)
    with app.app_context():
        [record] = db.session.scalars(select(Message)).all()
    page = user_client.get(f"/sent/{record.id}").get_data(as_text=True)
    badges = re.findall(rf'data-message-badge="{record.id}">([^<]+)<', page)
    assert badges == ["Failed", "Failed"]  # the list row and the preview
    plain_smtp.start()
    retried = hx.post(f"/sent/{record.id}/retry", {})
    events = json.loads(retried.headers["HX-Trigger"])
    assert events["message-status"] == {"id": record.id, "status": "sent", "label": "Sent"}
    assert events["email-sent"] == {"document": document.id}  # the history reloads too
    page = user_client.get(f"/sent/{record.id}").get_data(as_text=True)
    assert re.findall(rf'data-message-badge="{record.id}">([^<]+)<', page) == ["Sent", "Sent"]
