"""The one message builder: every message the panel sends is made here."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from webpanel.database import utcnow
from webpanel.mail.base import Outgoing

SIGNATURE_SEPARATOR = "-- "


class MessageRejected(ValueError):
    """The message cannot be built safely (e.g. a line break in a header)."""


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Draft:
    """Everything a person chose for one message, before it becomes MIME."""

    from_name: str
    from_address: str
    to: list[str]
    subject: str
    text: str
    signature: str = ""
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    reply_to: str = ""


def build(draft: Draft, for_email_client: bool = False) -> Outgoing:
    """Build a multipart/alternative message (plus attachments) and its envelope.

    For the email-client hand-off the message is a draft: `X-Unsent: 1` makes Outlook, Apple
    Mail and Thunderbird open it ready to send, and Bcc stays a header for the client to use.
    """
    _refuse_line_breaks(draft)
    message = EmailMessage()
    if for_email_client:
        message["X-Unsent"] = "1"
    message["From"] = Address(display_name=draft.from_name, addr_spec=draft.from_address)
    message["To"] = ", ".join(draft.to)
    if draft.cc:
        message["Cc"] = ", ".join(draft.cc)
    if draft.reply_to:
        message["Reply-To"] = draft.reply_to
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=draft.from_address.rpartition("@")[2] or None)
    text = body_text(draft.text, draft.signature)
    message.set_content(text)
    message.add_alternative(body_html(text), subtype="html")
    for item in draft.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(
            item.data, maintype=maintype, subtype=subtype, filename=item.filename
        )
    if for_email_client and draft.bcc:
        message["Bcc"] = ", ".join(draft.bcc)
    recipients = tuple(dict.fromkeys([*draft.to, *draft.cc, *draft.bcc]))
    return Outgoing(data=message.as_bytes(policy=SMTP), sender=draft.from_address,
                    recipients=recipients, bcc=tuple(draft.bcc))


def body_text(text: str, signature: str) -> str:
    """The plain-text body: the message, then the signature after the standard separator."""
    text = text.rstrip()
    if signature.strip():
        text = f"{text}\n\n{SIGNATURE_SEPARATOR}\n{signature.strip()}"
    return text + "\n"


def body_html(text: str) -> str:
    """The HTML alternative: the same text, escaped, paragraphs kept."""
    paragraphs = "".join(
        f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in text.split("\n\n")
    )
    return f'<!DOCTYPE html><html><body style="font-family:sans-serif">{paragraphs}</body></html>'


def _refuse_line_breaks(draft: Draft) -> None:
    single_line = [draft.from_name, draft.from_address, draft.subject, *draft.to, *draft.cc]
    single_line += [*draft.bcc, draft.reply_to, *(a.filename for a in draft.attachments)]
    if any("\r" in value or "\n" in value for value in single_line):
        raise MessageRejected("A header value contains a line break.")
