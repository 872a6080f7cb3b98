"""Tokens at rest and in use: encrypted storage, refresh before expiry (one worker at a time,
by a lease), rotation, invalid_grant."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

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
from webpanel.mailbase import MailError
from webpanel.oauth import health, lease
from webpanel.oauth.models import OAuthAccount
from webpanel.transactions import release, writing

EXPIRY_MARGIN = timedelta(seconds=60)
LEASE_MARGIN = 5.0  # seconds a lease outlasts the refresh call's deadline (MAIL_TIMEOUT)
WAIT_STEP = 0.1  # seconds between re-reads while another worker refreshes
log = logging.getLogger("webpanel.oauth")


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
    ends = health.ends_at(token, utcnow())
    if ends is not None:  # a refresh that does not say keeps what the sign-in said
        account.refresh_expires_at = ends
    health.healthy(account)


def note_sent(transport: object) -> None:
    """If `transport` sends with an account's tokens, remember that the account just sent
    (the caller commits): a sign-in in use is not about to end for disuse."""
    tokens = getattr(transport, "tokens", None)
    if isinstance(tokens, AccountTokens):
        health.note_sent(tokens.account_id)


def reconnect_error(provider: str) -> MailError:
    """The failure for a revoked or expired grant: sign in again, never retry in a loop."""
    words = providers.WORDS[provider]
    return MailError("sign-in", f"{providers.LABELS[provider]} no longer accepts the panel's "
                     "sign-in (it was revoked, expired, or the password changed).",
                     f"Open Email settings → {words['name']} and press “{words['sign_in']}” "
                     "again, then Retry.", retryable=False)


@dataclass(frozen=True)
class Seen:
    """What one short read of the account found (the transaction ended after it)."""

    access_enc: str | None
    refresh_enc: str | None
    expires_at: datetime | None
    lease_until: datetime | None = None

    def fresh(self) -> bool:
        """Whether the access token is good for a while yet."""
        return bool(self.expires_at and self.expires_at > utcnow() + EXPIRY_MARGIN)

    def leased(self) -> bool:
        """Whether another worker holds the refresh lease (so claiming is pointless)."""
        return bool(self.lease_until and self.lease_until >= utcnow())


class AccountTokens:
    """The TokenSource for one account: a valid access token, refreshed when needed.

    No transaction stays open during a refresh: one worker at a time holds the account's
    lease (webpanel.oauth.lease) and calls the token endpoint; the others use the current
    token while it is fresh, else wait (a bounded number of short re-reads) for the new one.
    """

    def __init__(self, account_id: int, provider: str) -> None:
        self.account_id = account_id
        self.provider = provider
        self._used: str | None = None  # the (encrypted) token this source last gave out

    def access_token(self) -> str:
        """The stored access token while it is fresh, else a refreshed one."""
        seen = self._read()
        return self._hand_out(seen) if seen.fresh() else self._renew(seen)

    def refresh(self) -> str:
        """Refresh now (after the API said 401), unless another worker just did."""
        seen = self._read()
        if self._used is not None and seen.access_enc != self._used and seen.fresh():
            return self._hand_out(seen)
        return self._renew(seen)

    def renew_ahead(self, lapses_before: datetime) -> bool:
        """Refresh now if the access token lapses before `lapses_before` (the background
        worker's hourly round), holding the lease; nothing when another worker holds it or
        just renewed. True if this call renewed; a failure is recorded on the account and
        raised (MailError)."""
        seen = self._read()
        if (seen.expires_at is not None and seen.expires_at >= lapses_before) or seen.leased():
            return False
        provider = providers.get(self.provider)
        if provider is None:
            raise not_configured(self.provider)
        seconds = float(current_app.config["MAIL_TIMEOUT"])
        owner = lease.claim(self.account_id, seen.access_enc, seconds + LEASE_MARGIN)
        if owner is None:
            return False
        self._refresh_holding(owner, provider, seconds)
        return True

    def _read(self) -> Seen:
        account = db.session.scalar(select(OAuthAccount).where(
            OAuthAccount.id == self.account_id).execution_options(populate_existing=True))
        seen = None if account is None or account.needs_reconnect else Seen(
            account.access_token_enc, account.refresh_token_enc, account.expires_at,
            account.refresh_lease_until)
        release()
        if seen is None:
            raise reconnect_error(self.provider)
        return seen

    def _hand_out(self, seen: Seen) -> str:
        token = self._decrypt(seen.access_enc)
        self._used = seen.access_enc
        return token

    def _renew(self, seen: Seen) -> str:
        """Refresh holding the lease, or wait for the worker that holds it."""
        provider = providers.get(self.provider)
        release()
        if provider is None:
            raise not_configured(self.provider)
        seconds = float(current_app.config["MAIL_TIMEOUT"])
        for _ in range(int((seconds + LEASE_MARGIN) / WAIT_STEP) + 2):
            owner = None if seen.leased() else lease.claim(self.account_id, seen.access_enc,
                                                           seconds + LEASE_MARGIN)
            if owner is not None:
                return self._refresh_holding(owner, provider, seconds)
            time.sleep(WAIT_STEP)
            now = self._read()
            if now.access_enc != seen.access_enc and now.fresh():
                return self._hand_out(now)
            seen = now
        raise MailError("sign-in", f"The panel is still renewing its access to "
                        f"{providers.LABELS[self.provider]} for another message.",
                        "Press Retry in a minute.")

    def _refresh_holding(self, owner: str, provider, seconds: float) -> str:
        """The refresh call, outside any transaction, then one short one to store it."""
        try:
            refresh_token = self._decrypt(self._read().refresh_enc)
            client = deadline.bound(OAuth2Session(provider.client_id, provider.client_secret,
                                                  scope=provider.scope,
                                                  default_timeout=seconds), seconds)
            with client:
                token = client.refresh_token(provider.token_url, refresh_token=refresh_token)
        except OAuthError as exc:
            error = self._refused(exc)
            lease.end(self.account_id, owner, needs_reconnect=exc.error == "invalid_grant",
                      failure=error.reason)
            raise error from None
        except (RequestException, ValueError) as exc:
            error = no_answer(self.provider, exc, seconds)
            lease.end(self.account_id, owner, failure=error.reason)
            raise error from None
        except BaseException:
            lease.end(self.account_id, owner)
            raise
        self._store(owner, token)
        return token["access_token"]

    def _store(self, owner: str, token: dict) -> None:
        """The access token and a rotated refresh token in one transaction, while the lease is
        still ours (it outlasts the call's deadline, so only a stalled worker loses it)."""
        with writing():
            account = lease.locked_account(self.account_id)
            if account is None or not lease.holds(account, owner, utcnow()):
                log.warning("refresh lease of account %s lost; new token not stored",
                            self.account_id)
                return
            store(account, token)
            account.refreshed_at = utcnow()
            lease.clear(account)
            self._used = account.access_token_enc

    def _refused(self, exc: OAuthError) -> MailError:
        if exc.error == "invalid_grant":
            return reconnect_error(self.provider)
        return MailError("sign-in", f"{providers.LABELS[self.provider]} refused to renew the "
                         f"panel's access ({exc.error}).", "Try again in a few minutes; if it "
                         "keeps happening, sign in again on the tab.")

    def _decrypt(self, token: str | None) -> str:
        try:
            return secret_box().decrypt(token or "")
        except SecretUnreadable:
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
