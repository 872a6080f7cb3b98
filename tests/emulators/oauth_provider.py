"""Shared authlib-based authorization-server pieces of the OAuth emulators.

In-memory models implementing authlib's mixins, the authorization-code grant with PKCE
(S256) required for every client (confidential ones too), a refresh grant that rotates
refresh tokens, the consent page, and :class:`OAuthEmulator`, the base of the provider
emulators (records and misbehaviour switches come from :class:`.server.FakeService`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, Response, jsonify, redirect, render_template_string, request
from joserfc import jwt
from joserfc.jwk import RSAKey

from .server import ApiError, Failure, FakeService, RecordedRequest

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
CODE_TTL = 600


#: The kinds of attribute value that reset() restores as constructed.
SETTING_TYPES = (bool, int, float, str, type(None), tuple, frozenset)


def is_loopback_http_uri(uri: str) -> bool:
    """True for ``http://127.0.0.1:<port>/...`` and ``http://localhost:<port>/...``."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost") and bool(port)


def scope_set(scope: str | None) -> set[str]:
    return set(scope_to_list(scope) or [])


@dataclass
class Client(ClientMixin):
    """The one registered confidential client."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] | None = None  # None: any loopback http URI

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        if self.redirect_uris is not None:
            return redirect_uri in self.redirect_uris
        return is_loopback_http_uri(redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Account:
    email: str
    sub: str
    name: str


@dataclass
class AuthCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    email: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    offline: bool
    expires_at: float = field(default_factory=lambda: time.time() + CODE_TTL)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce


@dataclass
class IssuedToken(TokenMixin):
    """One token response: an access token and maybe a refresh token."""

    access_token: str
    refresh_token: str | None
    client_id: str
    scope: str
    email: str
    grant_id: str
    expires_at: float
    revoked: bool = False  # the access token
    refresh_revoked: bool = False

    def check_client(self, client: ClientMixin) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return max(0, int(self.expires_at - time.time()))

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked


class StrictCodeChallenge(CodeChallenge):
    """PKCE S256 required for every client, confidential ones included."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidGrantError("Missing code verifier.")
        try:
            super().validate_code_verifier(grant, result)
        except InvalidRequestError as error:
            raise InvalidGrantError(error.description) from error


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    @property
    def emu(self) -> Any:
        return self.server.emulator

    def validate_requested_scope(self) -> None:
        super().validate_requested_scope()
        self.emu.check_requested_scope(self.request.payload.scope or "", self.request)

    def save_authorization_code(self, code: str, request: Any) -> None:
        self.emu.save_code(code, request)

    def query_authorization_code(self, code: str, client: Client) -> AuthCode | None:
        item = self.emu.codes.get(code)
        if item and item.client_id == client.client_id and item.expires_at > time.time():
            return item
        return None

    def delete_authorization_code(self, authorization_code: AuthCode) -> None:
        self.emu.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: AuthCode) -> Account | None:
        return self.emu.accounts.get(authorization_code.email)

    def generate_token(self, *args: Any, include_refresh_token: bool = True, **kw: Any) -> dict:
        offline = self.request.authorization_code.offline
        return super().generate_token(*args, include_refresh_token=offline, **kw)


