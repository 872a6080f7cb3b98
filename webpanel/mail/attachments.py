"""Files people attach: a safe name made by the server, and a type read from the content."""

from __future__ import annotations

import codecs
import re
import unicodedata
from urllib.parse import quote

#: Characters a file name never keeps: path separators, quotes and what Windows refuses.
UNSAFE_PUNCTUATION = frozenset('\\/:*?"<>|;')
#: What an ASCII-only file name keeps (the fallback of a download's name).
ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")
#: Runs of what was taken out, each said by one "-".
TAKEN_OUT = re.compile("\x00+")
#: (leading bytes, type) for the files offices send; anything else is a plain download.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
)
OFFICE_TYPES = {
    b"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    b"ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name without paths, quotes, control or invisible characters (a right-to-left
    override could show "fdp.exe" as "exe.pdf"), at most 100 characters; letters of every
    language stay ("Stundenzettel März.pdf"), as the message says them in RFC 2231."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    kept = TAKEN_OUT.sub("-", "".join(map(_kept, name)))
    cleaned = " ".join(kept.split()).strip(".- ")
    if len(cleaned) > 100:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = f"{stem[:90]}.{ext[:9]}" if dot and len(ext) < 10 else cleaned[:100]
    return cleaned or fallback


def content_disposition(kind: str, name: str, fallback: str = "attachment") -> str:
    """A download's Content-Disposition (`kind` "attachment" or "inline"): an ASCII name every
    browser takes, and beside it the name in full (RFC 6266) when it has other letters."""
    full = safe_filename(name, fallback)
    plain = unicodedata.normalize("NFKD", full).encode("ascii", "ignore").decode()
    header = f'{kind}; filename="{ASCII_NAME.sub("-", plain).strip(".-")[:100] or fallback}"'
    if not full.isascii():
        header += f"; filename*=UTF-8''{quote(full, safe='')}"
    return header


def _kept(character: str) -> str:
    """The character as a file name keeps it: itself, a plain space, or taken out."""
    category = unicodedata.category(character)
    if character in UNSAFE_PUNCTUATION or category[0] == "C" or category in ("Zl", "Zp"):
        return "\x00"
    return " " if category == "Zs" else character


def sniff_type(data: bytes) -> str:
    """The content type the bytes say they are, whatever the file's name claims."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return _office_type(data) if content_type == "application/zip" else content_type
    if _is_text(data):
        return "text/plain"
    return "application/octet-stream"


def _office_type(data: bytes) -> str:
    head = data[:4096]
    for marker, content_type in OFFICE_TYPES.items():
        if b"[Content_Types].xml" in head and marker in data[:65536]:
            return content_type
    return "application/zip"


def _is_text(data: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(data[:65536], final=len(data) <= 65536)
    except UnicodeDecodeError:
        return False
    return not any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text)
