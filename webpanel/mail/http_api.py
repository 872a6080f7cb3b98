"""Shared plumbing of the HTTP mail APIs (Gmail, Graph): one POST with a total deadline (connect
to last byte), one refresh after a 401, one short wait after a 429, and every failure turned
into a plain MailError."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol

import requests

from webpanel.mail import deadline
from webpanel.mail.deadline import NO_UPLOAD, Upload
from webpanel.mailbase import MailError, Outgoing

MAX_REPLY = 300
MAX_WAIT = 5.0  # longest Retry-After honoured before giving up (seconds)
MB = 1024 * 1024


class TokenSource(Protocol):
    """Where a transport gets the account's OAuth access token."""

    def access_token(self) -> str:
        """A valid (refreshed if needed) access token, or raise MailError."""
        ...

    def refresh(self) -> str:
        """Force a refresh (after a 401) and return the new token, or raise MailError."""
        ...


@dataclass(frozen=True)
class Api:
    """Who answers (for messages) and where the account is set up in the panel."""

    provider: str  # "Google" / "Microsoft"
    settings: str  # the Email settings tab: "Gmail" / "Outlook"


@dataclass(frozen=True)
class Request:
    """One API call: where, what, and how long it may take from connect to its last byte."""

    url: str
    body: bytes
    content_type: str
    timeout: float
    upload: Upload = NO_UPLOAD  # more time for a large body

    @property
    def seconds(self) -> float:
        """The whole time this request may take."""
        return self.timeout + self.upload.seconds(len(self.body))


def with_bcc(outgoing: Outgoing) -> bytes:
    """The MIME bytes with a Bcc header on top when there are Bcc addresses: the APIs read
    recipients from the headers and remove Bcc before delivery."""
    if not outgoing.bcc:
        return outgoing.data
    if any("\r" in a or "\n" in a for a in outgoing.bcc):
        raise MailError("recipient", "A Bcc address contains characters that are not allowed.",
                        "Check the Bcc addresses.", retryable=False)
    separator = ", " if sum(len(a) + 2 for a in outgoing.bcc) < 70 else ",\r\n "
    return f"Bcc: {separator.join(outgoing.bcc)}\r\n".encode() + outgoing.data


def check_size(api: Api, size: int, limit: int) -> None:
    """Refuse, before any network call, a request larger than the provider accepts."""
    if size > limit:
        raise MailError("message", f"The message is too large for {api.provider}: it comes to "
                        f"{size / MB:.1f} MB to upload, and at most {limit / MB:g} MB is "
                        "accepted.", "Remove or shrink an attachment.", retryable=False)


def post(api: Api, tokens: TokenSource, req: Request) -> requests.Response:
    """POST with the account's token; refresh once after a 401 and wait once (at most
    MAX_WAIT seconds) after a 429; return a 2xx response or raise MailError."""
    token = tokens.access_token()
    refreshed = waited = False
    with deadline.session(req.timeout, req.upload) as session:
        for _ in range(3):  # the first try, at most one refresh and at most one wait
            response = _post_once(api, session, req, token)
            status = response.status_code
            if status == 401 and not refreshed:
                refreshed, token = True, tokens.refresh()
            elif status == 429 and not waited and (delay := _short_wait(response)) is not None:
                waited = True
                time.sleep(delay)
            else:
                break
    if not 200 <= status < 300:
        raise failure(api, response)
    return response