class RotatingRefreshGrant(RefreshTokenGrant):
    """Refresh grant; with ``rotate_refresh_tokens`` each use returns a new refresh token
    and retires the old one."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    @property
    def emu(self) -> Any:
        return self.server.emulator

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        item = self.emu.tokens_by_refresh.get(refresh_token)
        return item if item and not item.refresh_revoked else None

    def authenticate_user(self, refresh_token: IssuedToken) -> Account | None:
        return self.emu.accounts.get(refresh_token.email)

    def _validate_token_scope(self, token: IssuedToken) -> None:
        wanted = self.emu.normalize_scope(self.request.payload.scope or "")
        if not scope_set(wanted) <= scope_set(token.get_scope()):
            raise InvalidGrantError("The requested scope exceeds the granted scope.")

    def issue_token(self, user: Account, refresh_token: IssuedToken) -> dict:
        return self.generate_token(
            user=user, scope=refresh_token.get_scope(),
            include_refresh_token=self.emu.rotate_refresh_tokens,
        )

    def revoke_old_credential(self, refresh_token: IssuedToken) -> None:
        if self.emu.rotate_refresh_tokens:
            refresh_token.refresh_revoked = True


class TokenStore:
    """In-memory accounts, codes and tokens, plus the grant bookkeeping."""

    ACCESS_PREFIX = ""
    REFRESH_PREFIX = ""

    def __init__(self, access_token_ttl: int, rotate_refresh_tokens: bool) -> None:
        self.lock: threading.RLock = getattr(self, "lock", None) or threading.RLock()
        self.access_token_ttl = access_token_ttl
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.accounts: dict[str, Account] = {}
        self.codes: dict[str, AuthCode] = {}
        self.tokens_by_access: dict[str, IssuedToken] = {}
        self.tokens_by_refresh: dict[str, IssuedToken] = {}

    def create_authorization_server(self, app: Any, client: Client) -> AuthorizationServer:
        server = AuthorizationServer(app, query_client=self._query_client(client),
                                     save_token=self.save_token)
        server.emulator = self  # type: ignore[attr-defined]
        server.register_token_generator("default", BearerTokenGenerator(
            lambda **_: self.ACCESS_PREFIX + secrets.token_urlsafe(32),
            lambda **_: self.REFRESH_PREFIX + secrets.token_urlsafe(40),
            lambda client, grant_type: self.access_token_ttl,
        ))
        server.register_grant(CodeGrant, [StrictCodeChallenge(required=True)])
        server.register_grant(RotatingRefreshGrant)
        return server

    @staticmethod
    def _query_client(client: Client) -> Any:
        return lambda client_id: client if client_id == client.client_id else None

    # hooks the emulators override
    def normalize_scope(self, scope: str) -> str:
        return " ".join(scope_to_list(scope) or [])

    def check_requested_scope(self, scope: str, request: Any) -> None:
        """Raise an OAuth2Error for an unacceptable authorization request scope."""

    def wants_offline(self, request: Any) -> bool:
        return True

    def decorate_token_response(self, token: dict, issued: IssuedToken, nonce: str | None) -> None:
        """Add provider-specific fields (id_token, scope spelling ...) to a token response."""

    def make_account(self, email_address: str) -> Account:
        digest = hashlib.sha256(email_address.encode()).hexdigest()
        name = email_address.split("@")[0].replace(".", " ").title()
        return Account(email_address, str(int(digest, 16))[:21], name)

    def account_for(self, email_address: str) -> Account:
        with self.lock:
            if email_address not in self.accounts:
                self.accounts[email_address] = self.make_account(email_address)
            return self.accounts[email_address]

    def save_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        self.codes[code] = AuthCode(
            code=code, client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri or "",
            scope=self.normalize_scope(request.scope or ""), email=request.user.email,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            nonce=data.get("nonce"), offline=self.wants_offline(request),
        )

    def save_token(self, token: dict, request: Any) -> None:
        code: AuthCode | None = request.authorization_code
        previous: IssuedToken | None = request.refresh_token
        grant_id = previous.grant_id if previous else secrets.token_hex(8)
        issued = IssuedToken(
            access_token=token["access_token"], refresh_token=token.get("refresh_token"),
            client_id=request.client.client_id, scope=token.get("scope", ""),
            email=request.user.email, grant_id=grant_id,
            expires_at=time.time() + token.get("expires_in", self.access_token_ttl),
        )
        with self.lock:
            self.tokens_by_access[issued.access_token] = issued
            if issued.refresh_token:
                self.tokens_by_refresh[issued.refresh_token] = issued
        self.decorate_token_response(token, issued, code.nonce if code else None)

    def find_access_token(self, access_token: str) -> IssuedToken | None:
        return self.tokens_by_access.get(access_token)

    def revoke_grant_of(self, token_value: str) -> bool:
        """Revoke every token of the grant ``token_value`` belongs to (as Google does)."""
        with self.lock:
            item = self.tokens_by_access.get(token_value) or self.tokens_by_refresh.get(token_value)
            if item is None or (item.revoked and item.refresh_revoked):
                return False
            self._revoke_where(lambda t: t.grant_id == item.grant_id)
            return True

    def revoke_all_tokens_for(self, email_address: str) -> None:
        """Simulate the user removing the app's access: every token of theirs stops working."""
        with self.lock:
            self._revoke_where(lambda t: t.email == email_address)
            for code in [c for c in self.codes.values() if c.email == email_address]:
                self.codes.pop(code.code, None)

    def _revoke_where(self, match: Any) -> None:
        for item in list(self.tokens_by_access.values()) + list(self.tokens_by_refresh.values()):
            if match(item):
                item.revoked = item.refresh_revoked = True

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired, now."""
        with self.lock:
            for item in self.tokens_by_access.values():
                item.expires_at = 0.0


CONSENT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ provider }}: sign in</title></head>
<body><main>
<h1>Sign in with {{ provider }}</h1>
<p><strong id="app-name">{{ app_name }}</strong> wants to access your {{ provider }} account:</p>
<ul id="scopes">{% for s in scopes %}<li>{{ s }}</li>{% endfor %}</ul>
{% if error %}<p role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ action }}">
<label for="email">Email</label>
<input id="email" name="email" type="email" value="{{ email }}" required>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</form></main></body></html>"""

