"""Issue 7: a stored SMTP password goes only to the server it was saved for; an administrator
never sends with a colleague's stored password or Gmail/Outlook sign-in; the colleague sees
what an administrator changed on their Email tab."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from tests.conftest import Htmx
from tests.support.office import first_document, messages, send
from webpanel.crypto import secret_box
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.keys import rotate_all
from webpanel.settings import services
from webpanel.settings.models import EmailSettings

SECRET = "secret"  # the test servers' password for "user"


@pytest.fixture
def sams_server(smtp_server_factory):
    """Sam's own mail server."""
    return smtp_server_factory(mode="plain")


@pytest.fixture
def other_server(smtp_server_factory):
    """Somebody else's server that would accept Sam's password (same user and password), so a
    password sent there would show up as a delivered message."""
    return smtp_server_factory(mode="plain")


def smtp_fields(server, **changes) -> dict:
    return {"send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(server.port),
            "smtp_security": "none", "smtp_username": "user", "smtp_password": "", **changes}


@pytest.fixture
def sam(user_client, user_id, sams_server):
    """Sam, signed in, with General saved and the SMTP password stored for Sam's server."""
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Sam", "address":
                                                "sam@example.com"})
    saved = hx.post(f"/users/{user_id}/email/smtp", smtp_fields(sams_server,
                                                                smtp_password=SECRET))
    assert "Saved" in saved.get_data(as_text=True)
    hx.user_id, hx.base = user_id, f"/users/{user_id}/email"
    return hx


@pytest.fixture
def admin(admin_client, user_id):
    """The administrator, on Sam's Email tab."""
    hx = Htmx(admin_client, f"/users/{user_id}/email/smtp")
    hx.base = f"/users/{user_id}/email"
    return hx


def send_test(hx, fields: dict) -> str:
    data = {**fields, "test_to": "pat@example.org", "test_subject": "Test"}
    return hx.post(f"{hx.base}/smtp/test", data).get_data(as_text=True)


def password_error(html: str) -> str:
    match = re.search(r'id="smtp_password-error">([^<]*)<', html)
    return match.group(1) if match else ""


def stored(app, user_id) -> EmailSettings:
    with app.app_context():
        return db.session.get(EmailSettings, user_id)


def test_send_test_with_another_server_and_a_blank_password_asks_for_the_password(
        sam, sams_server, other_server):
    html = send_test(sam, smtp_fields(other_server))
    assert "Password: You changed the port: enter the password again" in html
    at_the_field = re.search(r'<p class="error" id="smtp-password-test-error"[^>]*'
                             r'hx-swap-oob="true" >([^<]*)</p>', html)  # the SMTP form's field
    assert at_the_field.group(1) == "You changed the port: enter the password again"
    assert other_server.messages == [] and sams_server.messages == []
    same = send_test(sam, smtp_fields(sams_server))
    assert "It works" in same and len(sams_server.wait_for_messages(1)) == 1
    assert 'id="smtp-password-test-error" role="alert" hx-swap-oob="true" hidden>' in same


@pytest.mark.parametrize(("change", "words"), [
    ({"smtp_server": "localhost"}, "You changed the server: enter the password again"),
    ({"smtp_username": "someone"}, "You changed the user name: enter the password again"),
    ({"smtp_security": "ssl"}, "You changed the security: enter the password again"),
    ({"smtp_server": "localhost", "smtp_security": "tls"},
     "You changed the server and security: enter the password again"),
    ({"allow_self_signed": "y"},
     "You turned off the certificate check: enter the password again"),
])
def test_saving_a_change_of_target_needs_the_password_and_names_what_changed(
        app, sam, sams_server, change, words):
    response = sam.post(f"{sam.base}/smtp", smtp_fields(sams_server, **change))
    assert response.status_code == 422
    assert password_error(response.get_data(as_text=True)) == words
    row = stored(app, sam.user_id)
    assert (row.smtp_server, row.smtp_username, row.smtp_security, row.allow_self_signed) == (
        "127.0.0.1", "user", "none", False)


