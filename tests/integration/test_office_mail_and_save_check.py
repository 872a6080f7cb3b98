"""Issue 20: the office's mail server set once on the Company page (a colleague's set-up is their
password and Save), Save that tries the SMTP settings against a real local server, and the
home page telling "set up and working" from "saved, not yet working"."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

import pytest

from tests.conftest import Htmx
from tests.support.smtpd import free_port
from webpanel.extensions import db
from webpanel.settings.models import EmailSettings

OFFICE = {"name": "Northwind Studio LLC", "smtp_security": "none", "imap_security": "ssl"}
FILLED_LINE = "Your office's mail server is filled in; type your password and Save."


class FormFields(HTMLParser):
    """What a browser would post from one form: its inputs' values and the checked radios."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif tag == "input" and self.inside and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            self.values[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html: str, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.values


def home_card(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'<section class="card home-email.*?</section>', html, re.S).group(0)


def check_line(html: str) -> str:
    found = re.search(r'<div class="save-check[^"]*"[^>]*>\s*<p>(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


@pytest.fixture
def office_server(smtp_server_factory):
    """The office's mail server: Sam signs in with his email address."""
    return smtp_server_factory(mode="plain", users={"sam@example.com": "s3cret"})


def set_office_server(admin_client, server) -> str:
    hx = Htmx(admin_client, "/company/")
    return hx.post("/company/", {**OFFICE, "smtp_server": "127.0.0.1",
                                 "smtp_port": str(server.port), "imap_host": "127.0.0.1",
                                 "imap_port": "1993"}).get_data(as_text=True)


def test_an_administrator_sets_the_office_mail_server_on_the_company_page(admin_client,
                                                                          office_server):
    page = admin_client.get("/company/").get_data(as_text=True)
    section = page[page.index('id="office-mail"'):page.index('<div class="actions">')]
    assert "<legend>Office mail server</legend>" in section
    for label in ("SMTP Server", "Port", "Security", "IMAP Server", "IMAP Port"):
        assert f">{label}</" in section
    saved = set_office_server(admin_client, office_server)
    assert 'role="status">Saved<' in saved
    assert 'value="127.0.0.1"' in saved and f'value="{office_server.port}"' in saved


@pytest.mark.parametrize(("server", "message"), [
    ("smtp.example.com:587", "Enter only the server name"),
    ("smtp://mail.example.com", "Enter only the server name"),
])
def test_the_office_server_field_says_what_is_wrong(admin_client, server, message):
    hx = Htmx(admin_client, "/company/")
    response = hx.post("/company/", {**OFFICE, "smtp_server": server})
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_an_office_allow_list_holds_for_the_office_server_too(app, admin_client):
    app.config["MAIL_ALLOWED_HOSTS"] = ["smtp.office365.com"]
    hx = Htmx(admin_client, "/company/")
    response = hx.post("/company/", {**OFFICE, "smtp_server": "mail.elsewhere.example"})
    assert response.status_code == 422
    assert "This office sends mail only through smtp.office365.com" in \
        response.get_data(as_text=True)


def test_a_colleagues_set_up_is_their_password_and_save(admin_client, user_client, user_id,
                                                        office_server):
    set_office_server(admin_client, office_server)
    tab = user_client.get(f"/users/{user_id}/email/smtp").get_data(as_text=True)
    assert FILLED_LINE in tab
    fields = form_fields(tab, "smtp-form")
    assert fields["smtp_server"] == "127.0.0.1" and fields["smtp_port"] == str(office_server.port)
    assert fields["smtp_security"] == "none" and fields["smtp_username"] == "sam@example.com"
    assert "Look up recommended settings" not in tab  # the office's server is known
    assert fields["smtp_password"] == ""
    hx = Htmx(user_client, f"/users/{user_id}/email/smtp")
    saved = hx.post(f"/users/{user_id}/email/smtp",
                    {**fields, "smtp_password": "s3cret"}).get_data(as_text=True)
    assert check_line(saved) == "Saved and checked: 127.0.0.1 accepted your sign-in."
    assert FILLED_LINE not in saved  # now they are the person's own settings
    assert office_server.messages == [] and office_server.mail_commands == []  # nothing sent
    assert "Your email is set up and working: documents go from sam@example.com" in \
        home_card(user_client)


def test_the_sent_folder_copy_starts_from_the_office_imap_server(admin_client, user_client,
                                                                 user_id, office_server):
    set_office_server(admin_client, office_server)
    opened = Htmx(user_client, f"/users/{user_id}/email/smtp").get(
        f"/users/{user_id}/email/imap").get_data(as_text=True)  # "Set up a copy in my Sent folder"
    fields = form_fields(opened, "imap-form")
    assert fields["imap_host"] == "127.0.0.1" and fields["imap_port"] == "1993"
    assert fields["imap_security"] == "ssl"


def test_a_later_office_change_moves_nobodys_saved_settings(app, admin_client, user_client,
                                                            user_id, office_server):
    set_office_server(admin_client, office_server)
    fields = form_fields(user_client.get(f"/users/{user_id}/email/smtp").get_data(True),
                         "smtp-form")
    hx = Htmx(user_client, f"/users/{user_id}/email/smtp")
    hx.post(f"/users/{user_id}/email/smtp", {**fields, "smtp_password": "s3cret"})
    Htmx(admin_client, "/company/").post("/company/", {**OFFICE, "smtp_server": "mail.new.example"})
    tab = user_client.get(f"/users/{user_id}/email/smtp").get_data(as_text=True)
    assert form_fields(tab, "smtp-form")["smtp_server"] == "127.0.0.1"
    assert FILLED_LINE not in tab
    with app.app_context():
        assert db.session.get(EmailSettings, user_id).smtp_server == "127.0.0.1"


def save(client, user_id: int, port: int, password: str, username: str = "user"):
    hx = Htmx(client, f"/users/{user_id}/email/smtp")
    return hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(port),
        "smtp_security": "none", "smtp_username": username, "smtp_password": password,
    }).get_data(as_text=True)


