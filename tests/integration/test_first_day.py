"""A colleague's first day: a name from the start, the sign-in address as Email Address,
accounts switched off and on, the Email dialog that says what is missing, recommended settings."""

from __future__ import annotations

import email
import re
import subprocess
import sys
from email import policy

from sqlalchemy import select

from tests.conftest import PASSWORD, Htmx, child_env, csrf_from, sign_in
from tests.support.office import first_document, send
from webpanel.auth import services as auth_services
from webpanel.auth.models import LoginSession, User
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox.models import Message

SWITCHED_OFF = "This account is switched off. Ask your administrator."


GIVEN = "the administrator's password for Lee"


def add_colleague(admin_client, name: str = "Lee Park", email_address: str = "lee@example.com"):
    """The administrator adds a colleague with a password; at their first sign-in the colleague
    chooses their own (PASSWORD)."""
    hx = Htmx(admin_client, "/users/")
    response = hx.post("/users/", {"name": name, "email": email_address, "how": "password",
                                   "password": GIVEN}, htmx=False)
    if response.status_code == 302:
        first_sign_in(admin_client.application, email_address)
    return response


def first_sign_in(app, email_address: str) -> None:
    client = app.test_client()
    assert sign_in(client, email_address, GIVEN).location == "/account/choose-password"
    token = csrf_from(client.get("/account/choose-password").get_data(as_text=True))
    chosen = client.post("/account/choose-password", data={
        "csrf_token": token, "password": PASSWORD, "confirm": PASSWORD})
    assert chosen.status_code == 302


def user_row(app, email_address: str) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email_address))


def signed_in(app, email_address: str):
    client = app.test_client()
    assert sign_in(client, email_address).status_code == 302
    return client


def test_the_users_page_asks_for_a_name_and_it_becomes_the_display_name(app, admin_client):
    assert 'name="name"' in admin_client.get("/users/").get_data(as_text=True)
    assert add_colleague(admin_client).status_code == 302
    lee = user_row(app, "lee@example.com")
    assert lee.name == "Lee Park"
    assert "Lee Park" in admin_client.get("/users/").get_data(as_text=True)
    general = signed_in(app, "lee@example.com").get(f"/users/{lee.id}/email/general")
    html = general.get_data(as_text=True)
    assert re.search(r'name="display_name"[^>]*value="Lee Park"', html)
    assert re.search(r'name="address"[^>]*value="lee@example.com"', html)


def test_a_name_with_angle_brackets_is_refused_at_its_field(app, admin_client):
    response = add_colleague(admin_client, name="Lee <boss@evil.example>")
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)
    assert user_row(app, "lee@example.com") is None


def test_sending_works_from_the_sign_in_address_once_smtp_is_set(app, admin_client, plain_smtp):
    with app.app_context():
        load_sample_data()
    add_colleague(admin_client)
    lee = user_row(app, "lee@example.com")
    hx = Htmx(signed_in(app, "lee@example.com"), f"/users/{lee.id}/email/smtp")
    saved = hx.post(f"/users/{lee.id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    assert "Saved" in saved.get_data(as_text=True)
    result = send(hx, first_document(app, "invoice").id)
    assert "Sent." in result
    [delivered] = plain_smtp.messages
    sent = email.message_from_bytes(delivered.data, policy=policy.default)
    assert delivered.mail_from == "lee@example.com"
    assert str(sent["From"]) == "Lee Park <lee@example.com>"


def test_flask_users_create_takes_a_name(app, instance_dir):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "webpanel", "users",
                             "create", "ana@example.com", "--name", "Ana Lima"],
                            input="a long password\n", capture_output=True, text=True,
                            timeout=60, env=child_env(instance_dir))
    assert result.returncode == 0, result.stderr
    assert user_row(app, "ana@example.com").name == "Ana Lima"


