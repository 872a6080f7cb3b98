"""Microsoft Graph transport: user: sendMail with the exact MIME bytes, base64 as text/plain.

A message whose request would pass Graph's 4 MB limit goes another documented way: its MIME
without the largest attachments becomes a draft (``POST me/messages``, base64 MIME), each file
taken out is attached again (an upload session in byte ranges for 3 MB and more, one JSON POST
below that), and the draft is sent (``POST me/messages/{id}/send``). Every byte outside the
files taken out is the panel's own; Exchange re-renders the message on sending, as it does for
sendMail. Drafts and upload sessions need the Mail.ReadWrite permission.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, urlsplit

import requests

from webpanel.mail import deadline, mimesplit
from webpanel.mail.deadline import NO_UPLOAD, Upload
from webpanel.mail.http_api import (
    MB,
    Api,
    Request,
    TokenSource,
    check_size,
    connection_failed,
    failure,
    no_answer,
    post,
    too_much,
    with_bcc,
)
from webpanel.mailbase import MailError, Outgoing, SendResult

MICROSOFT = Api("Microsoft", "Outlook")
SEND_PATH = "me/sendMail"
UPLOAD_LIMIT = 150 * MB  # Graph's largest attachment (and Exchange's largest message)
SESSION_FROM = 3 * MB  # files this large go through an upload session, smaller ones by POST
CHUNK = 10 * 320 * 1024  # each PUT: a multiple of 320 KiB, under 4 MB
JSON = "application/json"


def too_large_text(size: int, limit: int) -> MailError:
    """The body of the message (not its files) is over what Graph takes in one request."""
    return MailError("message", f"The message text is too large for Microsoft: {size / MB:.1f} "
                     f"MB without its attachments, and at most {limit / MB:g} MB is accepted.",
                     "Shorten the message or send it another way.", retryable=False)


def needs_drafts(error: MailError) -> MailError:
    """A 403 on the draft: the sign-in lacks Mail.ReadWrite, which large messages need."""
    return MailError("sign-in", "Microsoft did not let the panel prepare a message over 4 MB "
                     "(it is sent as a draft with its files uploaded, which needs permission "
                     "to save drafts).", "Ask your administrator to allow large Outlook "
                     "messages (Mail.ReadWrite), then sign in to Outlook again; or shrink the "
                     "attachment below 3 MB.", error.reply, retryable=False)


class GraphTransport:
    """Sends as the signed-in Microsoft account; Exchange saves it in Sent Items."""

    def __init__(self, tokens: TokenSource, graph_base_url: str, timeout: float,
                 request_limit: int = 4 * MB, upload_limit: int = UPLOAD_LIMIT,
                 upload: Upload = NO_UPLOAD) -> None:
        self.tokens = tokens
        self.upload = upload
        self.graph_base_url = graph_base_url
        self.timeout = timeout
        self.request_limit = request_limit
        self.upload_limit = upload_limit

    def send(self, outgoing: Outgoing) -> SendResult:
        """Send the message or raise MailError (a too-large one before any network call)."""
        mime = with_bcc(outgoing)
        body = base64.b64encode(mime)
        if len(body) > self.request_limit:
            return self._send_large(mime)
        response = self._post(SEND_PATH, body, "text/plain")
        answer = f"{response.status_code} {(response.reason or '').title()}".strip()
        return SendResult(reply=f"Microsoft accepted the message ({answer}).")

    def _post(self, path: str, body: bytes, content_type: str) -> requests.Response:
        return post(MICROSOFT, self.tokens,
                    Request(self.graph_base_url + path, body, content_type, self.timeout,
                            self.upload))

    def _send_large(self, mime: bytes) -> SendResult:
        """Draft, attachments, send; the draft is deleted if anything fails before sending."""
        check_size(MICROSOFT, len(mime), self.upload_limit)
        fits = self.request_limit * 3 // 4 - 4096  # base64 grows by a third
        parts = mimesplit.split(mime, fits)
        if parts is None:
            raise too_large_text(len(mime), self.request_limit)
        draft = self._create_draft(parts.skeleton)
        try:
            for attachment in parts.attachments:
                self._attach(draft, attachment)
        except MailError:
            self._discard(draft)
            raise
        response = self._post(f"me/messages/{draft}/send", b"", JSON)
        files = len(parts.attachments)
        return SendResult(reply=f"Microsoft accepted the message ({response.status_code} "
                                f"Accepted; {files} large attachment{'s' * (files > 1)} "
                                "uploaded).")

    def _create_draft(self, skeleton: bytes) -> str:
        try:
            response = self._post("me/messages", base64.b64encode(skeleton), "text/plain")
        except MailError as error:
            if (error.reply or "").startswith("403"):
                raise needs_drafts(error) from None
            raise
        draft = _json(response).get("id")
        if not isinstance(draft, str) or not draft:
            raise MailError("message", "Microsoft gave an unexpected answer to the draft.",
                            "Press Retry in a few minutes.", retryable=True)
        return quote(draft, safe="=")

    def _attach(self, draft: str, attachment: mimesplit.Attachment) -> None:
        """One file: an upload session from 3 MB, one fileAttachment POST below that."""
        item = {"name": attachment.name, "contentType": attachment.content_type,
                "isInline": attachment.inline}
        if attachment.content_id:
            item["contentId"] = attachment.content_id
        path = f"me/messages/{draft}/attachments"
        if len(attachment.data) < SESSION_FROM:
            item |= {"@odata.type": "#microsoft.graph.fileAttachment",
                     "contentBytes": base64.b64encode(attachment.data).decode("ascii")}
            self._post(path, json.dumps(item).encode(), JSON)
            return
        item |= {"attachmentType": "file", "size": len(attachment.data)}
        session = self._post(path + "/createUploadSession",
                             json.dumps({"AttachmentItem": item}).encode(), JSON)
        self._upload(self._upload_url(_json(session).get("uploadUrl")), attachment.data)

    def _upload_url(self, url: object) -> str:
        """The pre-authenticated URL, only over HTTPS (or to the Graph host itself)."""
        graph = urlsplit(self.graph_base_url)
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or not (parts.scheme == "https" or parts.netloc == graph.netloc):
            raise MailError("message", "Microsoft gave an unexpected upload address.",
                            "Press Retry in a few minutes.")
        return str(url)

    def _upload(self, url: str, data: bytes) -> None:
        """PUT the file in ranges, in order; the URL carries its own token (no Authorization)."""
        with deadline.session(self.timeout, self.upload) as session:
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                headers = {"Content-Type": "application/octet-stream", "Content-Range":
                           f"bytes {start}-{start + len(chunk) - 1}/{len(data)}"}
                response = self._put(session, url, chunk, headers)
                if not 200 <= response.status_code < 300:
                    raise failure(MICROSOFT, response)

    def _put(self, session: requests.Session, url: str, chunk: bytes,
             headers: dict[str, str]) -> requests.Response:
        seconds = self.timeout + self.upload.seconds(len(chunk))
        try:
            return session.put(url, data=chunk, headers=headers, allow_redirects=False,
                               timeout=(seconds, seconds))
        except requests.ConnectTimeout:
            raise no_answer(MICROSOFT, "connect", seconds) from None
        except requests.Timeout:
            raise no_answer(MICROSOFT, "message", seconds) from None
        except deadline.AnswerTooLarge as exc:
            raise too_much(MICROSOFT, exc) from None
        except requests.RequestException as exc:
            raise connection_failed(MICROSOFT, exc) from None

    def _discard(self, draft: str) -> None:
        """Delete an unsent draft; if that fails too, the draft stays in Drafts, unsent."""
        try:
            token = self.tokens.access_token()
            with deadline.session(self.timeout) as session:
                session.delete(self.graph_base_url + f"me/messages/{draft}",
                               allow_redirects=False, headers={"Authorization": f"Bearer {token}"},
                               timeout=(self.timeout, self.timeout))
        except (MailError, requests.RequestException):
            return


def _json(response: requests.Response) -> dict:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
