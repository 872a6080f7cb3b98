"""SECURITY.md items 1-11: configuration, headers, CSRF, sessions, throttling."""

from __future__ import annotations

import logging
import stat

import pytest

from tests.conftest import PASSWORD, Htmx, csrf_from, sign_in
from webpanel import StartupError, create_app

PAGES = ["/login", "/static/css/app.css", "/static/js/app.js", "/no-such-page"]


@pytest.mark.sqlite_only("the database file is SQLite's")
def test_first_run_generates_keys_with_mode_0600(app, instance_dir):
    for name in ("secret_key", "encryption.key", "webpanel.db"):
        path = instance_dir / name
        assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(app.config["SECRET_KEY"]) >= 32


@pytest.mark.parametrize("key", ["dev", "short-key", "changeme"])
def test_a_weak_secret_key_stops_production_start_up(instance_dir, monkeypatch, key):
    monkeypatch.setenv("WEBPANEL_SECRET_KEY", key)
    with pytest.raises(StartupError, match="secret key is too weak"):
        create_app()


def test_debug_in_production_stops_start_up(instance_dir):
    with pytest.raises(StartupError, match="Debug mode is on"):
        create_app({"DEBUG": True})


def test_development_mode_allows_debug(instance_dir):
    assert create_app({"DEBUG": True, "WEBPANEL_ENV": "development"}).debug


def test_the_generated_key_is_reused_on_the_next_start(app, instance_dir):
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, make_user, path):
    make_user("admin@example.com", admin=True)
    response = client.get(path)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_security_headers_on_fragments(user_client, user_id):
    response = user_client.get(f"/users/{user_id}/email/smtp", headers={"HX-Request": "true"})
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script_and_htmx_is_local(user_client, user_id):
    html = user_client.get(f"/users/{user_id}/email/general").get_data(as_text=True)
    assert "<script>" not in html and " on" not in html.split("<body")[1].split(">")[0]
    assert '"selfRequestsOnly": true' in html and '"allowEval": false' in html
    assert "/static/js/htmx-2.0.11.min.js" in html and "https://" not in html


def test_session_cookie_flags(client, make_user):
    make_user("admin@example.com", admin=True)
    response = sign_in(client, "admin@example.com")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_remember_me_cookie_flags(client, make_user):
    make_user("admin@example.com", admin=True)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": "admin@example.com",
                                           "password": PASSWORD, "remember": "y"})
    remember = [c for c in response.headers.getlist("Set-Cookie") if "webpanel_remember" in c]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def test_cookies_are_secure_when_served_over_https(instance_dir, monkeypatch):
    monkeypatch.setenv("WEBPANEL_SECURE_COOKIES", "1")
    app = create_app({"TESTING": True})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_oversized_request_gets_413(user_client, user_id, app):
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = hx.post(f"/users/{user_id}/email/general", {"signature": big})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


@pytest.mark.production_hash
def test_passwords_are_hashed_with_scrypt(app, make_user):
    from webpanel.auth.models import User
    from webpanel.extensions import db

    uid = make_user("admin@example.com", admin=True)
    with app.app_context():
        stored = db.session.get(User, uid).password_hash
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_login_rotates_the_session(client, make_user):
    make_user("admin@example.com", admin=True)
    client.get("/login")
    before = client.get_cookie("webpanel_session").value
    sign_in(client, "admin@example.com")
    assert client.get_cookie("webpanel_session").value != before


def test_logout_makes_the_old_cookie_useless(app, user_client, user_id):
    stolen = user_client.get_cookie("webpanel_session").value
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    assert hx.post("/logout", {}, htmx=False).status_code == 302
    thief = app.test_client()
    thief.set_cookie("webpanel_session", stolen)
    response = thief.get(f"/users/{user_id}/email/general")
    assert response.status_code == 302 and "/login" in response.location


def test_password_change_signs_out_other_browsers(app, user_client, user_id):
    other = app.test_client()
    sign_in(other, "sam@example.com")
    hx = Htmx(user_client, "/account/password")
    response = hx.post("/account/password", {"current": PASSWORD, "password": "a new long pass",
                                             "confirm": "a new long pass"}, htmx=False)
    assert response.status_code == 302
    assert user_client.get(f"/users/{user_id}/email/general").status_code == 200
    assert other.get(f"/users/{user_id}/email/general").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_next_only_goes_to_a_local_path(client, make_user, target):
    make_user("admin@example.com", admin=True)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(f"/login?next={target}", data={
        "csrf_token": token, "email": "admin@example.com", "password": PASSWORD})
    assert response.location == "/"


def test_next_to_a_local_path_is_followed(client, make_user):
    uid = make_user("admin@example.com", admin=True)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(f"/login?next=/users/{uid}/email/smtp", data={
        "csrf_token": token, "email": "admin@example.com", "password": PASSWORD})
    assert response.location == f"/users/{uid}/email/smtp"


def test_failed_sign_ins_are_throttled_per_account_and_logged(app, client, make_user, caplog):
    make_user("admin@example.com", admin=True)
    caplog.set_level(logging.WARNING, "webpanel.auth")
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        assert sign_in(client, "admin@example.com", "wrong password").status_code == 401
    response = sign_in(client, "admin@example.com")  # even the right password waits
    assert response.status_code == 401
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    assert "failed sign-in for 'admin@example.com'" in caplog.text
    assert "wrong password" not in caplog.text


def test_failed_sign_ins_are_throttled_per_address(app, client, make_user):
    make_user("admin@example.com", admin=True)
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 3
    for n in range(3):
        sign_in(client, f"nobody{n}@example.com", "wrong password")
    response = sign_in(client, "admin@example.com")
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_wrong_password_says_so_plainly(client, make_user):
    make_user("admin@example.com", admin=True)
    response = sign_in(client, "admin@example.com", "nope nope nope")
    assert "do not match an account" in response.get_data(as_text=True)


@pytest.mark.parametrize(("path", "data"), [
    ("/users/{uid}/email/general", {"address": "sam@example.com"}),
    ("/users/{uid}/email/smtp", {"send_using": "client"}),
    ("/users/{uid}/email/smtp/clear-password", {}),
    ("/users/{uid}/email/smtp/test", {"test_to": "pat@example.org", "test_subject": "x"}),
    ("/logout", {}),
])
@pytest.mark.parametrize("htmx", [True, False])
def test_state_changes_without_a_csrf_token_get_400(user_client, user_id, path, data, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = user_client.post(path.format(uid=user_id), data=data, headers=headers)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert user_client.get(f"/users/{user_id}/email/general").status_code == 200


def test_htmx_requests_may_carry_the_token_in_a_header(user_client, user_id):
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    response = user_client.post(f"/users/{user_id}/email/general",
                                data={"address": "sam@example.com"},
                                headers={"HX-Request": "true", "X-CSRFToken": hx.token})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/logout", "/users/{uid}/email/smtp/clear-password"])
def test_no_get_changes_state(user_client, user_id, path):
    assert user_client.get(path.format(uid=user_id)).status_code == 405


def test_the_setup_page_is_gone_once_an_account_exists(client, make_user):
    assert client.get("/").location.endswith("/setup")
    make_user("admin@example.com", admin=True)
    assert client.get("/setup").status_code == 404
