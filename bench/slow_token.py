"""Pages while Google takes 8 seconds to answer a token refresh: one person's send waits for
Google, and nobody else waits for it (the refresh holds a lease, not the database)."""

from __future__ import annotations

import statistics
import threading
import time
from urllib.parse import urlsplit

from sqlalchemy import update

from bench.harness import PASSWORD, Row, csrf, make_panel, median_seconds
from tests.emulators import GoogleEmulator, MicrosoftEmulator
from tests.support.oauth_fixtures import CALLBACKS, GOOGLE_ID, GOOGLE_SECRET, endpoint_config
from webpanel.auth import services as auth_services
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.oauth.models import OAuthAccount

DELAY = 8.0


def _post(client, url: str, token: str, data: dict):
    return client.post(url, data={"csrf_token": token, **data},
                       headers={"HX-Request": "true", "X-CSRFToken": token})


def _sign_in(client, email: str) -> int:
    token = csrf(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": PASSWORD}).status_code


def _signed_in_with_google(app, client, uid: int, google: GoogleEmulator) -> str:
    """Sign the bench user in with Google and send through Gmail; returns a CSRF token."""
    token = csrf(client.get(f"/users/{uid}/email/general").get_data(as_text=True))
    _post(client, f"/users/{uid}/email/general", token, {"address": "bench@example.com"})
    start = client.post(f"/users/{uid}/email/gmail/connect", data={"csrf_token": token})
    back = urlsplit(google.approve(start.location, email="bench@example.com"))
    client.get(f"{back.path}?{back.query}")
    _post(client, f"/users/{uid}/email/smtp", token, {"send_using": "gmail",
                                                      "smtp_security": "tls"})
    with app.app_context():
        db.session.execute(update(OAuthAccount).values(expires_at=utcnow()))
        db.session.commit()
    google.expire_access_tokens()
    return token


def _colleague(app):
    """A second person, signed in; returns their client and the page they look at."""
    with app.app_context():
        pat = auth_services.create_user("pat@example.com", PASSWORD).id
        db.session.commit()
    other = app.test_client()
    _sign_in(other, "pat@example.com")
    return other, f"/users/{pat}/email/general"


def run() -> list[Row]:
    """One row: the colleague's page median (and sign-ins) while the refresh is slow."""
    with GoogleEmulator(GOOGLE_ID, GOOGLE_SECRET, redirect_uris=CALLBACKS) as google, \
            MicrosoftEmulator("unused", "unused", redirect_uris=CALLBACKS) as microsoft:
        app, client, uid = make_panel(**endpoint_config(google, microsoft),
                                      GOOGLE_CLIENT_ID=GOOGLE_ID,
                                      GOOGLE_CLIENT_SECRET=GOOGLE_SECRET,
                                      MAIL_TIMEOUT=DELAY + 5)
        token = _signed_in_with_google(app, client, uid, google)
        other, page = _colleague(app)
        idle = median_seconds(lambda: other.get(page))
        asked, noted = threading.Event(), google.on_request

        def on_request(record) -> None:
            noted(record)
            if record.grant_type == "refresh_token":
                asked.set()

        google.on_request = on_request
        google.fail_next("token", "slow", delay=DELAY)
        said: list[str] = []
        sender = threading.Thread(target=lambda: said.append(_post(
            client, f"/users/{uid}/email/smtp/test", token, {
                "send_using": "gmail", "smtp_security": "tls", "test_to": "pat@example.org",
                "test_subject": "bench"}).get_data(True)))
        sender.start()
        asked.wait(30)
        busy, statuses = [], []
        while sender.is_alive():
            started = time.perf_counter()
            statuses.append(other.get(page).status_code)
            busy.append(time.perf_counter() - started)
            if len(busy) % 20 == 0:  # and someone signs in meanwhile
                statuses.append(_sign_in(app.test_client(), "pat@example.com"))
        sender.join()
    median = statistics.median(busy or [float("inf")])
    ratio = median / idle if idle else float("inf")
    errors = sum(1 for status in statuses if status >= 500)
    sent = bool(said) and "It works" in said[0]
    return [Row(f"Page median while a token refresh takes {DELAY:g} s",
                f"{median * 1000:.1f} ms ({ratio:.1f}x idle {idle * 1000:.1f} ms), "
                f"{len(statuses)} requests, {errors} 5xx, send {'ok' if sent else 'FAILED'}",
                "<= 2x idle, no 5xx", ratio <= 2.0 and errors == 0 and sent)]