def _post_once(api: Api, session: requests.Session, req: Request,
               token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": req.content_type}
    try:
        return session.post(req.url, data=req.body, headers=headers, allow_redirects=False,
                            timeout=(req.seconds, req.seconds))
    except requests.ConnectTimeout:
        raise no_answer(api, "connect", req.seconds) from None
    except requests.Timeout:
        raise no_answer(api, "message", req.seconds) from None
    except deadline.AnswerTooLarge as exc:
        raise too_much(api, exc) from None
    except requests.RequestException as exc:
        raise connection_failed(api, exc) from None


def _short_wait(response: requests.Response) -> float | None:
    """The Retry-After delay in seconds when it is short enough to wait for, else None."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        delay = float(value)
    except ValueError:
        try:
            delay = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError):
            return None
    return max(delay, 0.0) if delay <= MAX_WAIT else None


def no_answer(api: Api, step: str, timeout: float) -> MailError:
    hint = "Check this computer's internet connection, then press Retry."
    if step == "message":
        hint = (f"{api.provider} may still have sent it: look in your Sent folder before "
                f"pressing Retry. {deadline.UPLOAD_HINT} If this keeps happening, try again "
                "later.")
    unit = "second" if timeout == 1 else "seconds"
    return MailError(step, f"No answer from {api.provider} within {timeout:g} {unit}.", hint)


def too_much(api: Api, exc: deadline.AnswerTooLarge) -> MailError:
    """An answer over its byte budget: whatever sent it is not the provider's mail service."""
    return MailError("message", f"The server answering for {api.provider} sent {exc.words}; it "
                     f"does not behave like {api.provider}'s mail service.", "The message may "
                     "still have gone: look in your Sent folder before pressing Retry. If this "
                     "keeps happening, ask your administrator to check the panel's network.")


def connection_failed(api: Api, exc: BaseException) -> MailError:
    causes = deadline.causes(exc)
    if any(isinstance(c, socket.gaierror) for c in causes):
        return MailError("connect", f"The address of {api.provider}'s server could not be "
                         "found.", "Check this computer's internet connection (and its DNS "
                         "settings), then press Retry.")
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return MailError("connect", f"{api.provider}'s server refused the connection.",
                         "A firewall or proxy may be blocking it: check the internet "
                         "connection, then press Retry.")
    if any(isinstance(c, requests.exceptions.SSLError) for c in causes):
        return MailError("tls", f"The secure connection to {api.provider} could not be set up.",
                         "Check this computer's date and time; a proxy or antivirus that "
                         "inspects secure connections can also cause this.")
    return MailError("connect", f"The connection to {api.provider} failed.",
                     "Check this computer's internet connection, then press Retry.")


def failure(api: Api, response: requests.Response) -> MailError:
    """The MailError for a non-2xx answer."""
    status, reply = response.status_code, provider_text(response)
    if status == 401:
        return MailError("sign-in", f"{api.provider} did not accept the panel's access to your "
                         "account.", f"Open Email settings → {api.settings} and sign in again.",
                         reply, retryable=False)
    if status == 403:
        return MailError("sign-in", f"{api.provider} did not allow the panel to send from this "
                         "account.", f"Open Email settings → {api.settings}, sign in again and "
                         "allow sending email. If your organisation manages the account, ask "
                         "its administrator whether it may send mail.", reply, retryable=False)
    if status == 429:
        return MailError("message", f"{api.provider} is limiting how fast you can send.",
                         "Wait a few minutes, then press Retry.", reply)
    if status >= 500:
        return MailError("message", f"{api.provider} had a problem and did not send the "
                         "message.", "Press Retry in a few minutes.", reply)
    if status == 413:
        return MailError("message", f"The message is too large for {api.provider}.",
                         "Remove or shrink an attachment.", reply, retryable=False)
    if status >= 400:
        return MailError("message", f"{api.provider} refused the message.",
                         f"{api.provider}'s reply (under Details) says why.", reply,
                         retryable=False)
    return MailError("message", f"{api.provider} gave an unexpected answer ({status}).",
                     "Press Retry in a few minutes.", reply)


def provider_text(response: requests.Response) -> str:
    """The provider's own error message, one line, at most MAX_REPLY characters."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        text = str(error.get("message") or error.get("code") or "")
    elif isinstance(error, str):
        text = str(response.json().get("error_description") or error)
    else:
        text = response.text if "html" not in response.headers.get("Content-Type", "") else ""
    text = " ".join(text.split()) or response.reason or ""
    return f"{response.status_code} {text}"[:MAX_REPLY].strip()