def test_save_with_the_right_password_says_so_and_the_home_page_says_working(user_client,
                                                                              user_id,
                                                                              plain_smtp):
    page = save(user_client, user_id, plain_smtp.port, "secret")
    assert check_line(page) == "Saved and checked: 127.0.0.1 accepted your sign-in."
    assert 'data-check="ok"' in page and plain_smtp.mail_commands == []
    card = home_card(user_client)
    assert "Your email is set up and working" in card and "not yet working" not in card


def test_save_with_a_wrong_password_says_what_to_do_and_the_home_page_says_not_working(
        user_client, user_id, plain_smtp):
    page = save(user_client, user_id, plain_smtp.port, "wrong")
    assert check_line(page) == ("Saved, but the server refused the user name or password: Check "
                                "the User Name and Password. Some providers need an app "
                                "password for SMTP.")
    assert "rejected the user name or password" in page  # the server's part, in words
    card = home_card(user_client)
    assert "Your email is saved, not yet working: the server refused the user name or " \
           "password. Check the User Name and Password." in card
    assert "set up and working" not in card and "not-ready" in card
    assert f'href="/users/{user_id}/email/smtp"' in card
    fixed = save(user_client, user_id, plain_smtp.port, "secret")
    assert check_line(fixed).startswith("Saved and checked")
    assert "Your email is set up and working" in home_card(user_client)


def test_save_with_nothing_listening_says_the_server_could_not_be_reached(user_client, user_id):
    page = save(user_client, user_id, free_port(), "secret")
    assert check_line(page) == ("Saved, but could not reach the server: Check the Port: most "
                                "providers use 587 with TLS or 465 with SSL.")
    assert "Your email is saved, not yet working: could not reach the server." in \
        home_card(user_client)


def test_a_blank_password_keeps_the_stored_one_and_checks_with_it(user_client, user_id,
                                                                  plain_smtp):
    save(user_client, user_id, plain_smtp.port, "secret")
    again = save(user_client, user_id, plain_smtp.port, "")
    assert check_line(again) == "Saved and checked: 127.0.0.1 accepted your sign-in."


def test_an_administrators_save_never_signs_in_with_the_stored_password(admin_client,
                                                                          user_client, user_id,
                                                                          plain_smtp):
    save(user_client, user_id, plain_smtp.port, "secret")
    page = save(admin_client, user_id, plain_smtp.port, "")
    assert check_line(page).startswith("Saved, but not checked: an administrator&#39;s Save "
                                       "signs in only with a password typed now.")
    assert "ask sam@example.com to press Save" in page
    typed = save(admin_client, user_id, plain_smtp.port, "secret")
    assert check_line(typed) == "Saved and checked: 127.0.0.1 accepted your sign-in."