def test_flask_users_create_refuses_a_name_that_would_break_the_from_line(app, instance_dir):
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "webpanel", "users",
                             "create", "ana@example.com", "--name", 'Ana "Boss" <x@y>'],
                            input="a long password\n", capture_output=True, text=True,
                            timeout=60, env=child_env(instance_dir))
    assert result.returncode != 0 and "without quotes or angle brackets" in result.stderr
    assert "Traceback" not in result.stderr
    assert user_row(app, "ana@example.com") is None


def test_the_setup_page_asks_the_first_administrator_for_a_name(app, client):
    page = client.get("/setup").get_data(as_text=True)
    assert 'name="name"' in page
    client.post("/setup", data={"csrf_token": csrf_from(page), "name": "Boss Person",
                                "company_name": "Northwind Studio LLC",
                                "email": "boss@example.com", "password": PASSWORD,
                                "confirm": PASSWORD})
    assert user_row(app, "boss@example.com").name == "Boss Person"
    assert "Hello, Boss Person" in client.get("/").get_data(as_text=True)


def switch(admin_client, user_id: int, on: bool):
    hx = Htmx(admin_client, "/users/")
    return hx.post(f"/users/{user_id}/active", {"active": "y"} if on else {}, htmx=False)


def test_switching_an_account_off_signs_it_out_everywhere_and_keeps_its_history(
        app, admin_client, plain_smtp):
    with app.app_context():
        load_sample_data()
    add_colleague(admin_client)
    lee = user_row(app, "lee@example.com")
    first, second = signed_in(app, "lee@example.com"), signed_in(app, "lee@example.com")
    hx = Htmx(first, f"/users/{lee.id}/email/smtp")
    hx.post(f"/users/{lee.id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    assert "Sent." in send(hx, first_document(app, "invoice").id)

    switched = switch(admin_client, lee.id, on=False)
    assert switched.status_code == 302
    users_page = admin_client.get("/users/").get_data(as_text=True)
    assert "switched off and signed out everywhere" in users_page and "Switch on" in users_page
    for browser in (first, second):
        assert browser.get("/").status_code == 302  # to the sign-in page
        assert "/login" in browser.get("/").location
    with app.app_context():
        assert db.session.scalars(select(LoginSession).where(
            LoginSession.user_id == lee.id)).all() == []
        assert len(db.session.scalars(select(Message).where(Message.user_id == lee.id)).all()) == 1
    refused = sign_in(app.test_client(), "lee@example.com")
    assert refused.status_code == 401 and SWITCHED_OFF in refused.get_data(as_text=True)
    wrong = sign_in(app.test_client(), "lee@example.com", "not the password")
    assert SWITCHED_OFF not in wrong.get_data(as_text=True)  # says nothing without the password

    assert switch(admin_client, lee.id, on=True).status_code == 302
    again = signed_in(app, "lee@example.com")
    assert "Hello, Lee Park" in again.get("/").get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Message).where(Message.user_id == lee.id)).all()) == 1


def test_an_administrator_cannot_switch_themselves_off(app, admin_client, admin_id):
    switch(admin_client, admin_id, on=False)
    page = admin_client.get("/users/").get_data(as_text=True)
    assert "You cannot switch off your own account." in page
    assert user_row(app, "admin@example.com").active


def test_the_last_active_administrator_stays_on(app, admin_id, make_user):
    helper_id = make_user("helper@example.com")
    with app.test_request_context():
        admin, helper = db.session.get(User, admin_id), db.session.get(User, helper_id)
        try:
            auth_services.set_active(admin, False, by=helper)
        except auth_services.LastAdministrator as refused:
            assert "last active administrator" in str(refused)
        else:
            raise AssertionError("the last administrator was switched off")
        assert admin.active


def test_only_administrators_switch_accounts(app, user_client, admin_id):
    token = csrf_from(user_client.get("/").get_data(as_text=True))
    response = user_client.post(f"/users/{admin_id}/active", data={"csrf_token": token})
    assert response.status_code == 403
    assert user_row(app, "admin@example.com").active


