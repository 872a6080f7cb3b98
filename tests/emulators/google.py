"""A local Google: OAuth 2.0 / OpenID Connect endpoints and the Gmail ``messages.send`` API.

All hosts live in one server; paths mirror the real ones:

- ``GET  /o/oauth2/v2/auth``  (accounts.google.com) consent page
- ``POST /token`` and ``POST /revoke``  (oauth2.googleapis.com)
- ``GET  /v1/userinfo``  (openidconnect.googleapis.com)
- ``GET  /oauth2/v3/certs`` (JWKS) and ``GET /.well-known/openid-configuration``
- ``POST /gmail/v1/users/{userId}/messages/send``  (gmail.googleapis.com, JSON ``raw``)
- ``POST /upload/gmail/v1/users/{userId}/messages/send?uploadType=media|multipart``

With ``refresh_token_expires_in`` set, token responses carry it (an app in "Testing").

ID tokens are RS256 JWTs with ``iss`` = ``issuer`` (default ``https://accounts.google.com``,
the real value; the discovery document served here names the same issuer).
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import json
import re
import secrets
import time
from typing import Any

from authlib.oauth2.rfc6749 import InvalidScopeError
from flask import Flask, Response, jsonify, request

from .oauth_provider import IssuedToken, OAuthEmulator, scope_set
from .server import ApiError

GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
USERINFO_EMAIL = "https://www.googleapis.com/auth/userinfo.email"
USERINFO_PROFILE = "https://www.googleapis.com/auth/userinfo.profile"
SEND_SCOPES = frozenset({
    GMAIL_SEND, "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.modify", "https://mail.google.com/",
})
SCOPE_ALIASES = {"email": USERINFO_EMAIL, "profile": USERINFO_PROFILE}
SEND_PATH = "/gmail/v1/users/<user_id>/messages/send"

_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
           413: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}
_REASON = {400: "badRequest", 401: "authError", 403: "forbidden", 413: "uploadTooLarge",
           429: "rateLimitExceeded", 500: "backendError"}
_CREDENTIALS = ("Expected OAuth 2 access token, login cookie or other valid authentication "
                "credential. See https://developers.google.com/identity/sign-in/web/"
                "devconsole-project.")
_MESSAGE = {
    400: "Bad Request", 401: f"Request had invalid authentication credentials. {_CREDENTIALS}",
    403: "The caller does not have permission", 413: "Request Entity Too Large",
    429: "User-rate limit exceeded.", 500: "Internal error encountered.",
}
_MISSING_CREDENTIALS = f"Request is missing required authentication credential. {_CREDENTIALS}"
_B64_RE = re.compile(r"[A-Za-z0-9_+/-]*={0,2}")


def google_error(status: int, message: str | None = None, reason: str | None = None) -> dict:
    """A Google API error body: ``{"error": {"code", "message", "errors", "status"}}``."""
    message = message or _MESSAGE.get(status, "Unknown Error.")
    domain = "usageLimits" if status == 429 else "global"
    detail = {"message": message, "domain": domain, "reason": reason or _REASON.get(status, "")}
    return {"error": {"code": status, "message": message, "errors": [detail],
                      "status": _STATUS.get(status, "UNKNOWN")}}


def decode_base64_any(value: str) -> bytes:
    """Decode base64url or standard base64, padded or not (Google accepts both)."""
    if not _B64_RE.fullmatch(value):
        raise ValueError("invalid base64")
    value = value.rstrip("=").replace("-", "+").replace("_", "/")
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def split_multipart_related(body: bytes, boundary: str | None) -> list[tuple[str, bytes]]:
    """Split a multipart/related body into ``(content_type, content)`` parts."""
    if not boundary:
        raise ValueError("missing boundary")
    parts: list[tuple[str, bytes]] = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.partition(b"\n\n")
        headers = email.message_from_bytes(head + b"\n\n")
        content = content.removesuffix(b"\r\n" if sep == b"\r\n\r\n" else b"\n")
        parts.append((headers.get_content_type() if headers["Content-Type"] else "", content))
    return parts


class GoogleEmulator(OAuthEmulator):
    """Google OAuth + Gmail. See the module docstring for the paths."""

    PROVIDER = "Google"
    NAME = "google"
    AUTHORIZE_RULE = "/o/oauth2/v2/auth"
    TOKEN_RULE = "/token"
    ENDPOINTS = frozenset({"token", "send", "userinfo", "revoke"})
    ENDPOINT_ALIASES = {"send_upload": "send"}
    ACCESS_PREFIX = "ya29."
    REFRESH_PREFIX = "1//"
    REQUIRED_SCOPES = frozenset({"openid", USERINFO_EMAIL, GMAIL_SEND})

    def __init__(
        self, client_id: str = "test-client.apps.googleusercontent.com",
        client_secret: str = "test-google-secret", *,
        raw_limit_bytes: int = 5_000_000, upload_limit_bytes: int = 35 * 1024 * 1024,
        issuer: str = "https://accounts.google.com",
        refresh_token_expires_in: int | None = None, **kwargs: Any,
    ) -> None:
        self.raw_limit_bytes = raw_limit_bytes
        #: Seconds left on the refresh token, sent with every token response when set, as
        #: Google does for an app in "Testing" (7 days) or time-limited access.
        self.refresh_token_expires_in = refresh_token_expires_in
        self.upload_limit_bytes = upload_limit_bytes
        self.issuer = issuer
        super().__init__(client_id, client_secret, **kwargs)

    @property
    def urls(self) -> dict[str, str]:
        base = self.base_url
        return {
            "authorize_url": f"{base}/o/oauth2/v2/auth", "token_url": f"{base}/token",
            "revoke_url": f"{base}/revoke", "userinfo_url": f"{base}/v1/userinfo",
            "api_base_url": f"{base}/", "upload_base_url": f"{base}/upload/",
            "jwks_uri": f"{base}/oauth2/v3/certs",
            "server_metadata_url": f"{base}/.well-known/openid-configuration",
            "issuer": self.issuer,
        }

    # OAuth hooks
    def normalize_scope(self, scope: str) -> str:
        return " ".join(dict.fromkeys(SCOPE_ALIASES.get(s, s) for s in scope.split()))

    def check_requested_scope(self, scope: str, req: Any) -> None:
        missing = self.REQUIRED_SCOPES - scope_set(self.normalize_scope(scope))
        if missing:
            raise InvalidScopeError(f"Missing required scopes: {' '.join(sorted(missing))}")

    def wants_offline(self, req: Any) -> bool:
        """Refresh token only for access_type=offline, and (as Google does) only on the
        first consent unless prompt=consent."""
        data = req.payload.data
        if data.get("access_type") != "offline":
            return False
        if "consent" in (data.get("prompt") or "").split():
            return True
        return not any(t.email == req.user.email and not t.refresh_revoked
                       for t in self.tokens_by_refresh.values())

    def decorate_token_response(self, token: dict, issued: IssuedToken, nonce: str | None) -> None:
        if "openid" in scope_set(issued.scope):
            token["id_token"] = self.make_id_token(issued, nonce)
        if self.refresh_token_expires_in is not None:
            token["refresh_token_expires_in"] = self.refresh_token_expires_in

    def make_id_token(self, issued: IssuedToken, nonce: str | None) -> str:
        account = self.accounts[issued.email]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "azp": self.client.client_id, "aud": self.client.client_id,
            "sub": account.sub, "email": account.email, "email_verified": True,
            "iat": now, "exp": now + 3600,
        }
        if nonce:
            claims["nonce"] = nonce
        if USERINFO_PROFILE in scope_set(issued.scope):
            claims["name"] = account.name
        return self.sign_jwt(claims)

    def token_error_body(self, body: dict, grant_type: str | None) -> dict:
        error, description = body.get("error"), body.get("error_description")
        if error == "invalid_grant" and (grant_type == "refresh_token" or not description):
            description = ("Token has been expired or revoked." if grant_type == "refresh_token"
                           else "Bad Request")
        elif error == "invalid_client":
            description = "Unauthorized"
        return {"error": error, "error_description": description or error}

    def render_api_error(self, error: ApiError) -> Response:
        resp = jsonify(google_error(error.status, error.message, error.code))
        if error.status == 401:
            resp.headers["WWW-Authenticate"] = (
                'Bearer realm="https://accounts.google.com/", error="invalid_token"')
        return resp

    def auth_error(self, reason: str) -> ApiError:
        if reason == "missing":
            return ApiError(401, _MISSING_CREDENTIALS, code="required")
        if reason == "scope":
            return ApiError(403, "Request had insufficient authentication scopes.",
                            code="insufficientPermissions")
        return ApiError(401)

    # API
    def register_routes(self, app: Flask) -> None:
        app.add_url_rule("/revoke", "revoke", self._revoke, methods=["POST"])
        app.add_url_rule("/v1/userinfo", "userinfo", self._userinfo, methods=["GET", "POST"])
        app.add_url_rule("/oauth2/v3/certs", "jwks", self.jwks)
        app.add_url_rule("/.well-known/openid-configuration", "discovery", self._discovery)
        app.add_url_rule(SEND_PATH, "send", self._send_json, methods=["POST"])
        app.add_url_rule("/upload" + SEND_PATH, "send_upload", self._send_upload,
                         methods=["POST"])

    def _revoke(self) -> Any:
        token = request.form.get("token") or request.args.get("token")
        if not token or not self.revoke_grant_of(token):
            return jsonify(error="invalid_token", error_description="Token expired or revoked"), 400
        with self.lock:
            self.revoked.append(token)
        return jsonify({})

    def _userinfo(self) -> Response:
        item = self.bearer(frozenset({"openid", USERINFO_EMAIL, USERINFO_PROFILE}))
        account = self.accounts[item.email]
        info: dict[str, Any] = {"sub": account.sub, "email": account.email, "email_verified": True}
        if USERINFO_PROFILE in scope_set(item.scope):
            info["name"] = account.name
        return jsonify(info)

    def _discovery(self) -> Response:
        root = request.url_root
        return jsonify(
            issuer=self.issuer, authorization_endpoint=f"{root}o/oauth2/v2/auth",
            token_endpoint=f"{root}token", userinfo_endpoint=f"{root}v1/userinfo",
            revocation_endpoint=f"{root}revoke", jwks_uri=f"{root}oauth2/v3/certs",
            response_types_supported=["code"], subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            scopes_supported=["openid", "email", "profile"],
            token_endpoint_auth_methods_supported=["client_secret_post", "client_secret_basic"],
            code_challenge_methods_supported=["S256"],
            grant_types_supported=["authorization_code", "refresh_token"],
        )

    def _sender(self, user_id: str) -> IssuedToken:
        item = self.bearer(SEND_SCOPES)
        if user_id not in ("me", item.email):
            raise ApiError(403, f"Delegation denied for {item.email}")
        return item

    def _send_json(self, user_id: str) -> Response:
        item = self._sender(user_id)
        data = request.get_data()
        if len(data) > self.raw_limit_bytes:
            raise ApiError(400, f"Request payload size exceeds the limit: "
                                f"{self.raw_limit_bytes} bytes.")
        try:
            body = json.loads(data or b"{}")
        except ValueError:
            raise ApiError(400, "Invalid JSON payload received.") from None
        raw = body.get("raw") if isinstance(body, dict) else None
        if not raw:
            raise ApiError(400, "'raw' RFC822 payload message string or uploading message "
                                "via /upload/* URL required", code="invalidArgument")
        try:
            mime = decode_base64_any(raw)
        except (ValueError, binascii.Error):
            raise ApiError(400, "Invalid value at 'message.raw' (TYPE_BYTES), "
                                "Base64 decoding failed") from None
        return self._deliver(item, mime, "json", body.get("threadId"))

    def _send_upload(self, user_id: str) -> Response:
        item = self._sender(user_id)
        upload_type = request.args.get("uploadType")
        data = request.get_data()
        if len(data) > self.upload_limit_bytes:
            raise ApiError(413, f"Media larger than {self.upload_limit_bytes} bytes "
                                "is not allowed.")
        if upload_type == "media":
            if request.mimetype.split("/")[0] != "message":
                raise ApiError(400, f"Media type '{request.mimetype}' is not supported. "
                                    "Valid media types: [message/*]", code="badContent")
            return self._deliver(item, data, "media", None)
        if upload_type == "multipart":
            return self._send_multipart(item, data)
        raise ApiError(400, "Upload requests must include an uploadType URL parameter and a "
                            "URL path beginning with /upload/", code="wrongUrlForUpload")

    def _send_multipart(self, item: IssuedToken, data: bytes) -> Response:
        try:
            parts = split_multipart_related(data, request.mimetype_params.get("boundary"))
            (meta_type, meta), (media_type, mime) = parts
            metadata = json.loads(meta or b"{}") if meta_type == "application/json" else None
        except ValueError:
            raise ApiError(400, "Invalid multipart request.") from None
        if request.mimetype != "multipart/related" or metadata is None:
            raise ApiError(400, "Invalid multipart request: expected multipart/related with "
                                "JSON metadata and a message/rfc822 part.")
        if media_type.split("/")[0] != "message":
            raise ApiError(400, f"Media type '{media_type}' is not supported. "
                                "Valid media types: [message/*]", code="badContent")
        return self._deliver(item, mime, "multipart", metadata.get("threadId"))

    def _deliver(self, item: IssuedToken, mime: bytes, upload_type: str,
                 thread_id: str | None) -> Response:
        message = email.message_from_bytes(mime, policy=email.policy.default)
        if not any(message.get_all(h) for h in ("To", "Cc", "Bcc")):
            raise ApiError(400, "Recipient address required", code="invalidArgument")
        self.record_sent(item.email, mime, "gmail.send", upload_type)
        message_id = secrets.token_hex(8)
        return jsonify(id=message_id, threadId=thread_id or message_id, labelIds=["SENT"])
