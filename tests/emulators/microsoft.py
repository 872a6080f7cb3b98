"""A local Microsoft: identity platform v2.0 endpoints and the Graph mail API.

Paths mirror login.microsoftonline.com and graph.microsoft.com in one server:

- ``GET  /{tenant}/oauth2/v2.0/authorize`` consent page, ``POST /{tenant}/oauth2/v2.0/token``
- ``GET  /{tenant}/discovery/v2.0/keys`` (JWKS), ``/{tenant}/v2.0/.well-known/openid-configuration``
- ``GET  /v1.0/me``, ``POST /v1.0/me/sendMail`` (base64 MIME as text/plain, or JSON)
- drafts, attachments, upload sessions and ``send`` for large messages (see ``graph_drafts``)

``tenant`` may be any string (``common``, ``organizations``, a GUID). ID tokens carry
``iss`` = ``https://login.microsoftonline.com/{tenant_id}/v2.0`` (default: the personal
accounts tenant). Short scopes (``Mail.Send``) mean Graph's (``https://graph.microsoft.com/
Mail.Send``). There is no revoke endpoint, as at Microsoft.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import hashlib
import json
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from authlib.oauth2.rfc6749 import InvalidScopeError
from flask import Flask, Response, jsonify, request

from .graph_drafts import GraphDrafts
from .oauth_provider import Account, IssuedToken, OAuthEmulator, scope_set
from .server import ApiError

GRAPH = "https://graph.microsoft.com/"
MAIL_SEND = GRAPH + "Mail.Send"
USER_READ = GRAPH + "User.Read"
OIDC_SCOPES = ("openid", "profile", "email", "offline_access")
SEND_SCOPES = frozenset({MAIL_SEND, GRAPH + "Mail.Send.Shared"})
ME_SCOPES = frozenset({USER_READ, GRAPH + "User.ReadWrite", GRAPH + "User.ReadBasic.All",
                       GRAPH + "User.Read.All"})
MSA_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"

_GRAPH_ERRORS = {
    400: ("BadRequest", "Bad request."),
    401: ("InvalidAuthenticationToken", "Access token validation failure."),
    403: ("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    413: ("RequestEntityTooLarge", "The maximum request length supported is 4MB."),
    429: ("TooManyRequests", "Too many requests. Retry after the time in Retry-After."),
    500: ("generalException", "General exception while processing."),
}
_AADSTS = {
    "invalid_client": (7000215, "Invalid client secret provided."),
    "access_denied": (65004, "User declined to consent to access the app."),
    "temporarily_unavailable": (50000, "There was an error issuing a token or an issue with "
                                       "our sign-in service."),
    "server_error": (50000, "There was an error issuing a token or an issue with our sign-in "
                            "service."),
}
_CODE_EXPIRED = (70008, "The provided authorization code or refresh token has expired due to "
                        "inactivity. Send a new interactive authorization request for this "
                        "user and resource.")
_GRANT_REVOKED = (50173, "The provided grant has expired due to it being revoked, a fresh auth "
                         "token is needed. The user might have changed or reset their password.")
_BAD_VERIFIER = (501481, "The Code_Verifier does not match the code_challenge supplied in the "
                         "authorization request.")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def graph_error(status: int, code: str | None = None, message: str | None = None) -> dict:
    """A Graph error body: ``{"error": {"code", "message", "innerError"}}``."""
    default_code, default_message = _GRAPH_ERRORS.get(status, ("UnknownError", "Error."))
    inner = {"date": now_iso(), "request-id": str(uuid.uuid4()),
             "client-request-id": str(uuid.uuid4())}
    return {"error": {"code": code or default_code, "message": message or default_message,
                      "innerError": inner}}


def mime_from_graph_json(sender: str, message: dict) -> bytes:
    """Build the MIME message Graph would send for a JSON ``message`` resource."""
    out = EmailMessage()
    out["From"] = sender
    for field, header in (("toRecipients", "To"), ("ccRecipients", "Cc"),
                          ("bccRecipients", "Bcc")):
        addresses = [r["emailAddress"]["address"] for r in message.get(field) or []]
        if addresses:
            out[header] = ", ".join(addresses)
    out["Subject"] = message.get("subject", "")
    body = message.get("body") or {}
    subtype = "html" if str(body.get("contentType", "text")).lower() == "html" else "plain"
    out.set_content(body.get("content", ""), subtype=subtype)
    for attachment in message.get("attachments") or []:
        maintype, _, subtype = (attachment.get("contentType")
                                or "application/octet-stream").partition("/")
        out.add_attachment(base64.b64decode(attachment.get("contentBytes", "")),
                           maintype=maintype, subtype=subtype, filename=attachment.get("name"))
    return out.as_bytes()


class MicrosoftEmulator(OAuthEmulator):
    """Microsoft identity platform + Graph. See the module docstring for the paths."""

    PROVIDER = "Microsoft"
    NAME = "microsoft"
    AUTHORIZE_RULE = "/<tenant>/oauth2/v2.0/authorize"
    TOKEN_RULE = "/<tenant>/oauth2/v2.0/token"
    ENDPOINTS = frozenset({"token", "me", "send", "draft", "upload_session", "upload",
                           "send_draft"})
    ACCESS_PREFIX = "EwA"
    REFRESH_PREFIX = "M.C5"
    DENY_DESCRIPTION = "AADSTS65004: User declined to consent to access the app."

    def __init__(
        self, client_id: str = "00000000-0000-0000-0000-0000000c11e7",
        client_secret: str = "test-microsoft-secret", *, tenant: str = "common",
        tenant_id: str = MSA_TENANT_ID, send_limit_bytes: int = 4 * 1024 * 1024,
        **kwargs: Any,
    ) -> None:
        self.tenant = tenant
        self.tenant_id = tenant_id
        self.send_limit_bytes = send_limit_bytes
        self.drafts = GraphDrafts(self)
        super().__init__(client_id, client_secret, **kwargs)

    def reset(self) -> None:
        """As OAuthEmulator.reset, drafts and upload sessions included."""
        super().reset()
        self.drafts.reset()

    @property
    def issuer(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant_id}/v2.0"

    @property
    def urls(self) -> dict[str, str]:
        base, tenant = self.base_url, self.tenant
        return {
            "authorize_url": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "token_url": f"{base}/{tenant}/oauth2/v2.0/token",
            "graph_base_url": f"{base}/v1.0/",
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "server_metadata_url": f"{base}/{tenant}/v2.0/.well-known/openid-configuration",
            "issuer": self.issuer,
        }

    # OAuth hooks
    def normalize_scope(self, scope: str) -> str:
        full = (s if s in OIDC_SCOPES or "://" in s else GRAPH + s for s in scope.split())
        return " ".join(dict.fromkeys(full))

    def check_requested_scope(self, scope: str, req: Any) -> None:
        if not scope.strip():
            raise InvalidScopeError("AADSTS900144: The request body must contain the "
                                    "following parameter: 'scope'.")

    def wants_offline(self, req: Any) -> bool:
        return "offline_access" in scope_set(self.normalize_scope(req.payload.scope or ""))

    def make_account(self, email_address: str) -> Account:
        digest = hashlib.sha256(email_address.encode()).digest()
        sub = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        name = email_address.split("@")[0].replace(".", " ").title()
        return Account(email_address, sub, name)

    def object_id(self, account: Account) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "mailto:" + account.email))

    def decorate_token_response(self, token: dict, issued: IssuedToken, nonce: str | None) -> None:
        scopes = issued.scope.split()
        token["scope"] = " ".join(s for s in scopes if s != "offline_access")
        token["ext_expires_in"] = token.get("expires_in", self.access_token_ttl)
        if "openid" in scopes:
            token["id_token"] = self.make_id_token(issued, nonce)

    def make_id_token(self, issued: IssuedToken, nonce: str | None) -> str:
        account = self.accounts[issued.email]
        now = int(time.time())
        scopes = scope_set(issued.scope)
        claims: dict[str, Any] = {
            "ver": "2.0", "iss": self.issuer, "aud": self.client.client_id, "sub": account.sub,
            "iat": now, "nbf": now, "exp": now + 3600, "tid": self.tenant_id,
            "oid": self.object_id(account), "preferred_username": account.email,
        }
        if "email" in scopes:
            claims["email"] = account.email
        if "profile" in scopes:
            claims["name"] = account.name
        if nonce:
            claims["nonce"] = nonce
        return self.sign_jwt(claims)

    def token_error_body(self, body: dict, grant_type: str | None) -> dict:
        error = body.get("error", "invalid_request")
        description = body.get("error_description") or error
        if error == "invalid_grant" and "verifier" in description.lower():
            code, text = _BAD_VERIFIER
        elif error == "invalid_grant":
            code, text = _GRANT_REVOKED if grant_type == "refresh_token" else _CODE_EXPIRED
        else:
            code, text = _AADSTS.get(error, (90014, description))
        trace, correlation, stamp = str(uuid.uuid4()), str(uuid.uuid4()), now_iso() + "Z"
        return {
            "error": error,
            "error_description": f"AADSTS{code}: {text} Trace ID: {trace} "
                                 f"Correlation ID: {correlation} Timestamp: {stamp}",
            "error_codes": [code], "timestamp": stamp, "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        }

    def auth_error(self, reason: str) -> ApiError:
        if reason == "missing":
            return ApiError(401, "Access token is empty.")
        if reason == "expired":
            return ApiError(401, "Lifetime validation failed, the token is expired.")
        return ApiError(403 if reason == "scope" else 401)

    def render_api_error(self, error: ApiError) -> Response:
        resp = jsonify(graph_error(error.status, error.code, error.message))
        if error.status == 401:
            resp.headers["WWW-Authenticate"] = (
                'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/'
                'oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"')
        return resp

    # API
    def register_routes(self, app: Flask) -> None:
        app.add_url_rule("/<tenant>/discovery/v2.0/keys", "jwks", lambda tenant: self.jwks())
        app.add_url_rule("/<tenant>/v2.0/.well-known/openid-configuration", "discovery",
                         self._discovery)
        app.add_url_rule("/v1.0/me", "me", self._me)
        app.add_url_rule("/v1.0/me/sendMail", "send", self._send_mail, methods=["POST"])
        self.drafts.register(app)

    def _discovery(self, tenant: str) -> Response:
        root = f"{request.url_root}{tenant}"
        return jsonify(
            issuer=self.issuer, authorization_endpoint=f"{root}/oauth2/v2.0/authorize",
            token_endpoint=f"{root}/oauth2/v2.0/token", jwks_uri=f"{root}/discovery/v2.0/keys",
            response_types_supported=["code"], subject_types_supported=["pairwise"],
            id_token_signing_alg_values_supported=["RS256"],
            scopes_supported=["openid", "profile", "email", "offline_access"],
            token_endpoint_auth_methods_supported=["client_secret_post", "client_secret_basic"],
            code_challenge_methods_supported=["S256"],
        )

    def _me(self) -> Response:
        denied = ApiError(403, "Insufficient privileges to complete the operation.",
                          code="Authorization_RequestDenied")
        account = self.accounts[self.bearer(ME_SCOPES, denied).email]
        return jsonify({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
            "id": self.object_id(account), "displayName": account.name,
            "mail": account.email, "userPrincipalName": account.email,
        })

    def _send_mail(self) -> Response:
        item = self.bearer(SEND_SCOPES)
        data = request.get_data()
        if len(data) > self.send_limit_bytes:
            raise ApiError(413)
        if request.mimetype == "text/plain":
            try:
                mime = base64.b64decode(b"".join(data.split()), validate=True)
            except binascii.Error:
                raise ApiError(400, "Invalid base64 string for MIME content.",
                               code="ErrorMimeContentInvalidBase64String") from None
            upload_type = "mime"
        elif request.mimetype == "application/json":
            try:
                mime = mime_from_graph_json(item.email, json.loads(data)["message"])
            except (ValueError, KeyError, TypeError, AttributeError):
                raise ApiError(400, "Empty Payload. JSON content expected.",
                               code="ErrorInvalidRequest") from None
            upload_type = "json"
        else:
            raise ApiError(415, f"Unsupported Content-Type: {request.mimetype}",
                           code="UnsupportedMediaType")
        message = email.message_from_bytes(mime, policy=email.policy.default)
        if not any(message.get_all(h) for h in ("To", "Cc", "Bcc")):
            raise ApiError(400, "At least one recipient isn't valid., A message can't be sent "
                                "because it contains no recipients.",
                           code="ErrorInvalidRecipients")
        self.record_sent(item.email, mime, "graph.sendMail", upload_type)
        return Response(status=202)
