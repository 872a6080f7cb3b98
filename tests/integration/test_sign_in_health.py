"""Sign-ins that warn before they break: a failed renewal, a Google app in Testing, a sign-in
unused for long; on the Gmail/Outlook tab and on the home page, gone once it is healthy."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import Htmx, sam_with_samples
from tests.support.api_accounts import (
    account,
    choose,
    connect,
    set_account,
    stale_access_token,
    tab,
)
from tests.support.office import first_document, send
from webpanel import timefmt
from webpanel.auth.models import User
from webpanel.database import utcnow
from webpanel.extensions import db

ZONE = "America/New_York"
SEVEN_DAYS = 7 * 24 * 3600


@pytest.fixture
def sam(emulated, user_client, user_id):
    """Sam with sample documents, whose times are shown in New York time."""
    hx = sam_with_samples(emulated, user_client, user_id)
    with emulated.app_context():
        db.session.get(User, user_id).time_zone = ZONE
        db.session.commit()
    return hx


def home_risks(hx) -> str:
    """The home page's "Sign-ins to look after" card, or "" when there is none."""
    html = hx.client.get("/").get_data(as_text=True)
    found = re.search(r'<section class="card home-sign-in-risks".*?</section>', html, re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_a_healthy_sign_in_warns_of_nothing(sam, emulated, provider, request):
    connect(sam, request.getfixturevalue(provider), provider)
    page = tab(sam, {"google": "gmail", "microsoft": "outlook"}[provider])
    assert "sam@example.com" in page and "data-risk" not in page
    assert home_risks(sam) == ""


@pytest.mark.parametrize("fix", ["a good renewal", "signing in again"])
def test_a_failed_renewal_warns_until_it_works_again(sam, emulated, google, fix):
    connect(sam, google, "google")
    choose(sam, "gmail")
    stale_access_token(emulated, sam.user_id, google, "google")
    google.fail_next("token", "500")
    assert "Not sent" in send(sam, first_document(emulated, "invoice").id)
    failed = account(emulated, sam.user_id, "google")
    assert failed.refresh_failed_at and not failed.needs_reconnect
    local = timefmt.local(failed.refresh_failed_at, ZONE)
    page = tab(sam, "gmail")
    assert 'data-risk="refresh-failed"' in page and "The last renewal failed." in page
    assert f"On {local} the panel could not renew its access to Google" in page
    assert "to Google: Google did not answer when the panel renewed its access." in page
    assert re.search(r'action="/users/\d+/email/gmail/connect"[^<]*<input[^>]*>\s*'
                     r'<button type="submit" class="primary">Reconnect</button>', page)
    card = home_risks(sam)
    assert "Gmail (sam@example.com)" in card and "The last renewal failed." in card
    assert local in card and f'href="/users/{sam.user_id}/email/gmail">Reconnect' in card
    if fix == "a good renewal":
        assert "Sent." in send(sam, first_document(emulated, "invoice").id)
    else:
        connect(sam, google, "google")
    assert account(emulated, sam.user_id, "google").refresh_failed_at is None
    assert "data-risk" not in tab(sam, "gmail") and home_risks(sam) == ""


def test_a_google_app_in_testing_says_when_the_sign_in_ends(sam, emulated, google):
    google.refresh_token_expires_in = SEVEN_DAYS  # the app is in "Testing"
    before = utcnow()
    connect(sam, google, "google")
    ends = account(emulated, sam.user_id, "google").refresh_expires_at
    assert before + timedelta(days=7) <= ends <= utcnow() + timedelta(days=7)
    local = timefmt.local(ends, ZONE)
    page = tab(sam, "gmail")
    assert f"This sign-in ends on {local}." in page and "<em>Testing</em>" in page
    assert "ask your administrator to publish the panel's Google app" in page
    card = home_risks(sam)
    assert f"This sign-in ends on {local}." in card
    assert f'<a href="/users/{sam.user_id}/email/gmail">Gmail tab</a>' in card
    google.refresh_token_expires_in = None  # published "In production"
    connect(sam, google, "google")
    assert account(emulated, sam.user_id, "google").refresh_expires_at is None
    assert "data-risk" not in tab(sam, "gmail") and home_risks(sam) == ""


def test_an_administrator_is_sent_to_the_how_to(emulated, google, admin_client, admin_id):
    hx = Htmx(admin_client, f"/users/{admin_id}/email/general")
    hx.user_id = admin_id
    google.refresh_token_expires_in = SEVEN_DAYS
    connect(hx, google, "google", email_address="admin@example.com")
    page = tab(hx, "gmail")
    assert 'href="/integrations/#google-publish">the Integrations how-to</a>' in page
    assert 'id="google-publish"' in admin_client.get("/integrations/").get_data(as_text=True)


def test_the_end_date_follows_what_a_renewal_says(sam, emulated, google):
    google.refresh_token_expires_in = SEVEN_DAYS
    connect(sam, google, "google")
    choose(sam, "gmail")
    first = account(emulated, sam.user_id, "google").refresh_expires_at
    google.refresh_token_expires_in = SEVEN_DAYS - 3600  # an hour later, an hour less left
    stale_access_token(emulated, sam.user_id, google, "google")
    assert "Sent." in send(sam, first_document(emulated, "invoice").id)
    renewed = account(emulated, sam.user_id, "google")
    assert renewed.refreshed_at and renewed.refresh_expires_at < first
    google.refresh_token_expires_in = None  # a renewal that does not say keeps the date
    stale_access_token(emulated, sam.user_id, google, "google")
    assert "Sent." in send(sam, first_document(emulated, "invoice").id)
    assert account(emulated, sam.user_id, "google").refresh_expires_at == \
        renewed.refresh_expires_at


def test_an_outlook_sign_in_unused_for_80_days_warns_until_it_sends(sam, emulated, microsoft,
                                                                     google):
    connect(sam, microsoft, "microsoft")
    connect(sam, google, "google")
    long_ago = utcnow() - timedelta(days=85)
    for provider in ("microsoft", "google"):
        set_account(emulated, sam.user_id, provider, authorized_at=long_ago,
                    refreshed_at=None, last_sent_at=None)
    page = tab(sam, "outlook")
    assert 'data-risk="unused"' in page
    assert f"Not used since {timefmt.local(long_ago, ZONE)}." in page
    until = timefmt.local(long_ago + timedelta(days=90), ZONE, "date")
    assert f"Microsoft ends a sign-in that is not used for 90 days: this one on about {until}." \
        in page
    assert "data-risk" not in tab(sam, "gmail")  # Google keeps one for six months
    card = home_risks(sam)
    assert "Outlook (sam@example.com)" in card and "Gmail" not in card
    choose(sam, "outlook")
    assert "Sent." in send(sam, first_document(emulated, "invoice").id)
    assert account(emulated, sam.user_id, "microsoft").last_sent_at > long_ago
    assert "data-risk" not in tab(sam, "outlook") and home_risks(sam) == ""
    assert "Last sent" in tab(sam, "outlook")
