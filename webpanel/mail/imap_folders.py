"""IMAP folders as a server lists them (LIST), and as a person reads them: names decoded from
IMAP's modified UTF-7, the Sent folder found by its flag or its usual names. A server's answer
may be anything: bytes that are not UTF-8 and broken UTF-7 are shown as they came, never raised.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

SENT_NAMES = ("sent", "sent items", "sent messages", "sent mail", "sent-mail", "gesendet",
              "gesendete elemente", "envoyés", "éléments envoyés", "enviados",
              "elementos enviados", "posta inviata", "inviati", "verzonden", "verzonden items")
LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\) (?P<sep>"(?:[^"\\]|\\.)*"|NIL) (?P<name>.*)$')


@dataclass(frozen=True)
class Folder:
    """A mailbox as the server names it (``name``, for commands) and as a person reads it."""

    name: str
    flags: tuple[str, ...]

    @property
    def label(self) -> str:
        """The name decoded from IMAP's modified UTF-7."""
        return decode_utf7(self.name)

    @property
    def is_sent(self) -> bool:
        return "\\sent" in (f.lower() for f in self.flags)


def decode_utf7(name: str) -> str:
    """IMAP modified UTF-7 (RFC 3501 5.1.3) to text: ``&AOk-`` is é, ``&-`` is &."""
    def one(match: re.Match[str]) -> str:
        chunk = match.group(1)
        if not chunk:
            return "&"
        padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
        try:
            return base64.b64decode(padded).decode("utf-16-be", "replace")
        except binascii.Error:  # a server's broken name: shown as it came
            return match.group(0)
    return re.sub(r"&([A-Za-z0-9+,]*)-", one, name)


def quote(name: str) -> str:
    """A folder name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def find_sent(folders: list[Folder]) -> Folder | None:
    """The folder flagged ``\\Sent`` (RFC 6154), else the first with a usual Sent name."""
    flagged = [f for f in folders if f.is_sent]
    if flagged:
        return flagged[0]
    for folder in folders:
        last = re.split(r"[./]", folder.label)[-1].strip().lower()
        if last in SENT_NAMES or folder.label.lower() in SENT_NAMES:
            return folder
    return None


def parse_list(lines: list[bytes | tuple[bytes, bytes] | None]) -> list[Folder]:
    """Folders from a LIST answer (quoted, atom and literal names). Bytes that are not UTF-8
    become U+FFFD; a name with CR, LF or NUL (no command could name it) is left out."""
    folders = []
    for line in lines:
        if isinstance(line, tuple):  # a literal name: (b'(\\flags) "/" {5}', b'name')
            head, name = line[0], line[1]
            match = LIST_LINE.match(re.sub(rb"\{\d+\}$", b"x", head))
            raw = name
        else:
            match = LIST_LINE.match(line or b"")
            raw = match.group("name") if match else b""
        if match is None or b"\\noselect" in match.group("flags").lower():
            continue
        if raw.startswith(b'"') and raw.endswith(b'"') and len(raw) > 1:
            raw = re.sub(rb"\\(.)", rb"\1", raw[1:-1])
        if re.search(rb"[\r\n\0]", raw):
            continue
        folders.append(Folder(raw.decode("utf-8", "replace"),
                              tuple(match.group("flags").decode("utf-8", "replace").split())))
    return folders
