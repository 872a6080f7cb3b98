"""Strict reading of SMTP replies, so bytes from a service that is not a mail server never
pass for a reply (and are never shown to the person who typed its address)."""

from __future__ import annotations

import re
import smtplib

#: One reply line (RFC 5321 4.2): a code 2yz-5yz, then a space, a hyphen or the line's end.
REPLY_LINE = re.compile(rb"[2-5][0-9]{2}(?:[ -]|\r?\n?$)")
MAX_REPLY_LINES = 200


class NotMailServer(smtplib.SMTPException):
    """The peer sent something that is not an SMTP reply; its bytes are dropped."""

    def __init__(self) -> None:
        super().__init__("the reply was not SMTP")


class StrictReplies:
    """Mix into smtplib.SMTP (first): a malformed reply raises NotMailServer instead of
    smtplib's lenient parse, which takes "2200 x" for 220 and "HTTP/1.1 400" for -1."""

    def getreply(self) -> tuple[int, bytes]:
        """The next reply, with every line checked (same code on each line of a multi-line one)."""
        if self.file is None:
            self.file = self.sock.makefile("rb")
        code, texts = b"", []
        while len(texts) < MAX_REPLY_LINES:
            line = self._reply_line()
            if not REPLY_LINE.match(line) or (code and line[:3] != code):
                self.close()
                raise NotMailServer()
            code = line[:3]
            texts.append(line[4:].strip(b" \t\r\n"))
            if line[3:4] != b"-":
                return int(code), b"\n".join(texts)
        self.close()
        raise NotMailServer()

    def _reply_line(self) -> bytes:
        """One line as smtplib reads it, with smtplib's errors for a closed or broken link."""
        try:
            line = self.file.readline(smtplib._MAXLINE + 1)
        except OSError as exc:
            self.close()
            raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed: {exc}") from exc
        if not line:
            self.close()
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        if len(line) > smtplib._MAXLINE:
            self.close()
            raise NotMailServer()
        return line
