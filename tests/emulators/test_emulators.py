"""Self-tests: drive the emulators with authlib's client, as the app will."""

from __future__ import annotations

import base64
import html
import re
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.flask_client import OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet

from .google import GMAIL_SEND, GoogleEmulator
from .microsoft import MicrosoftEmulator

REDIRECT = "http://127.0.0.1:5999/oauth/callback"
GOOGLE_SCOPE = f"openid email {GMAIL_SEND}"
MS_SCOPE = "openid email offline_access https://graph.microsoft.com/Mail.Send User.Read"


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleEmulator]:
    with GoogleEmulator("g-client", "g-secret", app_name="Webpanel Test") as emu:
        yield emu


@pytest.fixture(scope="module")
def microsoft() -> Iterator[MicrosoftEmulator]:
    with MicrosoftEmulator("m-client", "m-secret", default_email="sam@example.org") as emu:
        yield emu


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> None:
    for name in ("google", "microsoft"):
        if name in request.fixturenames:
            emu = request.getfixturevalue(name)
            emu.clear_failures()
            emu.reset_records()


def session(emu: Any, scope: str, auth: str = "client_secret_basic") -> OAuth2Session:
    client = emu.client
    return OAuth2Session(client.client_id, client.client_secret, scope=scope,
                         redirect_uri=REDIRECT, code_challenge_method="S256",
                         token_endpoint_auth_method=auth)


def authorize(emu: Any, scope: str, auth: str = "client_secret_basic", email: str | None = None,
              **params: str) -> tuple[OAuth2Session, dict]:
    """Authorize (consent in-process), exchange the code; return the session and token."""
    sess = session(emu, scope, auth)
    verifier = generate_token(48)
    url, state = sess.create_authorization_url(emu.urls["authorize_url"],
                                               code_verifier=verifier, **params)
    redirect = emu.approve(url, email=email)
    assert parse_qs(urlsplit(redirect).query)["state"] == [state]
    token = sess.fetch_token(emu.urls["token_url"], authorization_response=redirect,
                             code_verifier=verifier)
    return sess, dict(token)


def google_login(google: GoogleEmulator, **kw: Any) -> tuple[OAuth2Session, dict]:
    return authorize(google, GOOGLE_SCOPE, access_type="offline", prompt="consent", **kw)


def mime(subject: str = "Invoice 7", to: str = "client@example.net") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "pat@example.com", to, subject
    msg.set_content("Please find the invoice attached.")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf",
                       filename="invoice.pdf")
    return msg.as_bytes()


def post_token(emu: Any, **data: str) -> requests.Response:
    auth = (emu.client.client_id, emu.client.client_secret)
    return requests.post(emu.urls["token_url"], data=data, auth=auth, timeout=5)


def verify_id_token(emu: Any, id_token: str) -> dict:
    keys = KeySet.import_key_set(requests.get(emu.urls["jwks_uri"], timeout=5).json())
    claims = jwt.decode(id_token, keys).claims
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": emu.urls["issuer"]},
                          aud={"essential": True, "value": emu.client.client_id}).validate(claims)
    return claims


# Google

def test_google_flow_send_json_media_multipart(google: GoogleEmulator) -> None:
    sess, token = google_login(google, auth="client_secret_post")
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600
    assert token["refresh_token"] and GMAIL_SEND in token["scope"].split()
    assert verify_id_token(google, token["id_token"])["email"] == "pat@example.com"
    assert sess.get(google.urls["userinfo_url"]).json()["email_verified"] is True

    send = google.urls["api_base_url"] + "gmail/v1/users/me/messages/send"
    raw = base64.urlsafe_b64encode(mime("json")).decode().rstrip("=")
    body = sess.post(send, json={"raw": raw}).json()
    assert body["labelIds"] == ["SENT"] and body["threadId"] == body["id"]
    upload = google.urls["upload_base_url"] + "gmail/v1/users/me/messages/send"
    resp = sess.post(upload, params={"uploadType": "media"}, data=mime("media"),
                     headers={"Content-Type": "message/rfc822"})
    assert resp.status_code == 200, resp.text
    boundary = "part-boundary-42"
    multipart = (f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
                 f'{{"threadId": "t-1"}}\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n'
                 ).encode() + mime("multipart") + f"\r\n--{boundary}--\r\n".encode()
    resp = sess.post(upload, params={"uploadType": "multipart"}, data=multipart,
                     headers={"Content-Type": f"multipart/related; boundary={boundary}"})
    assert resp.json()["threadId"] == "t-1"
    assert [(s.upload_type, s.message["Subject"]) for s in google.sent] == [
        ("json", "json"), ("media", "media"), ("multipart", "multipart")]
    sent = google.sent[0]
    assert sent.email == "pat@example.com" and sent.endpoint == "gmail.send"
    attachment = next(sent.message.iter_attachments())
    assert attachment.get_content() == b"%PDF-1.4 fake"
    assert [r.grant_type for r in google.requests if r.endpoint == "token"] == [
        "authorization_code"]
    sess.close()


