"""Tokens at rest and in use: encrypted storage, refresh before expiry, rotation, invalid_grant."""

from __future__ import annotations

from datetime import timedelta

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from requests import RequestException, Timeout
from sqlalchemy import select

from webpanel.crypto import SecretUnreadable, secret_box
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.mail import deadline
from webpanel.mail.base import MailError
from webpanel.oauth.models import OAuthAccount

EXPIRY_MARGIN = timedelta(seconds=60)


def store(account: OAuthAccount, token: dict) -> None:
    """Put a token response on the account, encrypted; a rotated refresh token replaces the old.

    The caller commits, so the access and refresh tokens land in one transaction.
    """
    account.access_token_enc = secret_box().encrypt(token["access_token"])
    if token.get("refresh_token"):
        account.refresh_token_enc = secret_box().encrypt(token["refresh_token"])
    expires_in = int(token.get("expires_in") or 3600)
    account.expires_at = utcnow() + timedelta(seconds=expires_in)
    account.scope = str(token.get("scope") or account.scope or "")
    account.needs_reconnect = False


def reconnect_error(provider: str) -> MailError:
    """The failure for a revoked or expired grant: sign in again, never retry in a loop."""
    words = providers.WORDS[provider]
    return MailError("sign-in", f"{providers.LABELS[provider]} no longer accepts the panel's "
                     "sign-in (it was revoked, expired, or the password changed).",
                     f"Open Email settings → {words['name']} and press “{words['sign_in']}” "
                     "again, then Retry.", retryable=False)


class AccountTokens:
    """The TokenSource for one account: a valid access token, refreshed when needed."""

    def __init__(self, account_id: int, provider: str) -> None:
        self.account_id = account_id
        self.provider = provider

    def access_token(self) -> str:
        """The stored access token while it is fresh, else a refreshed one."""
        account = self._load()
        if account.expires_at and account.expires_at > utcnow() + EXPIRY_MARGIN:
            token = self._decrypt(account.access_token_enc)
            db.session.commit()
            return token
        return self._refresh(account)

    def refresh(self) -> str:
        """Refresh now (after the API said 401)."""
        return self._refresh(self._load())

    def _load(self) -> OAuthAccount:
        account = db.session.scalar(select(OAuthAccount).where(
            OAuthAccount.id == self.account_id).execution_options(populate_existing=True))
        if account is None or account.needs_reconnect:
            db.session.commit()
            raise reconnect_error(self.provider)
        return account

    def _refresh(self, account: OAuthAccount) -> str:
        """Refresh inside the account's write transaction, so two workers never both rotate."""
        provider = providers.get(self.provider)
        if provider is None:
            db.session.commit()
            raise not_configured(self.provider)
        refresh_token = self._decrypt(account.refresh_token_enc)
        seconds = current_app.config["MAIL_TIMEOUT"]
        client = deadline.bound(OAuth2Session(provider.client_id, provider.client_secret,
                                              scope=provider.scope, default_timeout=seconds),
                                seconds)
        try:
            with client:
                token = client.refresh_token(provider.token_url, refresh_token=refresh_token)
        except OAuthError as exc:
            return self._refused(account, exc)
        except (RequestException, ValueError) as exc:
            db.session.commit()
            raise no_answer(self.provider, exc, seconds) from None
        store(account, token)
        account.refreshed_at = utcnow()
        db.session.commit()
        return token["access_token"]

    def _refused(self, account: OAuthAccount, exc: OAuthError) -> str:
        if exc.error == "invalid_grant":
            account.needs_reconnect = True
            db.session.commit()
            raise reconnect_error(self.provider)
        db.session.commit()
        raise MailError("sign-in", f"{providers.LABELS[self.provider]} refused to renew the "
                        f"panel's access ({exc.error}).", "Try again in a few minutes; if it "
                        "keeps happening, sign in again on the tab.") from None

    def _decrypt(self, token: str | None) -> str:
        try:
            return secret_box().decrypt(token or "")
        except SecretUnreadable:
            db.session.commit()
            raise reconnect_error(self.provider) from None


def not_configured(provider: str) -> MailError:
    """The failure when the administrator has not set up the integration."""
    return MailError("settings", f"Sending through {providers.LABELS[provider]} is not set up.",
                     "Ask your administrator to fill in the Integrations page.", retryable=False)


def no_answer(provider: str, exc: Exception, seconds: float) -> MailError:
    """The failure when the token endpoint does not answer (in time, or at all)."""
    label = providers.LABELS[provider]
    if isinstance(exc, Timeout):
        unit = "second" if seconds == 1 else "seconds"
        return MailError("sign-in", f"No answer from {label} within {seconds:g} {unit} when "
                         "the panel renewed its access.", "Check the network connection and "
                         "press Retry; if it keeps happening, try again later.")
    return MailError("sign-in", f"{label} did not answer when the panel renewed its access.",
                     "Check the network connection and press Retry.")
