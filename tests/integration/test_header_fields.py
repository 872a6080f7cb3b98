"""Every form field that ends up in a mail header refuses every character that can break one
(CR, LF, VT, FF, FS, GS, RS, NEL, U+2028, U+2029, NUL and the other controls): a message at
that field, never a 500, and nothing saved or sent."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from tests.conftest import Htmx
from webpanel.contacts.models import Contact
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.settings.models import EmailSettings

BREAKERS = {"CR": "\r", "LF": "\n", "VT": "\x0b", "FF": "\x0c", "FS": "\x1c", "GS": "\x1d",
            "RS": "\x1e", "NEL": "\x85", "LS": "\u2028", "PS": "\u2029", "NUL": "\x00",
            "ESC": "\x1b", "DEL": "\x7f", "CSI": "\x9b", "TAB": "\t"}
ADDRESS_FIELDS = {"address", "reply_to", "test_to", "email", "to", "cc", "bcc", "default_cc",
                  "default_bcc"}


def hostile(field: str, character: str) -> str:
    """A value whose break would start a Bcc header if it reached the wire."""
    if field in ADDRESS_FIELDS:
        return f"pat@example.org{character}Bcc: victim@example.net"
    return f"Hello{character}Bcc: victim@example.net"


@pytest.fixture
def office(app, admin_client, admin_id):
    """An administrator with sample documents and an Email Address to send from."""
    with app.app_context():
        load_sample_data()
    hx = Htmx(admin_client, f"/users/{admin_id}/email/general")
    hx.post(f"/users/{admin_id}/email/general", {"address": "admin@example.com"})
    hx.user_id = admin_id
    return hx


def compose_key(hx) -> str:
    html = hx.get("/documents/1/email").get_data(as_text=True)
    return re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)


def forms(hx) -> list[tuple[str, dict, list[str]]]:
    """(URL, a valid post, the header-bound fields) for every form that feeds a header."""
    uid = hx.user_id
    return [
        (f"/users/{uid}/email/general", {"display_name": "Ann", "address": "ann@example.com",
                                         "reply_to": "office@example.com"},
         ["display_name", "address", "reply_to"]),
        (f"/users/{uid}/email/smtp/test", {"send_using": "smtp", "smtp_server": "127.0.0.1",
                                           "smtp_port": "2525", "smtp_security": "none",
                                           "test_to": "pat@example.org", "test_subject": "Hi"},
         ["test_to", "test_subject"]),
        ("/documents/1/email", {"to": "pat@example.org", "cc": "", "bcc": "", "reply_to": "",
                                "subject": "Invoice", "body": "Hello", "idempotency_key": ""},
         ["to", "cc", "bcc", "reply_to", "subject"]),
        ("/email-templates/invoices/", {"subject": "Invoice {{ document.number }}",
                                        "body": "Hello", "bcc": "", "reply_to": ""},
         ["subject", "bcc", "reply_to"]),
        ("/customers/new", {"name": "Harbor Café", "contact_person": "Luis",
                            "email": "luis@example.com", "default_cc": "", "default_bcc": ""},
         ["name", "contact_person", "email", "default_cc", "default_bcc"]),
        ("/company/", {"name": "Northwind Studio LLC", "email": "office@example.com"},
         ["name"]),
    ]


def nothing_saved_or_sent(app) -> bool:
    with app.app_context():
        contacts = db.session.scalar(select(func.count()).select_from(Contact)
                                     .where(Contact.name.like("Hello%")))
        sent = db.session.scalar(select(func.count()).select_from(Message)
                                 .where(Message.subject.like("Hello%")))
        return contacts == 0 and sent == 0


@pytest.mark.parametrize("name", list(BREAKERS))
def test_each_header_field_refuses_the_character_at_the_field(app, office, name):
    character, failures = BREAKERS[name], []
    for url, valid, fields in forms(office):
        for field in fields:
            data = {**valid, field: hostile(field, character)}
            if "idempotency_key" in data:
                data["idempotency_key"] = compose_key(office)
            response = office.post(url, data)
            html = response.get_data(as_text=True)
            if response.status_code != 422 or f'id="{field}-error"' not in html:
                failures.append((url, field, response.status_code))
    assert failures == []
    assert nothing_saved_or_sent(app)


@pytest.mark.parametrize("name", ["VT", "NEL", "LS", "NUL"])
def test_the_message_says_what_is_wrong_in_plain_words(office, name):
    url, valid, _ = forms(office)[0]
    html = office.post(url, {**valid, "display_name": hostile("x", BREAKERS[name])}).get_data(
        as_text=True)
    words = "invisible control character (U+0000)" if name == "NUL" else "Line breaks are not"
    assert words in html


def test_accents_and_other_scripts_stay_welcome(office):
    url, valid, _ = forms(office)[0]
    response = office.post(url, {**valid, "display_name": "Zoë Müller – 東京 ☕"})
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)


# --- values saved before these characters were refused -------------------------------------

def saved_earlier(app, user_id: int, display_name: str) -> None:
    """Put a value straight into the database, as an earlier version could have saved it."""
    with app.app_context():
        db.session.execute(update(EmailSettings).where(EmailSettings.user_id == user_id)
                           .values(display_name=display_name))
        db.session.commit()


def test_a_saved_display_name_with_a_control_character_sends_nothing_and_says_where(
        app, office, plain_smtp):
    office.post(f"/users/{office.user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    saved_earlier(app, office.user_id, "Ann\x0bBcc: victim@example.net")
    response = office.post("/documents/1/email", {
        "to": "pat@example.org", "subject": "Invoice", "body": "Hello",
        "idempotency_key": compose_key(office)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Your Email Display Name" in html
    assert "a line break, which cannot go in an email header" in html
    test = office.post(f"/users/{office.user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret",
        "test_to": "pat@example.org", "test_subject": "Hi"}).get_data(as_text=True)
    assert "Send Test failed" in test and "Your Email Display Name" in test
    assert plain_smtp.messages == [] and plain_smtp.mail_commands == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0