def test_google_send_errors(google: GoogleEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    sess, _ = google_login(google)
    send = google.urls["api_base_url"] + "gmail/v1/users/me/messages/send"
    upload = google.urls["upload_base_url"] + "gmail/v1/users/me/messages/send?uploadType=media"
    monkeypatch.setattr(google, "raw_limit_bytes", 1000)
    monkeypatch.setattr(google, "upload_limit_bytes", 2000)
    too_big = base64.urlsafe_b64encode(b"x" * 1000).decode()
    resp = sess.post(send, json={"raw": too_big})
    assert resp.status_code == 400 and "exceeds the limit" in resp.json()["error"]["message"]
    resp = sess.post(upload, data=b"x" * 2001, headers={"Content-Type": "message/rfc822"})
    assert resp.status_code == 413 and resp.json()["error"]["code"] == 413
    no_rcpt = base64.urlsafe_b64encode(b"Subject: hi\r\n\r\nbody").decode()
    resp = sess.post(send, json={"raw": no_rcpt})
    assert resp.json()["error"]["message"] == "Recipient address required"
    assert requests.post(send, json={"raw": no_rcpt}, timeout=5).json()["error"]["status"] == (
        "UNAUTHENTICATED")
    assert google.sent == []
    sess.close()


def test_google_scopes_offline_and_consent(google: GoogleEmulator) -> None:
    sess = session(google, "openid email")  # no gmail.send
    url, _ = sess.create_authorization_url(google.urls["authorize_url"],
                                           code_verifier=generate_token(48))
    assert parse_qs(urlsplit(google.approve(url)).query)["error"] == ["invalid_scope"]
    _, token = authorize(google, GOOGLE_SCOPE)  # online access: no refresh token
    assert "refresh_token" not in token
    google_login(google, email="kim@example.com")
    _, again = authorize(google, GOOGLE_SCOPE, email="kim@example.com", access_type="offline")
    assert "refresh_token" not in again  # only the first consent, unless prompt=consent
    sess.close()


def test_google_send_requires_gmail_send(google: GoogleEmulator,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(google, "REQUIRED_SCOPES", frozenset({"openid"}))
    sess, _ = authorize(google, "openid email")
    resp = sess.post(google.urls["api_base_url"] + "gmail/v1/users/me/messages/send",
                     json={"raw": base64.urlsafe_b64encode(mime()).decode()})
    assert resp.status_code == 403
    assert resp.json()["error"]["status"] == "PERMISSION_DENIED"
    sess.close()


def test_consent_page_and_deny(google: GoogleEmulator) -> None:
    sess = session(google, GOOGLE_SCOPE)
    url, state = sess.create_authorization_url(google.urls["authorize_url"],
                                               code_verifier=generate_token(48))
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "Webpanel Test" in page.text and GMAIL_SEND in page.text
    assert '<label for="email">Email</label>' in page.text
    assert 'value="pat@example.com"' in page.text and ">Allow<" in page.text
    assert ">Deny<" in page.text and "session" not in page.headers.get("Set-Cookie", "")
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text)[1])
    clicked = requests.post(google.base_url + action, data={"email": "lee@example.com",
                            "decision": "allow"}, allow_redirects=False, timeout=5)
    assert clicked.status_code == 302 and clicked.headers["Location"].startswith(REDIRECT)
    query = parse_qs(urlsplit(google.deny(url)).query)
    assert query == {"error": ["access_denied"], "state": [state]}
    no_pkce, _ = sess.create_authorization_url(google.urls["authorize_url"])
    assert "error=invalid_request" in google.approve(no_pkce)
    evil = no_pkce.replace("127.0.0.1%3A5999", "evil.example")
    with pytest.raises(RuntimeError, match="not supported"):
        google.approve(evil)
    sess.close()


