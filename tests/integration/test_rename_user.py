"""The Users page: an administrator changes an existing account's Name; a name that is only
spaces or invisible characters, too long, or with quotes is refused in plain words at its row."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Htmx
from tests.support.documents import text_of
from webpanel.auth.models import User
from webpanel.extensions import db
from webpanel.settings import services as settings_services


def name_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).name


def rename(admin_client, user_id: int, name: str):
    """Post the row's Change name form, as the browser does (no htmx on this page)."""
    return Htmx(admin_client, "/users/").post(f"/users/{user_id}/name", {"name": name},
                                              htmx=False)


def test_an_administrator_changes_a_name(app, admin_client, user_id):
    response = rename(admin_client, user_id, "  Sam Søren  ")
    assert response.status_code == 302 and response.headers["Location"] == "/users/"
    assert name_of(app, user_id) == "Sam Søren"
    page = admin_client.get("/users/")
    assert "sam@example.com is now named “Sam Søren”." in text_of(page)
    assert '<span class="user-name">Sam Søren</span>' in page.get_data(as_text=True)
    with app.app_context():  # never saved their Email tab: their emails show the new name
        assert settings_services.load(user_id).display_name == "Sam Søren"


def test_a_name_may_be_emptied(app, admin_client, user_id):
    rename(admin_client, user_id, "Sam")
    response = rename(admin_client, user_id, "")
    assert response.status_code == 302 and name_of(app, user_id) == ""
    assert "sam@example.com has no name now." in text_of(admin_client.get("/users/"))


def test_a_saved_email_display_name_is_named_when_it_does_not_follow(app, admin_client,
                                                                     user_id):
    hx = Htmx(admin_client, f"/users/{user_id}/email/general")
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Sales desk",
                                                "address": "sam@example.com"})
    rename(admin_client, user_id, "Sam Søren")
    text = text_of(admin_client.get("/users/"))
    assert "Their emails still show “Sales desk”, the Email Display Name" in text


@pytest.mark.parametrize(("name", "message"), [
    ("   ", "only spaces or invisible characters"),
    ("\u00a0\u200b\u3000", "only spaces or invisible characters"),
    ("Sam\tSøren", "Tabs are not allowed here"),
    ("Sam\x0bSøren", "Line breaks are not allowed here"),
    ("Sam\x07", "invisible control character (U+0007)"),
    ("x" * 121, "Keep the name to 120 characters or fewer."),
    ('Sam "The Boss"', "Leave out quotes and angle brackets"),
])
def test_a_refused_name_is_said_at_its_field(app, admin_client, user_id, name, message):
    rename(admin_client, user_id, "Sam")
    response = rename(admin_client, user_id, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and name_of(app, user_id) == "Sam"
    field = re.search(rf'<input type="text" id="name-{user_id}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and f"name-{user_id}-error" in field
    error = re.search(rf'<p class="error" id="name-{user_id}-error">(.*?)</p>', html, re.S)
    assert message in error.group(1).replace("&#34;", '"')
    assert re.search(r'<details class="rename" open>\s*<summary>Change name<span '
                     r'class="visually-hidden"> of sam@example.com', html)
    assert "The name of sam@example.com was not changed" in text_of(response)


def test_only_an_administrator_renames(app, user_client, user_id, admin_id):
    response = Htmx(user_client, "/").post(f"/users/{admin_id}/name", {"name": "Hacked"},
                                           htmx=False)
    assert response.status_code == 403 and name_of(app, admin_id) == ""


def test_renaming_an_unknown_account_is_404(admin_client):
    assert rename(admin_client, 99999, "Nobody").status_code == 404
