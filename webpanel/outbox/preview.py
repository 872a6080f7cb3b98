"""Reading a stored message back for the preview: headers, text, sanitised HTML, attachments."""

from __future__ import annotations

import email
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import nh3

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


RAW_LIMIT = 200_000


def context(message_record, mime: bytes, view: str, images: bool) -> dict:
    """What the preview template needs for one view of a message."""
    message = parse(mime)
    raw = mime[:RAW_LIMIT].decode("utf-8", "replace") if view == "raw" else ""
    return {
        "view": view, "images": images, "headers": headers(message),
        "text": text_body(message) if view == "text" else "",
        "raw": raw, "raw_truncated": view == "raw" and len(mime) > RAW_LIMIT,
        "attachments": attachments(message), "record": message_record,
    }
