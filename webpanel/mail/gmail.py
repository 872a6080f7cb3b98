"""Gmail API transport: users.messages.send with the exact MIME bytes (JSON ``raw`` for
ordinary messages, a media upload for large ones)."""

from __future__ import annotations

import base64
import json

from webpanel.mail.deadline import NO_UPLOAD, Upload
from webpanel.mail.http_api import MB, Api, Request, TokenSource, check_size, post, with_bcc
from webpanel.mailbase import Outgoing, SendResult

GOOGLE = Api("Google", "Gmail")
SEND_PATH = "gmail/v1/users/me/messages/send"
UPLOAD_LIMIT = 35 * MB  # Gmail's maximum for messages.send


class GmailTransport:
    """Sends as the signed-in Gmail account; Gmail records the message in its Sent folder."""

    def __init__(self, tokens: TokenSource, api_base_url: str, upload_base_url: str,
                 timeout: float, raw_limit: int = 3_500_000, upload: Upload = NO_UPLOAD) -> None:
        self.tokens = tokens
        self.upload = upload
        self.api_base_url = api_base_url
        self.upload_base_url = upload_base_url
        self.timeout = timeout
        self.raw_limit = raw_limit

    def send(self, outgoing: Outgoing) -> SendResult:
        """Send the message or raise MailError; provider_id is Gmail's message id."""
        response = post(GOOGLE, self.tokens, self._request(with_bcc(outgoing)))
        try:
            message_id = response.json().get("id")
        except (ValueError, AttributeError):
            message_id = None  # accepted all the same: never send twice over a reply's shape
        if not message_id:
            return SendResult(reply="Gmail accepted the message.")
        return SendResult(reply=f"Gmail accepted the message (id {message_id}).",
                          provider_id=str(message_id))

    def _request(self, mime: bytes) -> Request:
        raw = base64.urlsafe_b64encode(mime).decode("ascii")
        body = json.dumps({"raw": raw}).encode("ascii")
        if len(body) < self.raw_limit:
            return Request(self.api_base_url + SEND_PATH, body, "application/json", self.timeout,
                           self.upload)
        check_size(GOOGLE, len(mime), UPLOAD_LIMIT)
        return Request(f"{self.upload_base_url}{SEND_PATH}?uploadType=media", mime,
                       "message/rfc822", self.timeout, self.upload)