def test_save_checks_have_their_own_limit_and_leave_send_test_free(app, user_client, user_id,
                                                                   plain_smtp):
    app.config["SEND_TEST_LIMIT"] = 1
    assert check_line(save(user_client, user_id, plain_smtp.port, "secret")).startswith(
        "Saved and checked")
    limited = save(user_client, user_id, plain_smtp.port, "secret")
    assert check_line(limited) == ("Saved, but not checked: there were too many tests in a "
                                   "short time. Wait 10 minutes, then press Save again.")
    hx = Htmx(user_client, f"/users/{user_id}/email/smtp")
    tested = hx.post(f"/users/{user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret",
        "test_to": "pat@example.org", "test_subject": "Does it work?"}).get_data(as_text=True)
    assert "Send Test failed" not in tested and len(plain_smtp.messages) == 1


def test_save_checks_count_against_new_servers(app, user_client, user_id, smtp_server_factory):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 1
    first, second = smtp_server_factory(mode="plain"), smtp_server_factory(mode="plain")
    assert check_line(save(user_client, user_id, first.port, "wrong")).startswith("Saved, but")
    refused = check_line(save(user_client, user_id, second.port, "secret"))
    assert refused.startswith("Saved, but not checked: You tried 1 new mail server")


def test_email_client_needs_no_check(user_client, user_id):
    hx = Htmx(user_client, f"/users/{user_id}/email/smtp")
    page = hx.post(f"/users/{user_id}/email/smtp", {"send_using": "client"}).get_data(True)
    assert 'role="status">Saved<' in page and "save-check" not in page


def test_sending_keeps_the_home_page_true(app, user_client, user_id, plain_smtp):
    """The same record follows real sends: a sign-in refused later says "not yet working" until
    a message goes through again."""
    from tests.conftest import sam_with_smtp
    from tests.support.office import first_document, send

    hx = sam_with_smtp(app, user_client, user_id, plain_smtp)
    assert "Your email is set up and working" in home_card(user_client)
    plain_smtp.users["user"] = "changed at the provider"
    assert "Not sent" in send(hx, first_document(app, "invoice").id)
    card = home_card(user_client)
    assert "Your email is saved, not yet working: the server refused the user name or " \
           "password." in card
    plain_smtp.users["user"] = "secret"
    assert "Sent." in send(hx, first_document(app, "invoice").id)
    assert "Your email is set up and working" in home_card(user_client)


def test_settings_saved_before_save_checked_them_count_as_working_once_mail_went(
        app, user_client, user_id, plain_smtp):
    from tests.conftest import sam_with_smtp
    from tests.support.office import first_document, send

    hx = sam_with_smtp(app, user_client, user_id, plain_smtp)
    assert "Sent." in send(hx, first_document(app, "invoice").id)
    with app.app_context():  # as a row from before this version: never tried by Save
        settings = db.session.get(EmailSettings, user_id)
        settings.smtp_check, settings.smtp_check_note = "", ""
        db.session.commit()
    assert "Your email is set up and working" in home_card(user_client)
    with app.app_context():  # a server that never carried mail for them
        db.session.get(EmailSettings, user_id).smtp_server = "mail.untried.example"
        db.session.commit()
    assert ("Your email is saved, not yet working: the panel has not signed in to "
            "mail.untried.example yet. Press Save on the SMTP tab to try it.") in \
        home_card(user_client)


def test_a_server_that_never_answers_ends_the_check_at_the_deadline(app, user_client, user_id,
                                                                   silent_server):
    app.config["MAIL_TIMEOUT"] = 0.5  # Send Test's total deadline, which Save's check shares
    started = time.monotonic()
    page = save(user_client, user_id, silent_server.port, "secret")
    assert time.monotonic() - started < 5
    assert check_line(page).startswith("Saved, but the server did not answer in time: Check the "
                                       "SMTP Server and Port.")
    assert "No answer from 127.0.0.1 port" in page and "within 0.5 seconds" in page


def test_the_check_never_takes_the_stored_password_to_another_server(app, user_client, user_id,
                                                                     smtp_server_factory):
    saved_for, elsewhere = smtp_server_factory(mode="plain"), smtp_server_factory(mode="plain")
    save(user_client, user_id, saved_for.port, "secret")
    with app.app_context():  # the row now names another server, the password still sealed
        db.session.get(EmailSettings, user_id).smtp_port = elsewhere.port
        db.session.commit()
    hx = Htmx(user_client, f"/users/{user_id}/email/smtp")
    response = hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(elsewhere.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "enter the password again" in page
    assert check_line(page) == ""  # nothing was tried with it