def test_google_refresh_rotates_and_expiry(google: GoogleEmulator) -> None:
    sess, token = google_login(google)
    google.expire_access_tokens()
    resp = sess.get(google.urls["userinfo_url"])
    assert resp.status_code == 401 and resp.json()["error"]["status"] == "UNAUTHENTICATED"
    new = sess.refresh_token(google.urls["token_url"], refresh_token=token["refresh_token"])
    assert new["refresh_token"] != token["refresh_token"] and new["id_token"]
    assert sess.get(google.urls["userinfo_url"]).status_code == 200
    old = post_token(google, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert old.status_code == 400
    assert old.json() == {"error": "invalid_grant",
                          "error_description": "Token has been expired or revoked."}
    assert google.token_requests == 3
    google.rotate_refresh_tokens = False  # Google's own default: the refresh token stays
    try:
        newer = post_token(google, grant_type="refresh_token",
                           refresh_token=new["refresh_token"]).json()
        assert "refresh_token" not in newer and newer["access_token"]
        assert post_token(google, grant_type="refresh_token",
                          refresh_token=new["refresh_token"]).status_code == 200
    finally:
        google.rotate_refresh_tokens = True
    sess.close()


def test_token_request_without_valid_code_verifier(google: GoogleEmulator) -> None:
    sess = session(google, GOOGLE_SCOPE)
    url, _ = sess.create_authorization_url(google.urls["authorize_url"],
                                           code_verifier=generate_token(48))
    code = parse_qs(urlsplit(google.approve(url)).query)["code"][0]
    for verifier in ({}, {"code_verifier": generate_token(48)}):
        resp = post_token(google, grant_type="authorization_code", code=code,
                          redirect_uri=REDIRECT, **verifier)
        assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"
    bad_secret = requests.post(google.urls["token_url"], auth=("g-client", "nope"), timeout=5,
                               data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
    sess.close()


def test_google_revoke(google: GoogleEmulator) -> None:
    sess, token = google_login(google)
    resp = requests.post(google.urls["revoke_url"], data={"token": token["refresh_token"]},
                         timeout=5)
    assert resp.status_code == 200 and resp.json() == {}
    assert google.revoked == [token["refresh_token"]]
    assert sess.get(google.urls["userinfo_url"]).status_code == 401  # the whole grant
    again = post_token(google, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert again.json()["error"] == "invalid_grant"
    unknown = requests.post(google.urls["revoke_url"], data={"token": "nope"}, timeout=5)
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_token"
    sess.close()


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_revoke_all_tokens_for(provider: str, request: pytest.FixtureRequest) -> None:
    emu = request.getfixturevalue(provider)
    if provider == "google":
        sess, token = google_login(emu)
    else:
        sess, token = authorize(emu, MS_SCOPE)
    emu.revoke_all_tokens_for(emu.default_email)
    resp = post_token(emu, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"
    sess.close()


GOOGLE_API_FAILURES = [(endpoint, kind) for endpoint in ("send", "userinfo")
                       for kind in ("401", "403", "429", "500")]
STATUS = {"401": "UNAUTHENTICATED", "403": "PERMISSION_DENIED", "429": "RESOURCE_EXHAUSTED",
          "500": "INTERNAL"}


@pytest.mark.parametrize(("endpoint", "kind"), GOOGLE_API_FAILURES)
def test_google_api_failures(google: GoogleEmulator, endpoint: str, kind: str) -> None:
    sess, _ = google_login(google)
    url = (google.urls["userinfo_url"] if endpoint == "userinfo"
           else google.urls["api_base_url"] + "gmail/v1/users/me/messages/send")
    call = (sess.get if endpoint == "userinfo" else sess.post)
    payload = {"json": {"raw": base64.urlsafe_b64encode(mime()).decode()}}
    google.fail_next(endpoint, kind, retry_after=7 if kind == "429" else None)
    resp = call(url, **payload)
    error = resp.json()["error"]
    assert resp.status_code == int(kind) == error["code"] and error["status"] == STATUS[kind]
    assert resp.headers.get("Retry-After") == ("7" if kind == "429" else None)
    assert call(url, **payload).status_code == 200  # only the next call
    sess.close()


@pytest.mark.parametrize("kind", ["invalid_grant", "401", "403", "429", "500"])
@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_token_failures(provider: str, kind: str, request: pytest.FixtureRequest) -> None:
    emu = request.getfixturevalue(provider)
    sess, token = google_login(emu) if provider == "google" else authorize(emu, MS_SCOPE)
    emu.fail_next("token", kind, times=2)
    for _ in range(2):
        resp = post_token(emu, grant_type="refresh_token", refresh_token=token["refresh_token"])
        assert resp.status_code == (400 if kind == "invalid_grant" else int(kind))
        assert set(resp.json()) >= {"error", "error_description"}
        assert ("Retry-After" in resp.headers) == (kind == "429")
    if kind == "invalid_grant":
        assert resp.json()["error"] == "invalid_grant"
    assert post_token(emu, grant_type="refresh_token",
                      refresh_token=token["refresh_token"]).status_code == 200
    sess.close()


def test_slow_and_revoke_failures(google: GoogleEmulator) -> None:
    _, token = google_login(google)
    google.fail_next("userinfo", "slow", delay=0.3)
    started = time.monotonic()
    resp = requests.get(google.urls["userinfo_url"], timeout=5,
                        headers={"Authorization": f"Bearer {token['access_token']}"})
    assert resp.status_code == 200 and time.monotonic() - started >= 0.3
    google.fail_next("revoke", "500")
    failed = requests.post(google.urls["revoke_url"], data={"token": token["access_token"]},
                           timeout=5)
    assert failed.status_code == 500 and failed.json()["error"] == "server_error"
    with pytest.raises(ValueError):
        google.fail_next("send", "invalid_grant")
    with pytest.raises(ValueError):
        google.fail_next("me", "500")


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_authlib_flask_client_with_discovery(provider: str,
                                             request: pytest.FixtureRequest) -> None:
    """The app's kind of client: metadata discovery, PKCE, nonce and id_token checks."""
    emu = request.getfixturevalue(provider)
    app = Flask(__name__)
    app.secret_key = "test"
    oauth = OAuth(app)
    scope = GOOGLE_SCOPE if provider == "google" else MS_SCOPE
    oauth.register(provider, client_id=emu.client.client_id,
                   client_secret=emu.client.client_secret,
                   server_metadata_url=emu.urls["server_metadata_url"],
                   client_kwargs={"scope": scope, "code_challenge_method": "S256"})
    remote = oauth.create_client(provider)

    @app.get("/login")
    def login() -> Any:
        return remote.authorize_redirect(REDIRECT, access_type="offline", prompt="consent")

    @app.get("/oauth/callback")
    def callback() -> Any:
        return dict(remote.authorize_access_token()["userinfo"])

    with app.test_client() as browser:
        callback_url = emu.approve(browser.get("/login").headers["Location"])
        userinfo = browser.get(callback_url.removeprefix("http://127.0.0.1:5999")).get_json()
    assert userinfo["sub"] and userinfo["nonce"]
    assert userinfo.get("email") == emu.default_email


# Microsoft

def test_microsoft_flow_me_and_send(microsoft: MicrosoftEmulator) -> None:
    sess, token = authorize(microsoft, MS_SCOPE, auth="client_secret_post")
    assert token["scope"].split() == ["openid", "email", "https://graph.microsoft.com/Mail.Send",
                                      "https://graph.microsoft.com/User.Read"]
    assert token["refresh_token"] and token["ext_expires_in"] == token["expires_in"]
    claims = verify_id_token(microsoft, token["id_token"])
    assert claims["preferred_username"] == "sam@example.org" and claims["tid"]
    me = sess.get(microsoft.urls["graph_base_url"] + "me").json()
    assert me["mail"] == me["userPrincipalName"] == "sam@example.org" and me["id"]

    send = microsoft.urls["graph_base_url"] + "me/sendMail"
    raw = mime("graph mime")
    resp = sess.post(send, data=base64.b64encode(raw), headers={"Content-Type": "text/plain"})
    assert resp.status_code == 202 and resp.content == b""
    message = {"subject": "graph json", "body": {"contentType": "Text", "content": "Hi"},
               "toRecipients": [{"emailAddress": {"address": "client@example.net"}}]}
    resp = sess.post(send, json={"message": message, "saveToSentItems": True})
    assert resp.status_code == 202
    assert [(s.upload_type, s.message["Subject"], s.message["To"]) for s in microsoft.sent] == [
        ("mime", "graph mime", "client@example.net"), ("json", "graph json", "client@example.net")]
    assert microsoft.sent[0].raw == raw
    too_big = sess.post(send, data=b"A" * (4 * 1024 * 1024 + 4),
                        headers={"Content-Type": "text/plain"})
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "RequestEntityTooLarge"
    sess.close()


def test_microsoft_refresh_scopes_and_errors(microsoft: MicrosoftEmulator) -> None:
    sess, token = authorize(microsoft, MS_SCOPE)
    new = sess.refresh_token(microsoft.urls["token_url"], refresh_token=token["refresh_token"])
    assert new["refresh_token"] != token["refresh_token"]
    old = post_token(microsoft, grant_type="refresh_token", refresh_token=token["refresh_token"])
    body = old.json()
    assert old.status_code == 400 and body["error"] == "invalid_grant"
    assert body["error_description"].startswith("AADSTS") and body["error_codes"]

    online, online_token = authorize(microsoft, "openid email Mail.Send")  # no offline_access
    assert "refresh_token" not in online_token
    denied = online.get(microsoft.urls["graph_base_url"] + "me")  # no User.Read
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "Authorization_RequestDenied"
    reader, _ = authorize(microsoft, "openid User.Read")
    resp = reader.post(microsoft.urls["graph_base_url"] + "me/sendMail",
                       data=base64.b64encode(mime()), headers={"Content-Type": "text/plain"})
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "ErrorAccessDenied"
    microsoft.expire_access_tokens()
    expired = sess.get(microsoft.urls["graph_base_url"] + "me")
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "InvalidAuthenticationToken"
    for s in (sess, online, reader):
        s.close()


GRAPH_CODES = {"401": "InvalidAuthenticationToken", "403": "ErrorAccessDenied",
               "429": "TooManyRequests", "500": "generalException"}


@pytest.mark.parametrize("endpoint", ["me", "send"])
@pytest.mark.parametrize("kind", ["401", "403", "429", "500"])
def test_graph_failures(microsoft: MicrosoftEmulator, endpoint: str, kind: str) -> None:
    sess, _ = authorize(microsoft, MS_SCOPE)
    base = microsoft.urls["graph_base_url"]
    microsoft.fail_next(endpoint, kind)

    def call() -> requests.Response:
        if endpoint == "me":
            return sess.get(base + "me")
        return sess.post(base + "me/sendMail", data=base64.b64encode(mime()),
                         headers={"Content-Type": "text/plain"})

    resp = call()
    assert resp.status_code == int(kind) and resp.json()["error"]["code"] == GRAPH_CODES[kind]
    assert ("Retry-After" in resp.headers) == (kind == "429")
    assert call().status_code in (200, 202)
    sess.close()


def test_reset_forgets_everything_a_test_did() -> None:
    with MicrosoftEmulator("m-client", "m-secret", default_email="sam@example.org") as emu:
        port, key = emu.port, emu.signing_key.kid
        _, token = authorize(emu, MS_SCOPE)
        emu.send_limit_bytes, emu.rotate_refresh_tokens = 1, False
        emu.on_request = lambda record: None  # type: ignore[method-assign]
        emu.fail_next("token", "500")
        emu.drafts.upload_limit = 5
        emu.drafts.puts.append({"size": 1})
        emu.reset()
        assert (emu.port, emu.signing_key.kid) == (port, key)
        assert (emu.accounts, emu.codes, emu.tokens_by_access, emu.tokens_by_refresh) == (
            {}, {}, {}, {})
        assert (emu.requests, emu.sent, emu.revoked, emu.token_requests) == ([], [], [], 0)
        assert (emu.send_limit_bytes, emu.rotate_refresh_tokens) == (4 * 1024 * 1024, True)
        assert "on_request" not in vars(emu)
        assert (emu.drafts.upload_limit, emu.drafts.puts) == (150 * 1024 * 1024, [])
        refused = post_token(emu, grant_type="refresh_token",
                             refresh_token=token["refresh_token"])
        assert refused.status_code == 400  # the token is forgotten; no 500 was left queued
        assert emu.token_requests == 1


def test_reset_waits_for_a_request_still_running(google: GoogleEmulator) -> None:
    arrived, seen = threading.Event(), []

    def on_request(record: Any) -> None:
        seen.append(record)
        arrived.set()

    google.on_request = on_request  # type: ignore[method-assign]
    google.fail_next("token", "slow", delay=0.2)
    answered = []
    caller = threading.Thread(target=lambda: answered.append(post_token(google, grant_type="x")))
    caller.start()
    assert arrived.wait(5)
    google.reset()
    assert seen[0].status is not None  # answered before reset returned
    assert google.requests == [] and "on_request" not in vars(google)
    caller.join(5)
    assert answered[0].status_code == 400
