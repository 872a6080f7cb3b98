"""Microsoft Graph transport: user: sendMail with the exact MIME bytes, base64 as text/plain."""

from __future__ import annotations

import base64

from webpanel.mail.base import Outgoing, SendResult
from webpanel.mail.http_api import Api, Request, TokenSource, check_size, post, with_bcc

MICROSOFT = Api("Microsoft", "Outlook")
SEND_PATH = "me/sendMail"


class GraphTransport:
    """Sends as the signed-in Microsoft account; Exchange saves it in Sent Items."""

    def __init__(self, tokens: TokenSource, graph_base_url: str, timeout: float,
                 request_limit: int = 4 * 1024 * 1024) -> None:
        self.tokens = tokens
        self.graph_base_url = graph_base_url
        self.timeout = timeout
        self.request_limit = request_limit

    def send(self, outgoing: Outgoing) -> SendResult:
        """Send the message or raise MailError (a too-large one before any network call)."""
        body = base64.b64encode(with_bcc(outgoing))
        check_size(MICROSOFT, len(body), self.request_limit)
        response = post(MICROSOFT, self.tokens,
                        Request(self.graph_base_url + SEND_PATH, body, "text/plain",
                                self.timeout))
        answer = f"{response.status_code} {(response.reason or '').title()}".strip()
        return SendResult(reply=f"Microsoft accepted the message ({answer}).")
