"""Behind trusted reverse proxies each person's own address counts for the sign-in limit and
cookies are Secure over the forwarded HTTPS; without that setting, forwarded headers are ignored.
An unknown account and a wrong password cost the same password hash."""

from __future__ import annotations

import pytest
import werkzeug.security

from tests.conftest import PASSWORD, csrf_from
from webpanel.auth import services as auth_services
from webpanel.extensions import db

PROXY = "127.0.0.1"  # every request reaches the panel from the proxy
ANNA, BEN = "203.0.113.7", "198.51.100.9"
THROTTLED = "Too many failed sign-ins"


def with_sam(app):
    """`app` with Sam's account."""
    with app.app_context():
        auth_services.create_user("sam@example.com", PASSWORD)
        db.session.commit()
    return app


@pytest.fixture
def proxied(make_app):
    return with_sam(make_app(TRUSTED_PROXIES=1))


@pytest.fixture
def direct(make_app):
    return with_sam(make_app())


def attempt(app, forwarded_for: str, email: str, password: str, scheme: str = "http"):
    """One sign-in through the proxy, from a fresh browser at `forwarded_for`."""
    client = app.test_client()
    headers = {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": scheme,
               "Referer": f"{scheme}://localhost/login"}
    page = client.get("/login", headers=headers, environ_base={"REMOTE_ADDR": PROXY})
    return client.post("/login", headers=headers, environ_base={"REMOTE_ADDR": PROXY}, data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "email": email,
        "password": password, "remember": "y"})


def fail_21_times(app, forwarded_for: str) -> None:
    for n in range(21):  # a different unknown account each time: only the address adds up
        response = attempt(app, forwarded_for, f"guess{n}@example.com", "wrong password")
    assert THROTTLED in response.get_data(as_text=True)


def test_one_persons_failures_do_not_lock_out_another(proxied):
    fail_21_times(proxied, ANNA)
    assert THROTTLED in attempt(proxied, ANNA, "sam@example.com", PASSWORD).get_data(as_text=True)
    assert attempt(proxied, BEN, "sam@example.com", PASSWORD).status_code == 302


def test_without_trusted_proxies_a_forwarded_address_cannot_dodge_the_limit(direct):
    for n in range(21):  # a new made-up X-Forwarded-For each time changes nothing
        response = attempt(direct, f"192.0.2.{n}", f"guess{n}@example.com", "wrong password")
    assert THROTTLED in response.get_data(as_text=True)
    assert THROTTLED in attempt(direct, BEN, "sam@example.com", PASSWORD).get_data(as_text=True)


def cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_cookies_are_secure_over_the_forwarded_https(proxied):
    response = attempt(proxied, BEN, "sam@example.com", PASSWORD, scheme="https")
    assert response.status_code == 302
    names = {c.split("=", 1)[0] for c in cookies(response)}
    assert {"webpanel_session", "webpanel_remember"} <= names
    assert all("; Secure" in c for c in cookies(response))
    plain = attempt(proxied, ANNA, "sam@example.com", PASSWORD, scheme="http")
    assert plain.status_code == 302 and cookies(plain)
    assert not any("Secure" in c for c in cookies(plain))


def test_without_trusted_proxies_a_forwarded_scheme_is_ignored(direct):
    response = attempt(direct, BEN, "sam@example.com", PASSWORD, scheme="https")
    assert response.status_code == 302
    assert cookies(response) and not any("Secure" in c for c in cookies(response))


@pytest.fixture
def hash_calls(monkeypatch) -> list[str]:
    """Each password hash werkzeug computes (the real computation, only counted)."""
    calls: list[str] = []
    real = werkzeug.security._hash_internal

    def counted(method: str, salt: str, password: str):
        calls.append(method.split(":")[0])
        return real(method, salt, password)

    monkeypatch.setattr(werkzeug.security, "_hash_internal", counted)
    return calls


@pytest.mark.production_hash
def test_an_unknown_account_costs_the_same_hash_as_a_wrong_password(direct, hash_calls):
    attempt(direct, BEN, "sam@example.com", PASSWORD)  # warm: the app is ready
    hash_calls.clear()
    wrong = attempt(direct, BEN, "sam@example.com", "wrong password")
    wrong_calls = list(hash_calls)
    hash_calls.clear()
    unknown = attempt(direct, BEN, "nobody@example.com", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_data(as_text=True).count("do not match") == 1
    assert unknown.get_data(as_text=True).count("do not match") == 1
    assert wrong_calls == hash_calls == ["scrypt"]


@pytest.mark.production_hash
def test_the_stand_in_hash_has_the_parameters_passwords_get(direct):
    with direct.app_context():
        real = auth_services.find_user("sam@example.com").password_hash
    assert auth_services.DUMMY_HASH.split("$")[0] == real.split("$")[0]  # scrypt:32768:8:1
