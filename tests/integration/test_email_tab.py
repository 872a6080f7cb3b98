"""The Email tab: sub-tabs as fragments, saving with inline errors, the write-only password."""

from __future__ import annotations

import pytest

from tests.conftest import Htmx
from webpanel.extensions import db
from webpanel.settings.models import EmailSettings

SMTP_OK = {"send_using": "smtp", "smtp_server": "smtp.example.com", "smtp_port": "587",
           "smtp_security": "tls", "smtp_username": "sam@example.com",
           "smtp_password": "S3cret-pass!"}


@pytest.fixture
def hx(user_client, user_id):
    helper = Htmx(user_client, f"/users/{user_id}/email/general")
    helper.base = f"/users/{user_id}/email"
    return helper


def stored(app, user_id) -> EmailSettings:
    with app.app_context():
        return db.session.get(EmailSettings, user_id)


@pytest.mark.parametrize("tab", ["general", "smtp", "gmail", "outlook"])
def test_each_tab_url_renders_the_whole_page_and_htmx_gets_only_the_fragment(hx, tab):
    page = hx.client.get(f"{hx.base}/{tab}")
    fragment = hx.get(f"{hx.base}/{tab}")
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True) and 'role="tablist"' in page.get_data(True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'role="tablist"' not in body
    assert f'data-tab="{tab}"' in body
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in page.headers["Vary"]


def test_history_restore_gets_the_whole_page(hx):
    response = hx.client.get(f"{hx.base}/smtp", headers={"HX-Request": "true",
                                                         "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)


def test_labels_are_the_seeds_words(hx):
    general = hx.get(f"{hx.base}/general").get_data(as_text=True)
    smtp = hx.get(f"{hx.base}/smtp").get_data(as_text=True)
    for label in ("Email Display Name", "Email Address", "Auto BCC Self", "Signature", "Save"):
        assert label in general
    for label in ("SMTP Server", "User Name", "Password", "Port", "Send Mail Using",
                  "Email Client", "> SSL<", "> TLS<", "> NONE<", "Send Test", "STARTTLS"):
        assert label in smtp.replace("</label>", "<"), label


def test_gmail_and_outlook_tabs_say_who_can_set_them_up(hx):
    for tab in ("gmail", "outlook"):
        html = hx.get(f"{hx.base}/{tab}").get_data(as_text=True)
        assert "not set up for this panel yet" in html
        assert "Ask your panel administrator" in html


def test_unknown_tab_is_404(hx):
    assert hx.client.get(f"{hx.base}/fax").status_code == 404


def test_general_saves_and_shows_saved(hx, app, user_id):
    response = hx.post(f"{hx.base}/general", {"display_name": "Sam Søren",
                                              "address": "Sam@Example.com",
                                              "auto_bcc_self": "y", "signature": "Sam\nAcme"})
    assert response.status_code == 200 and "Saved" in response.get_data(as_text=True)
    row = stored(app, user_id)
    assert (row.display_name, row.address, row.auto_bcc_self, row.signature) == (
        "Sam Søren", "Sam@example.com", True, "Sam\nAcme")


@pytest.mark.parametrize(("data", "message"), [
    ({"address": "not-an-address"}, "Enter one email address"),
    ({"address": "a@example.com, b@example.com"}, "Enter one email address"),
    ({"address": "sam@example.com\r\nBcc: victim@example.org"}, "Line breaks are not allowed"),
    ({"display_name": "Sam\r\nBcc: victim@example.org"}, "Line breaks are not allowed"),
    ({"display_name": "x" * 121}, "120"),
    ({"display_name": 'Sam <evil@example.org>'}, "angle brackets"),
    ({"signature": "x" * 4001}, "4000"),
])
def test_general_errors_appear_at_the_field_and_nothing_is_saved(hx, app, user_id, data,
                                                                  message):
    form = {"display_name": "Sam", "address": "sam@example.com", **data}
    response = hx.post(f"{hx.base}/general", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and 'aria-invalid="true"' in html and "Not saved" in html
    assert stored(app, user_id) is None


@pytest.mark.parametrize(("data", "message"), [
    ({"smtp_port": "0"}, "1 to 65535"),
    ({"smtp_port": "65536"}, "1 to 65535"),
    ({"smtp_port": "abc"}, "as a number"),
    ({"smtp_server": ""}, "Enter your provider"),
    ({"smtp_server": "smtp://smtp.example.com:587"}, "only the server name"),
    ({"smtp_server": "smtp.example.com\nRCPT TO:<x@y>"}, "Line breaks are not allowed"),
    ({"smtp_username": "sam\r\n"}, "Line breaks are not allowed"),
    ({"smtp_password": "pass\nword"}, "Line breaks are not allowed"),
    ({"smtp_server": "s" * 254}, "253"),
    ({"smtp_security": "starttls"}, "Not a valid choice"),
])
def test_smtp_errors_appear_at_the_field(hx, app, user_id, data, message):
    response = hx.post(f"{hx.base}/smtp", {**SMTP_OK, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(app, user_id) is None


def test_email_client_needs_no_server(hx, app, user_id):
    response = hx.post(f"{hx.base}/smtp", {"send_using": "client", "smtp_security": "tls"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Saved" in html
    assert "Not needed when sending with your Email Client" in html
    assert 'class="smtp-fields not-needed"' in html
    assert stored(app, user_id).send_using == "client"


def test_password_is_write_only_encrypted_and_kept_when_blank(hx, app, user_id, instance_dir):
    html = hx.post(f"{hx.base}/smtp", SMTP_OK).get_data(as_text=True)
    assert "S3cret-pass!" not in html and "A password is stored" in html
    encrypted = stored(app, user_id).smtp_password_enc
    assert encrypted and "S3cret-pass!" not in encrypted
    assert encrypted not in html
    page = hx.client.get(f"{hx.base}/smtp").get_data(as_text=True)
    assert "S3cret-pass!" not in page and encrypted not in page
    hx.post(f"{hx.base}/smtp", {**SMTP_OK, "smtp_password": ""})
    assert stored(app, user_id).smtp_password_enc == encrypted
    raw = b"".join(p.read_bytes() for p in instance_dir.glob("webpanel.db*"))
    assert b"S3cret-pass!" not in raw


def test_clear_password(hx, app, user_id):
    hx.post(f"{hx.base}/smtp", SMTP_OK)
    html = hx.post(f"{hx.base}/smtp/clear-password", {}).get_data(as_text=True)
    assert "Password cleared" in html and "No password stored" in html
    assert stored(app, user_id).smtp_password_enc is None


def test_damaged_ciphertext_asks_for_the_password_again(hx, app, user_id, plain_smtp):
    hx.post(f"{hx.base}/general", {"display_name": "Sam", "address": "sam@example.com"})
    hx.post(f"{hx.base}/smtp", SMTP_OK)
    with app.app_context():
        row = db.session.get(EmailSettings, user_id)
        row.smtp_password_enc = row.smtp_password_enc[:-12] + "AAAAAAAAAAAA"
        db.session.commit()
    page = hx.client.get(f"{hx.base}/smtp")
    assert page.status_code == 200
    assert "Enter the password again" in page.get_data(as_text=True)
    result = hx.post(f"{hx.base}/smtp/test", {
        **SMTP_OK, "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "",
        "test_to": "pat@example.org", "test_subject": "hi"})
    assert result.status_code == 200
    assert "can no longer be read" in result.get_data(as_text=True)


def test_recommended_settings_for_a_known_provider(hx):
    hx.post(f"{hx.base}/general", {"display_name": "Sam", "address": "sam.s@gmail.com"})
    page = hx.get(f"{hx.base}/smtp").get_data(as_text=True)
    assert "Use recommended settings" in page and "app password" in page
    filled = hx.post(f"{hx.base}/smtp/recommended", {"send_using": "smtp"}).get_data(True)
    assert 'value="smtp.gmail.com"' in filled and 'value="465"' in filled
    assert 'checked data-default-port="465"' in filled and "Press Save" in filled


def test_no_preset_for_an_unknown_domain(hx):
    hx.post(f"{hx.base}/general", {"display_name": "Sam", "address": "sam@acme-supplies.com"})
    assert "Use recommended settings" not in hx.get(f"{hx.base}/smtp").get_data(as_text=True)


def test_self_signed_opt_in_shows_a_warning(hx):
    html = hx.post(f"{hx.base}/smtp", {**SMTP_OK, "allow_self_signed": "y"}).get_data(True)
    assert "Warning: certificate checks are off" in html


def test_a_user_cannot_open_or_change_another_users_tab(app, user_client, user_id, admin_id):
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    assert user_client.get(f"/users/{admin_id}/email/general").status_code == 404
    assert hx.post(f"/users/{admin_id}/email/general", {"address": "x@example.com"}
                   ).status_code == 404
    assert hx.post(f"/users/{admin_id}/email/smtp", SMTP_OK).status_code == 404
    assert user_client.get(f"/users/{admin_id}/email/smtp/test").status_code == 404
    assert hx.post(f"/users/{admin_id}/email/smtp/test", {}).status_code == 404
    with app.app_context():
        assert db.session.get(EmailSettings, admin_id) is None


def test_an_admin_edits_another_users_tab_but_never_sees_the_secret(hx, admin_client, user_id):
    hx.post(f"{hx.base}/smtp", SMTP_OK)
    admin = Htmx(admin_client, f"/users/{user_id}/email/smtp")
    page = admin_client.get(f"/users/{user_id}/email/smtp").get_data(as_text=True)
    assert "for sam@example.com" in page and "S3cret-pass!" not in page
    response = admin.post(f"/users/{user_id}/email/general", {"display_name": "Sam (Sales)",
                                                             "address": "sam@example.com"})
    assert "Saved" in response.get_data(as_text=True)


def test_the_navigation_links_to_ones_own_email_tab(user_client, user_id):
    page = user_client.get("/", follow_redirects=True).get_data(as_text=True)
    assert f'href="/users/{user_id}/email/general">Email settings' in page
