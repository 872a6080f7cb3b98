"""Times in each person's time zone, labelled: Sent mail, a document's history, the Gmail tab,
the notes of an administrator's changes; the zone is a General-tab setting, starting as the
browser's."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import update

from tests.conftest import Htmx
from tests.support.office import first_document, send
from webpanel import timefmt
from webpanel.auth.models import User
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox.models import Message

LATE_EVENING_UTC = datetime(2026, 12, 3, 3, 30)  # 2 Dec, 19:30 in Los Angeles


@pytest.mark.parametrize("zone, shown", [
    ("Europe/Paris", "3 Dec 2026, 04:30 CET"),
    ("America/Los_Angeles", "2 Dec 2026, 19:30 PST"),
    ("Asia/Kolkata", "3 Dec 2026, 09:00 IST"),
    ("", "3 Dec 2026, 03:30 UTC"),
    ("Not/AZone", "3 Dec 2026, 03:30 UTC"),
])
def test_a_stored_utc_time_is_shown_in_the_zone_with_its_label(zone, shown):
    assert timefmt.local(LATE_EVENING_UTC, zone) == shown


def set_zone(app, user_id: int, zone: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(time_zone=zone))
        db.session.commit()


@pytest.fixture
def sent_late(app, user_client, user_id, plain_smtp):
    """Sam sent an invoice; its record says 03:30 UTC on 3 December."""
    with app.app_context():
        load_sample_data()
    hx = Htmx(user_client, "/")
    hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    invoice = first_document(app, "invoice")
    assert "Sent." in send(hx, invoice.id)
    with app.app_context():
        db.session.execute(update(Message).values(created_at=LATE_EVENING_UTC,
                                                  sent_at=LATE_EVENING_UTC))
        db.session.commit()
    return invoice


def test_los_angeles_sees_the_evening_it_sent_in_sent_mail_and_the_history(
        app, user_client, user_id, sent_late):
    set_zone(app, user_id, "America/Los_Angeles")
    sent = user_client.get("/sent").get_data(as_text=True)
    assert "2 Dec 2026, 19:30 PST" in sent and "3 Dec 2026" not in sent
    history = user_client.get(f"/documents/{sent_late.id}").get_data(as_text=True)
    assert "2 Dec 2026, 19:30 PST" in history
    assert "Times are in your time zone (America/Los_Angeles)" in history


def test_without_a_zone_times_say_utc(user_client, sent_late):
    assert "3 Dec 2026, 03:30 UTC" in user_client.get("/sent").get_data(as_text=True)


def test_the_general_tab_saves_the_time_zone_and_refuses_an_unknown_one(app, user_client,
                                                                        user_id):
    base = f"/users/{user_id}/email"
    hx = Htmx(user_client, f"{base}/general")
    page = hx.get(f"{base}/general").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="time_zone"[^>]*>', page).group(0)
    assert "data-browser-zone" in select  # static/js picks the browser's zone until saved
    saved = hx.post(f"{base}/general", {"display_name": "Sam", "address": "sam@example.com",
                                        "time_zone": "Europe/Paris"})
    assert "Saved" in saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).time_zone == "Europe/Paris"
    page = hx.get(f"{base}/general").get_data(as_text=True)
    assert '<option selected value="Europe/Paris">' in page
    assert "data-browser-zone" not in page
    bad = hx.post(f"{base}/general", {"display_name": "Sam", "address": "sam@example.com",
                                      "time_zone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert "Choose your time zone from the list." in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).time_zone == "Europe/Paris"


def test_the_browser_tells_its_zone_once(app, user_client, user_id):
    page = user_client.get("/").get_data(as_text=True)
    marker = re.search(r'data-save-time-zone="([^"]+)"', page)
    assert marker  # static/js posts Intl's zone there
    hx = Htmx(user_client, "/")
    assert hx.post(marker.group(1), {"time_zone": "Nowhere/Else"}).status_code == 422
    assert hx.post(marker.group(1), {"time_zone": "Asia/Tokyo"}).status_code == 204
    assert hx.post(marker.group(1), {"time_zone": "Europe/Paris"}).status_code == 204
    with app.app_context():
        assert db.session.get(User, user_id).time_zone == "Asia/Tokyo"  # the first one stays
    assert "data-save-time-zone" not in user_client.get("/").get_data(as_text=True)


def test_an_administrators_change_note_is_in_the_colleagues_zone(app, admin_client, user_client,
                                                                 user_id):
    set_zone(app, user_id, "Asia/Kolkata")
    admin = Htmx(admin_client, f"/users/{user_id}/email/general")
    admin.post(f"/users/{user_id}/email/general", {"display_name": "Sam (Sales)",
                                                   "address": "sam@example.com"})
    page = user_client.get(f"/users/{user_id}/email/general").get_data(as_text=True)
    note = re.search(r"<li>(Changed by [^<]*)</li>", page).group(1)
    assert re.search(r"on \d{1,2} \w{3} \d\d:\d\d IST: Email Display Name$", note), note
