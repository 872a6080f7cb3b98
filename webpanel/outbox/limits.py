"""Size limits checked before anything is recorded or sent, naming the file to remove."""

from __future__ import annotations

import math
from email import message_from_bytes, policy

from flask import current_app

from webpanel import sending
from webpanel.mail.builder import Attachment
from webpanel.mail.http_api import with_bcc
from webpanel.mailbase import MailError, Outgoing

MB = 1_048_576


#: What the Outlook refusal adds while MICROSOFT_LARGE_MESSAGES is off.
ADMIN_CAN_ALLOW = ("An administrator can allow larger messages: the Integrations page says "
                   "how.")


class TooLarge(ValueError):
    """The message is over a limit; the text names the largest file to remove.
    `admin_can_allow`: an administrator could lift the limit (Outlook's 4 MB)."""

    def __init__(self, text: str, admin_can_allow: bool = False) -> None:
        super().__init__(text)
        self.admin_can_allow = admin_can_allow


def check(outgoing: Outgoing, method: str, attachments: list[Attachment]) -> None:
    """Refuse a message over the panel's limit, or, for Outlook without Graph's upload sessions
    (`MICROSOFT_LARGE_MESSAGES` off), over Graph's request limit."""
    limit = current_app.config["MAIL_MAX_BYTES"]
    if len(outgoing.data) > limit:
        raise TooLarge(f"This message is {len(outgoing.data) / MB:.1f} MB; the panel sends at "
                       f"most {limit / MB:.0f} MB. {remove_hint(attachments)}")
    if method == sending.OUTLOOK.name and not current_app.config.get("MICROSOFT_LARGE_MESSAGES"):
        encoded, graph_limit = 4 * math.ceil(len(with_bcc(outgoing)) / 3), \
            current_app.config["GRAPH_REQUEST_LIMIT"]
        if encoded > graph_limit:
            raise TooLarge(f"This message comes to {encoded / MB:.1f} MB to upload; the Outlook "
                           f"API accepts at most {graph_limit / MB:.2g} MB. "
                           f"{remove_hint(attachments)} {ADMIN_CAN_ALLOW}", admin_can_allow=True)


def remove_hint(attachments: list[Attachment]) -> str:
    """Which file to take out: the largest one added beside the document's PDF."""
    extras = attachments[1:] or attachments
    if not extras:
        return "Shorten the message."
    largest = max(extras, key=lambda item: len(item.data))
    return f"Remove “{largest.filename}” ({len(largest.data) / MB:.1f} MB) and try again."


def name_the_file(error: MailError, mime: bytes) -> MailError:
    """A server's "too large" refusal, with the largest attachment named in the hint."""
    if error.step != "message" or "at most" not in error.reason:
        return error
    parsed = message_from_bytes(mime, policy=policy.default)
    files = [Attachment(part.get_filename() or "attachment", part.get_content_type(),
                        part.get_payload(decode=True) or b"")
             for part in parsed.iter_attachments()]
    if files:
        error.hint = f"{remove_hint(files)} {error.hint}".strip()
    return error
