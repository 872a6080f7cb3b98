"""The authorization code flow with PKCE and state, and De-Authorize."""

from __future__ import annotations

import hmac
import logging

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app, session
from sqlalchemy import delete, select

from webpanel.crypto import SecretUnreadable, secret_box
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.integrations.providers import Provider
from webpanel.mail import deadline
from webpanel.oauth import health
from webpanel.oauth.models import OAuthAccount
from webpanel.oauth.tokens import store
from webpanel.transactions import release, writing

log = logging.getLogger("webpanel.oauth")
PENDING = "oauth_pending"


class SignInFailed(Exception):
    """The sign-in did not complete; the message says what to do, nothing was saved."""


def account_for(user_id: int, provider: str) -> OAuthAccount | None:
    """The user's account with this provider, if signed in."""
    return db.session.scalar(select(OAuthAccount).where(OAuthAccount.user_id == user_id,
                                                        OAuthAccount.provider == provider))


def connected_apis(user_id: int) -> set[str]:
    """"gmail" and/or "outlook": the APIs this user signed in to (reconnect-needed counts,
    so the choice stays and its send fails with the plain "sign in again" message)."""
    rows = db.session.scalars(select(OAuthAccount.provider).where(OAuthAccount.user_id == user_id))
    return {providers.TABS[name] for name in rows}


def start(provider: Provider, user_id: int, redirect_uri: str) -> str:
    """Remember state and the PKCE verifier in this browser's session; return the provider URL."""
    state, verifier = generate_token(32), generate_token(64)
    session[PENDING] = {"provider": provider.name, "state": state, "verifier": verifier,
                        "user_id": user_id}
    client = _client(provider, redirect_uri)
    url, _ = client.create_authorization_url(provider.authorize_url, state=state,
                                             code_verifier=verifier, **provider.authorize_params)
    return url


def finish(provider: Provider, user_id: int, args: dict, redirect_uri: str) -> OAuthAccount:
    """Check state, exchange the code (with the verifier), learn the address, store the tokens."""
    pending = session.pop(PENDING, None)
    if not _state_matches(pending, provider.name, user_id, args.get("state", "")):
        raise SignInFailed("The sign-in could not be matched to this browser, so nothing was "
                           "saved. Start again with the button on the tab.")
    if args.get("error"):
        raise SignInFailed(f"{provider.label} did not give access ({args['error'][:60]}). "
                           "Nothing was saved. Press the button again and choose Allow.")
    release()  # no transaction stays open while Google or Microsoft is asked
    token = _exchange(provider, args.get("code", ""), pending["verifier"], redirect_uri)
    email = _address(provider, token["access_token"])
    return _save(user_id, provider.name, token, email)


REVOKED, ALREADY_REVOKED, NOT_REACHED = "revoked", "already revoked", "not reached"


def deauthorize(account: OAuthAccount, provider: Provider | None) -> str | None:
    """Delete the local tokens; for Google also revoke them there.

    Returns REVOKED when Google confirmed the revocation, ALREADY_REVOKED when Google says the
    token was revoked before (400 invalid_token), NOT_REACHED when the call failed otherwise,
    None when the provider has no revoke endpoint (Microsoft). The words for each are the
    provider's `deauthorized` in webpanel.sending.
    """
    release()  # no transaction stays open while Google is asked to revoke
    revoked = _revoke(account, provider) if provider and provider.revoke_url else None
    with writing():
        db.session.execute(delete(OAuthAccount).where(OAuthAccount.id == account.id))
    return revoked


def _client(provider: Provider, redirect_uri: str) -> OAuth2Session:
    """authlib's client; each of its requests has a total deadline of MAIL_TIMEOUT."""
    seconds = current_app.config["MAIL_TIMEOUT"]
    return deadline.bound(OAuth2Session(provider.client_id, provider.client_secret,
                                        scope=provider.scope, redirect_uri=redirect_uri,
                                        code_challenge_method="S256", default_timeout=seconds),
                          seconds)


def _state_matches(pending: dict | None, provider: str, user_id: int, state: str) -> bool:
    if not pending or pending.get("provider") != provider or pending.get("user_id") != user_id:
        return False
    return bool(state) and hmac.compare_digest(str(pending.get("state")), str(state))


def _exchange(provider: Provider, code: str, verifier: str, redirect_uri: str) -> dict:
    try:
        with _client(provider, redirect_uri) as client:
            return client.fetch_token(provider.token_url, grant_type="authorization_code",
                                      code=code, code_verifier=verifier)
    except OAuthError as exc:
        log.warning("%s token exchange refused: %s", provider.name, exc.error)
        raise SignInFailed(f"{provider.label} refused the sign-in ({exc.error}). Nothing was "
                           "saved. Start again with the button on the tab.") from None
    except (requests.RequestException, ValueError):
        raise SignInFailed(f"{provider.label} did not answer. Nothing was saved. Check the "
                           "network connection and try again.") from None


def _address(provider: Provider, access_token: str) -> str:
    """The account's address: Google's userinfo, or Graph /me for Microsoft."""
    url = provider.userinfo_url
    seconds = current_app.config["MAIL_TIMEOUT"]
    try:
        with deadline.session(seconds) as client:
            response = client.get(url, headers={"Authorization": f"Bearer {access_token}"},
                                  timeout=seconds)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError):
        raise SignInFailed(f"{provider.label} did not tell the panel which account signed in. "
                           "Nothing was saved. Try again.") from None
    return str(data.get("email") or data.get("mail") or data.get("userPrincipalName") or "")


def _save(user_id: int, provider: str, token: dict, email: str) -> OAuthAccount:
    """Store the sign-in in one short write transaction (the callback is a GET)."""
    with writing():
        account = account_for(user_id, provider) or OAuthAccount(user_id=user_id,
                                                                 provider=provider)
        store(account, token)
        account.email, account.authorized_at, account.refreshed_at = email[:254], utcnow(), None
        account.refresh_expires_at = health.ends_at(token, utcnow())  # this sign-in's own
        account.refresh_lease_owner = account.refresh_lease_until = None
        db.session.add(account)
    log.info("user %s signed in with %s", user_id, provider)
    return account


def _revoke(account: OAuthAccount, provider: Provider) -> str:
    token = account.refresh_token_enc or account.access_token_enc
    try:
        plain = secret_box().decrypt(token or "")
        seconds = current_app.config["MAIL_TIMEOUT"]
        with deadline.session(seconds) as client:
            response = client.post(provider.revoke_url, data={"token": plain}, timeout=seconds)
    except (requests.RequestException, SecretUnreadable):
        log.warning("revoking the %s token failed; deleting it locally anyway", provider.name)
        return NOT_REACHED
    if response.status_code == 200:
        return REVOKED
    return ALREADY_REVOKED if _invalid_token(response) else NOT_REACHED


def _invalid_token(response: requests.Response) -> bool:
    """Google's answer for a token it no longer knows: 400 {"error": "invalid_token"}."""
    try:
        return response.status_code == 400 and response.json().get("error") == "invalid_token"
    except (ValueError, AttributeError):
        return False