def test_the_email_dialog_says_what_is_missing_before_anything_is_typed(app, user_client,
                                                                        user_id):
    with app.app_context():
        load_sample_data()
    invoice = first_document(app, "invoice")
    hx = Htmx(user_client, "/")
    dialog = hx.get(f"/documents/{invoice.id}/email").get_data(as_text=True)
    notice = re.search(r'<p class="warning setup-notice"[^>]*>(.*?)</p>', dialog, re.S)
    assert notice, dialog[:1500]
    assert "does not know your SMTP server" in notice.group(1)
    assert f'href="/users/{user_id}/email/smtp"' in notice.group(1)
    assert dialog.index("setup-notice") < dialog.index('name="to"')  # before the fields

    failed = send(hx, invoice.id)  # the dialog's body becomes the result, focused
    box = re.search(r'<div class="result failure"[^>]*>', failed).group(0)
    assert "data-focus" in box and 'tabindex="-1"' in box
    assert "Your SMTP server is not set up yet" in failed and "Retry" in failed
    with app.app_context():
        [record] = db.session.scalars(select(Message)).all()
        assert record.status == "failed" and record.envelope_from == "sam@example.com"


def test_a_refused_send_puts_the_message_at_the_top_of_the_dialog(app, user_client, user_id):
    with app.app_context():
        load_sample_data()
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Sam", "address": ""})
    refused = send(hx, first_document(app, "invoice").id)
    box = re.search(r'<p class="error-box"[^>]*>', refused).group(0)
    assert "data-focus" in box and 'tabindex="-1"' in box  # the focus goes to the message
    assert refused.index("error-box") < refused.index('name="to"')  # at the top of the dialog
    assert "There is no Email Address to send from" in refused
    assert f'href="/users/{user_id}/email/general"' in refused


def test_a_field_error_in_the_dialog_takes_the_focus_to_the_top(app, user_client):
    with app.app_context():
        load_sample_data()
    hx = Htmx(user_client, "/")
    refused = send(hx, first_document(app, "invoice").id, to="not an address")
    summary = re.search(r'<p class="error"[^>]*>Not sent: fix the fields', refused).group(0)
    assert "data-focus" in summary
    assert refused.index("Not sent: fix the fields") < refused.index('name="to"')


def test_recommended_settings_fill_the_port_the_banner_names_and_confirm_beside_the_button(
        app, user_client, user_id):
    base = f"/users/{user_id}/email"
    hx = Htmx(user_client, f"{base}/general")
    hx.post(f"{base}/general", {"display_name": "Sam", "address": "sam.s@gmail.com"})
    banner = hx.get(f"{base}/smtp").get_data(as_text=True)
    assert "port 465" in banner
    # the whole form comes along (hx-include), an empty Port box included
    filled = hx.post(f"{base}/smtp/recommended", {
        "send_using": "smtp", "smtp_server": "", "smtp_port": "", "smtp_security": "tls",
        "smtp_username": ""}).get_data(as_text=True)
    assert re.search(r'name="smtp_port"[^>]*value="465"', filled)
    assert re.search(r'name="smtp_server"[^>]*value="smtp.gmail.com"', filled)
    assert 'checked data-default-port="465"' in filled
    aside = re.search(r'<aside class="preset".*?</aside>', filled, re.S).group(0)
    confirmation = re.search(r'<span class="notice"[^>]*>([^<]*)</span>', aside)
    assert confirmation and "Press Save" in confirmation.group(1)
    assert "data-focus" in confirmation.group(0)
    assert aside.index("Use recommended settings") < aside.index(confirmation.group(1))


def test_a_refusal_about_one_field_is_also_said_at_that_field(app, user_client, plain_smtp,
                                                              user_id):
    with app.app_context():
        load_sample_data()
    app.config["MAIL_MAX_BYTES"] = 1000
    hx = Htmx(user_client, f"/users/{user_id}/email/smtp")
    hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    refused = send(hx, first_document(app, "invoice").id)
    at_field = re.search(r'<p class="error" id="files-error">([^<]*)</p>', refused)
    assert at_field and "the panel sends at most" in at_field.group(1)
    assert re.search(r'<p class="error-box"[^>]*data-focus[^>]*>[^<]*the panel sends at most',
                     refused)  # and at the top, where the focus goes
