"""First run, the Users page, and the `flask users create` command."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import PASSWORD, Htmx, child_env, csrf_from, sign_in
from webpanel.auth.models import User
from webpanel.extensions import db


def test_first_run_creates_the_administrator_and_signs_in(client, app):
    page = client.get("/setup").get_data(as_text=True)
    assert "Create the first administrator" in page
    token = csrf_from(page)
    response = client.post("/setup", data={"csrf_token": token, "email": "Boss@Example.com",
                                           "company_name": "Northwind Studio LLC",
                                           "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert "Email settings" in client.get("/", follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        boss = db.session.query(User).one()
    assert boss.email == "boss@example.com" and boss.is_admin


def test_first_run_can_load_sample_data(client, app):
    from webpanel.documents.models import Document

    token = csrf_from(client.get("/setup").get_data(as_text=True))
    client.post("/setup", data={"csrf_token": token, "email": "boss@example.com",
                                "company_name": "Ruiz & Daughters", "password": PASSWORD,
                                "confirm": PASSWORD, "sample_data": "y"})
    with app.app_context():
        kinds = {d.kind for d in db.session.query(Document)}
    assert kinds == {"proposal", "sales_order", "invoice", "purchase_order"}
    assert "Sample customers" in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_first_run_errors_are_shown_at_the_fields(client):
    token = csrf_from(client.get("/setup").get_data(as_text=True))
    response = client.post("/setup", data={"csrf_token": token, "email": "boss",
                                           "password": "short", "confirm": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter one email address" in html and "at least 10 characters" in html
    assert "The two passwords differ" in html


def test_users_page_is_for_admins_only(user_client):
    response = user_client.get("/users/")
    assert response.status_code == 403 and "Ask an administrator" in response.get_data(True)


def test_admin_adds_a_user_who_can_then_sign_in(app, admin_client):
    hx = Htmx(admin_client, "/users/")
    response = hx.post("/users/", {"email": "lee@example.com", "password": PASSWORD},
                       htmx=False)
    assert response.status_code == 302
    assert "lee@example.com" in admin_client.get("/users/").get_data(as_text=True)
    assert sign_in(app.test_client(), "lee@example.com").status_code == 302


def test_adding_an_existing_user_says_so(admin_client):
    hx = Htmx(admin_client, "/users/")
    response = hx.post("/users/", {"email": "admin@example.com", "password": PASSWORD},
                       htmx=False)
    assert response.status_code == 422 and "already exists" in response.get_data(True)


def test_admin_resets_a_password_and_the_user_is_signed_out(app, admin_client, user_client,
                                                          user_id):
    hx = Htmx(admin_client, "/users/")
    hx.post(f"/users/{user_id}/password", {"password": "brand new password"}, htmx=False)
    assert user_client.get(f"/users/{user_id}/email/general").status_code == 302
    assert sign_in(app.test_client(), "sam@example.com", "brand new password").status_code == 302


def test_admin_grants_admin(app, admin_client, user_id):
    hx = Htmx(admin_client, "/users/")
    hx.post(f"/users/{user_id}/admin", {"is_admin": "y"}, htmx=False)
    with app.app_context():
        assert db.session.get(User, user_id).is_admin


def test_an_admin_cannot_withdraw_their_own_rights(app, admin_client, admin_id):
    hx = Htmx(admin_client, "/users/")
    hx.post(f"/users/{admin_id}/admin", {}, htmx=False)
    with app.app_context():
        assert db.session.get(User, admin_id).is_admin


def flask_cli(instance_dir, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "webpanel", *args],
                          input=stdin, capture_output=True, text=True, timeout=60,
                          env=child_env(instance_dir))


def test_cli_creates_users_reading_the_password_from_stdin(app, instance_dir):
    result = flask_cli(instance_dir, "users", "create", "ops@example.com", "--admin",
                       stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert "Created administrator ops@example.com" in result.stdout
    assert sign_in(app.test_client(), "ops@example.com").status_code == 302
    again = flask_cli(instance_dir, "users", "create", "ops@example.com", stdin=PASSWORD)
    assert again.returncode != 0 and "already exists" in again.stderr
    short = flask_cli(instance_dir, "users", "create", "x@example.com", stdin="short\n")
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
