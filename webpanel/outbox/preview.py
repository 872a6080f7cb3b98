"""Reading a stored message back for the preview: headers, text, sanitised HTML, attachments."""

from __future__ import annotations

import email
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import nh3
from sqlalchemy import literal, select

from webpanel.extensions import db
from webpanel.outbox.models import Message, MessageBody, SentCopy
from webpanel.outbox.slots import BOUNCED

ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "cid", "data"}


@dataclass(frozen=True)
class AttachmentInfo:
    """One attachment as listed in the preview."""

    index: int
    filename: str
    content_type: str
    size: int

    @property
    def is_pdf(self) -> bool:
        """Whether the browser may show it inline (PDF only)."""
        return self.content_type == "application/pdf"


@dataclass(frozen=True)
class Stored:
    """A message as its preview reads it: the record, its MIME bytes, its Sent folder copy,
    and whether it may have bounce reports (False: surely none)."""

    message: Message
    mime: bytes
    copy: SentCopy | None
    bounced: bool = True


def own_stored(user_id: int, message_id: int) -> Stored | None:
    """One of the user's own messages with its bytes, copy and whether it bounced, in one
    query (another user's id gives None)."""
    bounced = BOUNCED(Message.id)
    query = (select(Message, MessageBody.mime, SentCopy,
                    bounced.label("bounced") if bounced is not None else literal(True))
             .outerjoin(MessageBody, MessageBody.message_id == Message.id)
             .outerjoin(SentCopy, SentCopy.message_id == Message.id)
             .where(Message.id == message_id, Message.user_id == user_id))
    found = db.session.execute(query).first()
    return Stored(found[0], found[1] or b"", found[2], bool(found[3])) if found else None


def parse(mime: bytes) -> EmailMessage:
    """Parse stored bytes with the modern email policy."""
    return email.message_from_bytes(mime, policy=policy.default)


def headers(message: EmailMessage) -> list[tuple[str, str]]:
    """The top-level headers, in order, decoded."""
    return [(name, str(value)) for name, value in message.items()]


def text_body(message: EmailMessage) -> str:
    """The plain-text part (empty if none)."""
    part = message.get_body(("plain",))
    return part.get_content() if part else ""


def html_body(message: EmailMessage) -> str:
    """The HTML part, sanitised with nh3: no scripts, handlers, forms or javascript: links."""
    part = message.get_body(("html",))
    if part is None:
        return ""
    return nh3.clean(part.get_content(), url_schemes=ALLOWED_URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow")


def attachments(message: EmailMessage) -> list[AttachmentInfo]:
    """The attachments, numbered from 0 in message order."""
    return [
        AttachmentInfo(index, part.get_filename() or f"attachment-{index + 1}",
                       part.get_content_type(), len(part.get_payload(decode=True) or b""))
        for index, part in enumerate(message.iter_attachments())
    ]


def attachment_bytes(message: EmailMessage, index: int) -> tuple[AttachmentInfo, bytes] | None:
    """One attachment's info and bytes, or None if there is no such attachment."""
    for position, part in enumerate(message.iter_attachments()):
        if position == index:
            data = part.get_payload(decode=True) or b""
            info = AttachmentInfo(index, part.get_filename() or f"attachment-{index + 1}",
                                  part.get_content_type(), len(data))
            return info, data
    return None


def listed_attachments(mime: bytes) -> list[AttachmentInfo]:
    """`attachments(parse(mime))`, read about ten times faster: the parts' headers stay plain
    strings (no header objects), which gives the same list for the messages the panel makes.
    A name in encoded words or raw 8-bit bytes is read again the slow, exact way."""
    message = email.message_from_bytes(mime, _class=EmailMessage, policy=policy.compat32)
    found = attachments(message)
    if any(_unusual(item.filename) for item in found):
        return attachments(parse(mime))
    return found


def _unusual(name: str) -> bool:
    """Encoded words, or 8-bit bytes the plain reading left undecoded."""
    return "=?" in name or "\ufffd" in name or not name.isprintable()


RAW_LIMIT = 200_000


def context(message_record, mime: bytes, view: str, images: bool) -> dict:
    """What the preview template needs for one view of a message: the MIME is parsed fully
    only for the view that shows its headers or text."""
    message = parse(mime) if view in ("headers", "text") else None
    raw = mime[:RAW_LIMIT].decode("utf-8", "replace") if view == "raw" else ""
    return {
        "view": view, "images": images,
        "headers": headers(message) if message and view == "headers" else [],
        "text": text_body(message) if message and view == "text" else "",
        "raw": raw, "raw_truncated": view == "raw" and len(mime) > RAW_LIMIT,
        "attachments": listed_attachments(mime), "record": message_record,
    }
