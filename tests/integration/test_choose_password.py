"""After an administrator sets someone's password, that person chooses their own at the next
sign-in, and the panel opens nothing else until they have: the administrator never knows the
password in use."""

from __future__ import annotations

import html as html_lib

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from werkzeug.security import generate_password_hash

from tests.conftest import CHEAP_HASH, PASSWORD, Htmx, csrf_from, sign_in
from webpanel import create_app, migrate
from webpanel.auth.models import User
from webpanel.extensions import db

LEE = "lee@example.com"
GIVEN = "the administrator's password for Lee"
CHOSEN = "a password only Lee knows"
CHOOSE = "/account/choose-password"


def add_with_password(admin_client, email: str = LEE):
    hx = Htmx(admin_client, "/users/")
    return hx.post("/users/", {"name": "Lee Park", "email": email, "how": "password",
                               "password": GIVEN}, htmx=False)


def lee(app) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == LEE))


def choose(client, password: str, path: str = CHOOSE):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "password": password,
                                   "confirm": password})


def test_the_person_chooses_their_own_password_before_anything_else(app, admin_client):
    add_with_password(admin_client)
    said = html_lib.unescape(admin_client.get("/users/").get_data(as_text=True))
    assert f"Added {LEE}. Tell them the password: at their first sign-in they choose" in said
    assert GIVEN not in said and lee(app).must_change_password

    client = app.test_client()
    assert sign_in(client, LEE, GIVEN).location == CHOOSE
    assert client.get("/").location == CHOOSE
    general = f"/users/{lee(app).id}/email/general"
    assert client.get(general).location == f"{CHOOSE}?next={general}"
    fragment = client.get(general, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.headers["HX-Redirect"] == CHOOSE
    token = csrf_from(client.get(CHOOSE).get_data(as_text=True))
    blocked = client.post(general, data={"csrf_token": token, "display_name": "Changed"},
                          headers={"HX-Request": "true", "X-CSRFToken": token})
    assert blocked.headers["HX-Redirect"] == CHOOSE
    with client.get("/static/css/app.css") as stylesheet:
        assert stylesheet.status_code == 200

    page = client.get(CHOOSE).get_data(as_text=True)
    assert "<h1>Choose your password</h1>" in page and 'aria-label="Main"' not in page
    assert "Sign out" in page
    same = choose(client, GIVEN)
    assert same.status_code == 422
    assert "This is the password your administrator gave you" in same.get_data(as_text=True)
    done = choose(client, CHOSEN)
    assert done.status_code == 302 and done.location == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Hello, Lee Park" in home and "Your password is set. Only you know it." in home

    assert not lee(app).must_change_password
    assert sign_in(app.test_client(), LEE, GIVEN).status_code == 401
    assert sign_in(app.test_client(), LEE, CHOSEN).location == "/"


def test_the_page_they_asked_for_opens_once_they_have_chosen(app, admin_client):
    add_with_password(admin_client)
    smtp_tab = f"/users/{lee(app).id}/email/smtp"
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(f"/login?next={smtp_tab}", data={
        "csrf_token": token, "email": LEE, "password": GIVEN})
    assert response.location == f"{CHOOSE}?next={smtp_tab}"
    assert choose(client, CHOSEN, response.location).location == smtp_tab


def test_a_next_address_off_the_site_is_ignored(app, admin_client):
    add_with_password(admin_client)
    client = app.test_client()
    sign_in(client, LEE, GIVEN)
    assert choose(client, CHOSEN, f"{CHOOSE}?next=https://evil.example/").location == "/"


def test_signing_out_still_works_while_choosing(app, admin_client):
    add_with_password(admin_client)
    client = app.test_client()
    sign_in(client, LEE, GIVEN)
    token = csrf_from(client.get(CHOOSE).get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).location == "/login"
    assert client.get(CHOOSE).location.startswith("/login")


def test_a_reset_by_an_administrator_makes_the_person_choose_again(app, admin_client,
                                                                 user_client, user_id):
    hx = Htmx(admin_client, "/users/")
    hx.post(f"/users/{user_id}/password", {"password": GIVEN}, htmx=False)
    said = html_lib.unescape(admin_client.get("/users/").get_data(as_text=True))
    assert "at their next sign-in they choose their own" in said
    assert user_client.get("/").location.startswith("/login")  # signed out everywhere
    sam = app.test_client()
    assert sign_in(sam, "sam@example.com", GIVEN).location == CHOOSE
    assert choose(sam, CHOSEN).location == "/"
    assert sam.get("/").status_code == 200


def test_an_administrator_who_sets_their_own_password_is_not_asked_again(app, admin_client,
                                                                       admin_id):
    hx = Htmx(admin_client, "/users/")
    hx.post(f"/users/{admin_id}/password", {"password": GIVEN}, htmx=False)
    assert admin_client.get("/users/").status_code == 200
    assert sign_in(app.test_client(), "admin@example.com", GIVEN).location == "/"


def test_someone_with_their_own_password_is_sent_on_from_the_page(user_client):
    assert user_client.get(CHOOSE).location == "/"
    assert user_client.get("/").status_code == 200


@pytest.mark.sqlite_only("builds its own SQLite database from revision 0022")
def test_the_upgrade_asks_nothing_new_of_existing_accounts_and_goes_back(instance_dir):
    app = create_app({"TESTING": True})
    with app.app_context():
        migrate.upgrade(app, "0022")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, email, password_hash, is_admin, created_at)"
                              " VALUES (1, 'a@x.org', :hash, 1, '2026-01-01')"),
                         {"hash": generate_password_hash(PASSWORD, CHEAP_HASH)})
        migrate.upgrade(app)
        assert db.session.get(User, 1).must_change_password is False
        db.session.commit()
        assert sign_in(app.test_client(), "a@x.org").location == "/"
        command.downgrade(migrate.alembic_config(app), "0022")
        with db.engine.connect() as conn:
            schema = inspect(conn)
            assert "invitations" not in schema.get_table_names()
            assert "must_change_password" not in {c["name"] for c in schema.get_columns("users")}
    app.extensions["webpanel.engine"].dispose()
