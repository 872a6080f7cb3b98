"""Gmail and Outlook in the tests: signing in through the stand-ins from the panel's tabs, the
stored account, tokens for the transports, and the Integrations form as an office fills it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from sqlalchemy import select, update

from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mailbase import MailError
from webpanel.oauth.models import OAuthAccount

#: The panel's tab of each provider.
TABS = {"google": "gmail", "microsoft": "outlook"}
#: The redirect URI the transport tests sign in with (no panel behind it).
REDIRECT = "http://127.0.0.1:5999/oauth/callback"
#: The Integrations page's fields, filled in.
FORM = {"google_client_id": "abc.apps.googleusercontent.com",
        "google_client_secret": "GOCSPX-very-secret", "microsoft_client_id": "1234-app",
        "microsoft_client_secret": "ms~secret~value", "microsoft_tenant": "contoso.example"}


def connect(hx, emulator, provider: str, email_address: str | None = None):
    """Press the sign-in button, consent at the stand-in, follow the redirect back."""
    start = hx.post(f"/users/{hx.user_id}/email/{TABS[provider]}/connect", {}, htmx=False)
    assert start.status_code == 302
    back = emulator.approve(start.location, email=email_address)
    parts = urlsplit(back)
    return hx.client.get(f"{parts.path}?{parts.query}"), start.location


def account(app, user_id, provider) -> OAuthAccount | None:
    """The person's stored sign-in with `provider`, if any."""
    with app.app_context():
        return db.session.scalar(select(OAuthAccount).where(OAuthAccount.user_id == user_id,
                                                            OAuthAccount.provider == provider))


def choose(hx, method: str):
    """Choose the way of sending on the SMTP tab."""
    response = hx.post(f"/users/{hx.user_id}/email/smtp", {"send_using": method,
                                                            "smtp_security": "tls"})
    assert "Saved" in response.get_data(as_text=True), response.get_data(as_text=True)


def tab(hx, name: str) -> str:
    """The HTML of one Email sub-tab."""
    return hx.get(f"/users/{hx.user_id}/email/{name}").get_data(as_text=True)


def set_account(app, user_id: int, provider: str, **values) -> None:
    """Change the stored sign-in's columns directly."""
    with app.app_context():
        db.session.execute(update(OAuthAccount).where(OAuthAccount.user_id == user_id,
                                                      OAuthAccount.provider == provider)
                           .values(**values))
        db.session.commit()


def stale_access_token(app, user_id: int, emulator, provider: str) -> None:
    """The next send must renew the access token first."""
    set_account(app, user_id, provider, expires_at=utcnow() - timedelta(minutes=5))
    emulator.expire_access_tokens()


class EmulatorTokens:
    """A TokenSource that refreshes at the emulator's token endpoint."""

    def __init__(self, emu: Any, token: dict) -> None:
        self.emu, self.token, self.refreshes = emu, token, 0

    def access_token(self) -> str:
        return self.token["access_token"]

    def refresh(self) -> str:
        self.refreshes += 1
        client = self.emu.client
        resp = requests.post(self.emu.urls["token_url"], timeout=5,
                             auth=(client.client_id, client.client_secret),
                             data={"grant_type": "refresh_token",
                                   "refresh_token": self.token["refresh_token"]})
        if resp.status_code != 200:
            raise MailError("sign-in", "Reconnect needed.", "Sign in again.", retryable=False)
        self.token.update(resp.json())
        return self.token["access_token"]


def login(emu: Any, scope: str) -> dict:
    """Consent in-process and exchange the code (with PKCE) for tokens."""
    client = emu.client
    with OAuth2Session(client.client_id, client.client_secret, scope=scope,
                       redirect_uri=REDIRECT, code_challenge_method="S256") as sess:
        verifier = generate_token(48)
        url, _ = sess.create_authorization_url(emu.urls["authorize_url"], code_verifier=verifier,
                                               access_type="offline", prompt="consent")
        redirect = emu.approve(url)
        assert "code" in parse_qs(urlsplit(redirect).query)
        return dict(sess.fetch_token(emu.urls["token_url"], authorization_response=redirect,
                                     code_verifier=verifier))
