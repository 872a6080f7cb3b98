"""The Sent folder copy section of the SMTP tab: fields and their messages, Find folders against
a real Dovecot, the rule for "the same user name and password as SMTP", an IMAP password that
never goes to another server, administrators' limits, and no network call in a transaction."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text, update

from tests.conftest import Htmx
from tests.support.sam_variants import sam_on_smtp_trusting_ca  # noqa: F401  (the sam fixture)
from tests.support.sent_mail import copy_of, imap_fields, save_imap, send_invoice, text_of
from tests.support.smtpd import closed_port
from webpanel.extensions import db
from webpanel.settings import binding
from webpanel.settings import imap_settings as services
from webpanel.settings.binding import Target
from webpanel.settings.models import ImapSettings


def section_of(html: str) -> str:
    return html.split('id="sent-copy-section"', 1)[1]


def error_at(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">([^<]*)<', html)
    return match.group(1) if match else ""


def find_error(html: str, name: str) -> str:
    match = re.search(rf'id="imap-find-error-{name}"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def saved_row(app, user_id) -> ImapSettings | None:
    with app.app_context():
        row = db.session.get(ImapSettings, user_id)
        if row is not None:
            db.session.expunge(row)
        return row


def test_the_smtp_tab_offers_the_section_off_and_opens_it(sam):
    html = sam.client.get(f"/users/{sam.user_id}/email/smtp").get_data(as_text=True)
    section = text_of(section_of(html))
    assert "Sent folder copy (IMAP)" in section and "Off." in section
    assert "Set up a copy in my Sent folder" in section and "IMAP Server" not in section
    opened = sam.get(f"/users/{sam.user_id}/email/imap").get_data(as_text=True)
    assert 'name="imap_host"' in opened and "Find folders" in opened
    assert re.search(r'<input[^>]* checked id="imap_enabled"', opened)  # on, until saved otherwise


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"imap_host": ""}, "imap_host", "Enter your provider's IMAP server"),
    ({"imap_host": "imaps://mail.example.com:993"}, "imap_host", "Enter only the server name"),
    ({"imap_port": "abc"}, "imap_port", "Enter the port as a number"),
    ({"imap_port": "70000"}, "imap_port", "Enter a port from 1 to 65535"),
    ({"imap_username": ""}, "imap_username", "Enter the IMAP user name"),
    ({"imap_password": ""}, "imap_password", "Enter the IMAP password"),
    ({"imap_host": "mail\r\nX: y.example.com"}, "imap_host", "Line breaks are not allowed"),
    ({"imap_same_as_smtp": "y", "imap_password": ""}, "imap_password",
     "Your SMTP password is used only with 127.0.0.1"),
])
def test_bad_input_gets_a_message_at_its_field(app, sam, dovecot, imap_account, changes,
                                               field, words):
    answer = save_imap(sam, dovecot, imap_account, **changes)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert words in error_at(html, field).replace("&#39;", "'")
    assert "Not saved: fix the fields marked in red." in html
    assert saved_row(app, sam.user_id) is None


def test_the_office_allow_list_applies_to_imap(app, sam, dovecot, imap_account):
    app.config["MAIL_ALLOWED_HOSTS"] = ["127.0.0.1"]
    html = save_imap(sam, dovecot, imap_account).get_data(as_text=True)
    assert "This office uses only the mail servers 127.0.0.1" in error_at(html, "imap_host")


def test_find_folders_lists_the_server_and_chooses_sent(sam, dovecot, imap_account):
    answer = sam.post(f"/users/{sam.user_id}/email/imap/folders",
                      imap_fields(dovecot, imap_account))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="imap-folders"' in html
    options = dict(re.findall(r'<option (?:selected )?value="([^"]*)"[^>]*>([^<]*)<', html))
    assert {"", "INBOX", "Sent", "Drafts"} <= set(options) and options["Sent"] == "Sent (Sent)"
    assert re.search(r'<option selected value="Sent"', html)
    assert "Found 3 folders." in text_of(html)


def test_find_folders_puts_a_wrong_password_at_the_password_field(sam, dovecot, imap_account):
    html = sam.post(f"/users/{sam.user_id}/email/imap/folders",
                    imap_fields(dovecot, imap_account, imap_password="nope-123")
                    ).get_data(as_text=True)
    assert "rejected the user name or password" in find_error(html, "password")
    assert 'hx-swap-oob="true"' in html and "nope-123" not in html
    html = sam.post(f"/users/{sam.user_id}/email/imap/folders",
                    imap_fields(dovecot, imap_account, imap_host="imap.invalid")
                    ).get_data(as_text=True)
    assert "could not be found" in find_error(html, "host")


def test_a_chosen_folder_gets_the_copy(app, sam, dovecot, imap_account):
    save_imap(sam, dovecot, imap_account, imap_folder="Drafts")
    _, mime = send_invoice(sam, app)
    assert dovecot.messages(imap_account, "Drafts") == [mime]
    assert dovecot.messages(imap_account, "Sent") == []


def test_same_as_smtp_uses_the_smtp_password_only_on_its_own_host(
        app, user_client, user_id, smtp_server_factory, dovecot, imap_account, trust_ca):
    """SMTP and IMAP on the same host (localhost): the SMTP password serves both."""
    from webpanel.documents.sample import load_sample_data

    with app.app_context():
        load_sample_data()
    smtp = smtp_server_factory(mode="implicit", users={imap_account.user: dovecot.password})
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.user_id, hx.smtp = user_id, smtp
    hx.post(f"/users/{user_id}/email/general", {"address": "sam@example.com"})
    hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "localhost", "smtp_port": str(smtp.port),
        "smtp_security": "ssl", "smtp_username": imap_account.user,
        "smtp_password": dovecot.password})
    saved = save_imap(hx, dovecot, imap_account, imap_same_as_smtp="y", imap_password="",
                      imap_username="")
    assert saved.status_code == 200
    assert "Your SMTP password is used" in text_of(saved.get_data(as_text=True))
    _, mime = send_invoice(hx, app)
    assert dovecot.messages(imap_account, "Sent") == [mime]
    # the same host without the certificate check, or without encryption: not the SMTP password
    for changes in ({"imap_allow_self_signed": "y"},
                    {"imap_security": "none", "imap_port": str(dovecot.port)}):
        refused = save_imap(hx, dovecot, imap_account, imap_same_as_smtp="y", imap_password="",
                            **changes).get_data(as_text=True)
        assert "Your SMTP password is used only with localhost" in error_at(refused,
                                                                           "imap_password")


def test_a_stored_imap_password_never_goes_to_another_host(
        app, sam, dovecot, imap_account, plain_smtp):
    save_imap(sam, dovecot, imap_account)
    moved = save_imap(sam, dovecot, imap_account, imap_host="127.0.0.1", imap_password="")
    assert "You changed the server: enter the password again" in error_at(
        moved.get_data(as_text=True), "imap_password")
    with app.app_context():  # the database says another host: the password stays unused
        db.session.execute(update(ImapSettings).values(host="127.0.0.1",
                                                       port=plain_smtp.port, security="none"))
        db.session.commit()
        assert services.imap_config_for(sam.user_id) is None
    message, _ = send_invoice(sam, app)
    record = copy_of(app, message.id)
    assert message.status == "sent" and record.state == "failed"
    assert "no IMAP password it may use" in record.reason
    assert len(plain_smtp.messages) == 1


def test_a_password_sealed_for_imap_is_not_an_smtp_password(app):
    with app.app_context():
        target = Target("imap.example.com", 993, "sam", "ssl")
        token = binding.seal("pw", target, "imap")
        assert binding.unseal(token, target, "imap") == ("pw", target)
        from webpanel.crypto import SecretUnreadable

        with pytest.raises(SecretUnreadable):
            binding.unseal(token, target)  # as an SMTP password
        with pytest.raises(SecretUnreadable):
            binding.unseal(binding.seal("pw", target), target, "imap")


def test_the_imap_password_is_never_shown_and_is_encrypted(app, sam, dovecot, imap_account):
    save_imap(sam, dovecot, imap_account, imap_password="Very-Secret-42")
    html = sam.client.get(f"/users/{sam.user_id}/email/smtp").get_data(as_text=True)
    assert "Very-Secret-42" not in html
    assert "A password is stored for this IMAP server" in html
    with app.app_context():
        raw = db.session.scalar(text("SELECT password_enc FROM imap_settings"))
        assert "Very-Secret-42" not in raw
        assert services.imap_config_for(sam.user_id).password == "Very-Secret-42"


def test_an_administrator_never_probes_with_the_stored_password(
        app, sam, admin_client, dovecot, imap_account):
    save_imap(sam, dovecot, imap_account)
    admin = Htmx(admin_client, f"/users/{sam.user_id}/email/smtp")
    blank = imap_fields(dovecot, imap_account, imap_password="")
    html = admin.post(f"/users/{sam.user_id}/email/imap/folders", blank).get_data(as_text=True)
    assert "an administrator never uses the password stored" in find_error(html, "password")
    typed = admin.post(f"/users/{sam.user_id}/email/imap/folders",
                       imap_fields(dovecot, imap_account)).get_data(as_text=True)
    assert "Found 3 folders." in text_of(typed)
    saved = admin.post(f"/users/{sam.user_id}/email/imap",
                       imap_fields(dovecot, imap_account, imap_password="", imap_folder="Drafts"))
    assert saved.status_code == 200
    own = sam.client.get(f"/users/{sam.user_id}/email/smtp").get_data(as_text=True)
    assert "Folder for copies" in text_of(own) and "admin@example.com" in own


def test_no_network_call_inside_a_transaction(app, sam, dovecot, imap_account, watch):  # noqa: F811
    sam.post(f"/users/{sam.user_id}/email/imap/folders", imap_fields(dovecot, imap_account))
    save_imap(sam, dovecot, imap_account, imap_password="wrong-password")
    message, _ = send_invoice(sam, app)
    save_imap(sam, dovecot, imap_account)
    sam.post(f"/sent/{message.id}/copy/retry", {})
    assert copy_of(app, message.id).state == "copied"
    imap_calls = [c for c in watch.outside if str(dovecot.tls_port) in c]
    assert len(imap_calls) >= 3 and watch.inside == []


def find_folders(sam, dovecot, account, **changes) -> str:
    return sam.post(f"/users/{sam.user_id}/email/imap/folders",
                    imap_fields(dovecot, account, **changes)).get_data(as_text=True)


def test_find_folders_counts_against_the_new_server_limit(app, sam, dovecot, imap_account):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 1
    nobody = find_folders(sam, dovecot, imap_account, imap_port=str(closed_port()))
    assert "Nothing accepted the connection" in find_error(nobody, "host")  # tried: it counts
    html = find_folders(sam, dovecot, imap_account, imap_security="tls",
                        imap_port=str(dovecot.port))
    assert "You tried 1 new mail server" in find_error(html, "host")


def test_a_server_that_listed_the_folders_never_counts_again(app, sam, dovecot, imap_account):
    app.config["NEW_MAIL_SERVER_LIMIT"] = 1
    assert "Found 3 folders." in text_of(find_folders(sam, dovecot, imap_account))
    # it gave back what it cost: one more new server may be tried, and then none
    nobody = find_folders(sam, dovecot, imap_account, imap_port=str(closed_port()))
    assert "Nothing accepted the connection" in find_error(nobody, "host")
    refused = find_folders(sam, dovecot, imap_account, imap_security="tls",
                           imap_port=str(dovecot.port))
    assert "You tried 1 new mail server" in find_error(refused, "host")
    # while the server that worked still answers Find folders
    assert "Found 3 folders." in text_of(find_folders(sam, dovecot, imap_account))