TOKEN_FAILURES = {
    "invalid_grant": (400, "invalid_grant"), "401": (401, "invalid_client"),
    "403": (403, "access_denied"), "429": (429, "temporarily_unavailable"),
    "500": (500, "server_error"),
}


class OAuthEmulator(FakeService, TokenStore):
    """Base of the provider emulators: a Flask app with authorize and token endpoints,
    records, misbehaviour switches and a live server."""

    PROVIDER = "OAuth"
    NAME = "oauth"
    AUTHORIZE_RULE = "/authorize"
    TOKEN_RULE = "/token"
    ENDPOINTS: frozenset[str] = frozenset({"token"})
    ENDPOINT_ALIASES: dict[str, str] = {}
    DENY_DESCRIPTION: str | None = None

    def __init__(
        self, client_id: str, client_secret: str, *, default_email: str = "pat@example.com",
        app_name: str = "webpanel", redirect_uris: list[str] | None = None,
        access_token_ttl: int = 3600, rotate_refresh_tokens: bool = True,
    ) -> None:
        FakeService.__init__(self)
        TokenStore.__init__(self, access_token_ttl, rotate_refresh_tokens)
        uris = tuple(redirect_uris) if redirect_uris is not None else None
        self.client = Client(client_id, client_secret, uris)
        self.default_email = default_email
        self.app_name = app_name
        self.revoked: list[str] = []
        self.token_requests = 0
        self.signing_key = RSAKey.generate_key(
            2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        self.app = self._create_app()
        self._initial_names = frozenset(vars(self))
        self._initial_settings = {name: value for name, value in vars(self).items()
                                  if not name.startswith("_") and isinstance(value, SETTING_TYPES)}

    def reset(self) -> None:
        """Back to the state just after construction, on the same port with the same keys: no
        accounts, codes, tokens, records or queued failures; every setting (a number, text,
        flag) as constructed; no attribute a test added. Waits first for requests still running."""
        self.wait_until_idle()
        with self.lock:
            for name in set(vars(self)) - self._initial_names:
                if not name.startswith("_"):
                    delattr(self, name)
            for name, value in self._initial_settings.items():
                setattr(self, name, value)
            for store in (self.accounts, self.codes, self.tokens_by_access,
                          self.tokens_by_refresh):
                store.clear()
            self.clear_failures()
            self.reset_records()

    # consent without a browser
    def approve(self, authorize_url: str, email: str | None = None, allow: bool = True) -> str:
        """Click through the consent page in-process; return the redirect URL (code+state)."""
        parts = urlsplit(authorize_url)
        target = f"{parts.path}?{parts.query}"
        with self.app.test_client() as client:
            page = client.get(target)
            if page.status_code == 302:  # an error redirected to the client
                return page.headers["Location"]
            if page.status_code != 200:
                raise RuntimeError(f"authorize refused: {page.get_data(as_text=True)}")
            decision = "allow" if allow else "deny"
            resp = client.post(target, data={"email": email or self.default_email,
                                             "decision": decision})
        if resp.status_code != 302:
            raise RuntimeError(f"consent failed: {resp.get_data(as_text=True)}")
        return resp.headers["Location"]

    def deny(self, authorize_url: str) -> str:
        return self.approve(authorize_url, allow=False)

    # id tokens
    def sign_jwt(self, claims: dict) -> str:
        header = {"alg": "RS256", "kid": self.signing_key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self.signing_key)

    def jwks(self) -> dict:
        return {"keys": [self.signing_key.as_dict(private=False)]}

    # the resource server side
    def bearer(self, any_of: frozenset[str] | None = None,
               scope_error: ApiError | None = None) -> IssuedToken:
        """The valid access token of this request, holding one of ``any_of`` scopes."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise self.auth_error("missing")
        item = self.find_access_token(value.strip())
        if item is None or item.revoked:
            raise self.auth_error("invalid")
        if item.is_expired():
            raise self.auth_error("expired")
        if any_of and not any_of & scope_set(item.scope):
            raise scope_error or self.auth_error("scope")
        return item

    # hooks for the provider modules
    def auth_error(self, reason: str) -> ApiError:
        """The error for a ``missing``, ``invalid``, ``expired`` or under-``scope``d token."""
        return ApiError(403 if reason == "scope" else 401)

    def register_routes(self, app: Flask) -> None:
        """Add the provider's API routes."""

    def token_error_body(self, body: dict, grant_type: str | None) -> dict:
        return body

    def reset_records(self) -> None:
        with self.lock:
            super().reset_records()
            self.revoked.clear()
            self.token_requests = 0

    def on_request(self, record: RecordedRequest) -> None:
        if record.endpoint == "token":
            record.grant_type = request.form.get("grant_type")
            self.token_requests += 1

    def failure_response(self, endpoint: str, failure: Failure) -> Response:
        if endpoint not in ("token", "revoke"):
            return super().failure_response(endpoint, failure)
        status, error = TOKEN_FAILURES[failure.kind]
        resp = jsonify(self.token_error_body({"error": error}, request.form.get("grant_type")))
        resp.status_code = status
        resp.headers["Cache-Control"] = "no-store"
        return resp

    # the Flask app
    def _create_app(self) -> Flask:
        app = Flask(f"{self.NAME}_emulator")
        app.config.update(SESSION_COOKIE_NAME=f"{self.NAME}_emulator_session",
                          SECRET_KEY=secrets.token_hex(16))
        self.server = self.create_authorization_server(app, self.client)
        app.add_url_rule(self.AUTHORIZE_RULE, "authorize", self._authorize_view,
                         methods=["GET", "POST"])
        app.add_url_rule(self.TOKEN_RULE, "token", self._token_view, methods=["POST"])
        self.install_harness(app)
        self.register_routes(app)
        return app

    def _authorize_view(self, **_: str) -> Any:
        try:
            grant = self.server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return self.server.handle_error_response(None, error)
        default = request.args.get("login_hint") or self.default_email
        email_address = request.form.get("email", default).strip().lower()
        if request.method == "GET":
            return self._consent_page(grant, email_address)
        if request.form.get("decision") != "allow":
            params = [("error", "access_denied"), ("error_description", self.DENY_DESCRIPTION),
                      ("state", grant.request.payload.state)]
            return redirect(add_params_to_uri(grant.redirect_uri, [p for p in params if p[1]]))
        if "@" not in email_address:
            return self._consent_page(grant, email_address, "Enter an email address."), 400
        user = self.account_for(email_address)
        return self.server.create_authorization_response(grant_user=user, grant=grant)

    def _consent_page(self, grant: Any, email_address: str, error: str | None = None) -> str:
        return render_template_string(
            CONSENT_PAGE, provider=self.PROVIDER, app_name=self.app_name, error=error,
            scopes=scope_to_list(grant.request.payload.scope) or [], email=email_address,
            action=request.full_path,
        )

    def _token_view(self, **_: str) -> Response:
        resp = self.server.create_token_response()
        if resp.status_code >= 400:
            body = json.loads(resp.get_data(as_text=True))
            resp.set_data(json.dumps(self.token_error_body(body, request.form.get("grant_type"))))
        return resp