def test_a_new_server_with_its_password_moves_the_binding(app, sam, sams_server, other_server):
    saved = sam.post(f"{sam.base}/smtp", smtp_fields(other_server, smtp_password=SECRET))
    assert "Saved" in saved.get_data(as_text=True)
    assert "It works" in send_test(sam, smtp_fields(other_server))
    assert len(other_server.wait_for_messages(1)) == 1
    back = sam.post(f"{sam.base}/smtp", smtp_fields(sams_server))  # no password typed
    assert password_error(back.get_data(as_text=True)) == (
        "You changed the port: enter the password again")


def test_unchanged_settings_keep_the_stored_password(app, sam, sams_server):
    saved = sam.post(f"{sam.base}/smtp", smtp_fields(sams_server, smtp_port=""))
    assert saved.status_code == 422  # empty port means 25 here: another port
    resaved = sam.post(f"{sam.base}/smtp", smtp_fields(sams_server, smtp_server="127.0.0.1."))
    assert "Saved" in resaved.get_data(as_text=True)  # the same host, spelled with a dot
    assert "It works" in send_test(sam, smtp_fields(sams_server))


def test_a_server_changed_in_the_database_gets_no_password(app, sam, sams_server, other_server):
    """Even a changed row (a restored backup, a hand edit) cannot redirect the password: the
    server it was saved for is inside the encrypted value."""
    with app.app_context():
        db.session.execute(update(EmailSettings).where(EmailSettings.user_id == sam.user_id)
                           .values(smtp_port=other_server.port))
        db.session.commit()
        load_sample_data()
    invoice = first_document(app, "invoice")
    html = send(sam, invoice.id)
    assert "Not sent" in html and "You changed the port: enter the password again." in html
    assert "Retry" in html
    [record] = messages(app)
    assert record.status == "failed" and "enter the password again" in record.error_reason
    assert other_server.messages == []


def test_a_password_stored_before_binding_counts_as_bound_to_its_settings(
        app, sam, sams_server, other_server):
    with app.app_context():
        legacy = secret_box().encrypt(SECRET)  # how passwords were stored before
        db.session.execute(update(EmailSettings).where(EmailSettings.user_id == sam.user_id)
                           .values(smtp_password_enc=legacy))
        db.session.commit()
    assert "You changed the port" in send_test(sam, smtp_fields(other_server))
    assert other_server.messages == []
    assert "It works" in send_test(sam, smtp_fields(sams_server))
    assert "Saved" in sam.post(f"{sam.base}/smtp", smtp_fields(sams_server)).get_data(True)
    with app.app_context():  # the save sealed it to the settings it was stored with
        token = db.session.get(EmailSettings, sam.user_id).smtp_password_enc
        assert SECRET != secret_box().decrypt(token)
        assert f'"port": {sams_server.port}' in secret_box().decrypt(token)


def test_key_rotation_keeps_the_password_and_its_binding(app, sam, sams_server, other_server):
    with app.app_context():
        before = db.session.get(EmailSettings, sam.user_id).smtp_password_enc
        assert rotate_all(app) == (1, 0)
        row = db.session.get(EmailSettings, sam.user_id)
        assert row.smtp_password_enc != before
        assert services.smtp_config(row).password == SECRET
    assert "You changed the port" in send_test(sam, smtp_fields(other_server))
    assert "It works" in send_test(sam, smtp_fields(sams_server))


def test_an_administrators_send_test_never_uses_the_stored_password(
        sam, admin, sams_server, other_server):
    dialog = admin.get(f"{admin.base}/smtp/test").get_data(as_text=True).replace("&#39;", "'")
    assert "On sam@example.com's tab, Send Test uses only a password typed" in dialog
    own = sam.get(f"{sam.base}/smtp/test").get_data(as_text=True)
    assert "uses only a password typed" not in own
    for server in (other_server, sams_server):
        html = send_test(admin, smtp_fields(server))
        assert "Type the password: a Send Test by an administrator never uses the password " \
               "stored for this person." in html
    assert other_server.messages == [] and sams_server.messages == []
    typed = send_test(admin, smtp_fields(other_server, smtp_password=SECRET))
    assert "It works" in typed and len(other_server.wait_for_messages(1)) == 1


