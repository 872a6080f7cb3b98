"""Take the largest attachments out of a message's exact MIME bytes, leaving every other byte
as it was: for APIs (Microsoft Graph) that take a small message and its big files separately."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass

CRLF = b"\r\n"


@dataclass(frozen=True)
class Attachment:
    """One file taken out of the message: what the API needs to attach it again."""

    name: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass(frozen=True)
class Split:
    """The message without the attachments taken out, and those attachments in order."""

    skeleton: bytes
    attachments: tuple[Attachment, ...]


def _boundary(mime: bytes) -> tuple[bytes, int] | None:
    """The root multipart boundary and where the body starts, or None (not multipart/CRLF)."""
    end = mime.find(CRLF + CRLF)
    if end < 0:
        return None
    headers = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
        mime[:end + 4])
    boundary = headers.get_boundary() if headers.get_content_maintype() == "multipart" else None
    return (boundary.encode("ascii", "replace"), end + 2) if boundary else None


def _part_spans(mime: bytes, boundary: bytes, start: int) -> list[tuple[int, int]]:
    """(from, to) of each top-level part, delimiter line included, closing delimiter excluded."""
    delimiter = CRLF + b"--" + boundary
    found, at = [], mime.find(delimiter, start)
    while at >= 0:
        after = mime[at + len(delimiter):at + len(delimiter) + 1]
        if after in (b"\r", b"-", b" ", b"\t"):  # not a longer boundary that starts alike
            found.append(at)
        at = mime.find(delimiter, at + len(delimiter))
    return list(zip(found, found[1:], strict=False))


def _attachment(part: bytes) -> Attachment | None:
    """The file a part carries, or None when the part is not a file attachment."""
    body = part[part.find(CRLF, 2) + 2:]  # skip the delimiter line
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(body)
    name = message.get_filename()
    if message.is_multipart() or not name:
        return None
    content_id = str(message.get("Content-ID") or "").strip("<> ") or None
    return Attachment(name, message.get_content_type(), message.get_payload(decode=True) or b"",
                      message.get_content_disposition() == "inline", content_id)


def split(mime: bytes, fits: int) -> Split | None:
    """Take attachments out, largest first, until the rest is at most `fits` bytes; None when
    that cannot be done (no attachments to take, or the rest is still too large)."""
    found = _boundary(mime)
    if found is None:
        return None
    spans = sorted(_part_spans(mime, *found), key=lambda s: s[0] - s[1])
    taken: list[tuple[int, int, Attachment]] = []
    size = len(mime)
    for begin, end in spans:
        if size <= fits:
            break
        attachment = _attachment(mime[begin:end])
        if attachment is not None:
            taken.append((begin, end, attachment))
            size -= end - begin
    if size > fits or not taken:
        return None
    taken.sort(key=lambda t: t[0])
    skeleton, last = bytearray(), 0
    for begin, end, _ in taken:
        skeleton += mime[last:begin]
        last = end
    skeleton += mime[last:]
    return Split(bytes(skeleton), tuple(t[2] for t in taken))
