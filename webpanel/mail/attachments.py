"""Files people attach: a safe name made by the server, and a type read from the content."""

from __future__ import annotations

import codecs
import re
import unicodedata

SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")
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
    """A file name without paths, quotes or control characters, at most 100 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = " ".join(SAFE_NAME.sub("-", ascii_name).split()).strip(".- ")
    if len(cleaned) > 100:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = f"{stem[:90]}.{ext[:9]}" if dot and len(ext) < 10 else cleaned[:100]
    return cleaned or fallback


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