def test_an_administrators_send_test_refuses_the_colleagues_gmail(emulated, google, sam,
                                                                   admin):
    start = sam.post(f"{sam.base}/gmail/connect", {}, htmx=False)
    back = urlsplit(google.approve(start.location))
    assert sam.client.get(f"{back.path}?{back.query}").status_code == 302
    html = send_test(admin, {"send_using": "gmail", "smtp_security": "tls"})
    assert "Send Test failed" in html
    assert ("Send Test with Gmail API would send from this person's own Gmail account, and "
            "only they may do that.") in html.replace("&#39;", "'")
    assert google.sent == []
    assert "It works" in send_test(sam, {"send_using": "gmail", "smtp_security": "tls"})
    assert len(google.sent) == 1
    assert "Gmail is de-authorized" in admin.post(f"{admin.base}/gmail/deauthorize", {}
                                                  ).get_data(as_text=True)
    page = sam.client.get(f"{sam.base}/gmail").get_data(as_text=True)
    assert re.search(r"Changed by admin@example\.com on [^<]*: Gmail sign-in \(de-authorized\)",
                     page)


def test_an_administrators_changes_are_shown_to_the_colleague_and_logged(
        app, sam, admin, sams_server, caplog):
    caplog.set_level(logging.INFO, logger="webpanel.audit")
    sam.post(f"{sam.base}/general", {"display_name": "Sam S.", "address": "sam@example.com"})
    admin.post(f"{admin.base}/smtp", smtp_fields(sams_server))  # the same values: no change
    assert "Changed by" not in sam.client.get(f"{sam.base}/general").get_data(as_text=True)
    assert [r for r in caplog.records if r.name == "webpanel.audit"] == []
    admin.post(f"{admin.base}/general", {"display_name": "Sam (Sales)", "address":
                                         "sam@example.com"})
    admin.post(f"{admin.base}/smtp", smtp_fields(sams_server, smtp_server="localhost",
                                                 smtp_password="Admin-Typed-1"))
    page = sam.client.get(f"{sam.base}/general").get_data(as_text=True)
    notes = re.findall(r"<li>(Changed by [^<]*)</li>", page)
    assert len(notes) == 2
    assert re.fullmatch(r"Changed by admin@example\.com on \d{1,2} \w{3} \d\d:\d\d UTC: "
                        r"SMTP Server, Password", notes[0])
    assert notes[1].endswith(": Email Display Name")
    assert "administrator admin@example.com (user" in caplog.text
    assert "changed the Email settings of sam@example.com" in caplog.text
    assert "SMTP Server, Password" in caplog.text and "Admin-Typed-1" not in caplog.text
    admins_view = admin.client.get(f"{admin.base}/general").get_data(as_text=True)
    assert "Changed by" not in admins_view
    assert admin.post(f"{admin.base}/changes/dismiss", {}).status_code == 404
    assert sam.post(f"{sam.base}/changes/dismiss", {}).status_code == 200
    assert "Changed by" not in sam.client.get(f"{sam.base}/general").get_data(as_text=True)


def test_clearing_a_colleagues_password_is_noted(app, sam, admin):
    admin.post(f"{admin.base}/smtp/clear-password", {})
    page = sam.client.get(f"{sam.base}/smtp").get_data(as_text=True)
    assert re.search(r"Changed by admin@example\.com on [^<]*: Password \(cleared\)", page)
    assert stored(app, sam.user_id).smtp_password_enc is None


def test_an_administrator_cannot_retry_a_colleagues_message_or_send_with_their_settings(
        app, sam, admin, sams_server):
    with app.app_context():
        load_sample_data()
    sams_server.stop()
    invoice = first_document(app, "invoice")
    assert "Not sent" in send(sam, invoice.id)
    [record] = messages(app)
    assert admin.post(f"/sent/{record.id}/retry", {}).status_code == 404
    sams_server.start()
    assert admin.post(f"/sent/{record.id}/retry", {}).status_code == 404
    assert messages(app)[0].attempts == 1 and sams_server.messages == []
    admins_send = send(admin, invoice.id)  # the admin's own settings: none saved yet
    assert "Your SMTP server is not set up yet" in admins_send  # from the sign-in address
    with app.app_context():
        assert db.session.scalars(select(EmailSettings.user_id)).all() == [sam.user_id]
    assert sams_server.messages == []
