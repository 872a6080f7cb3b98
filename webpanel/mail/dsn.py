"""Delivery status notifications (RFC 3461): what an SMTP send asks for where the server offers
DSN, and the envelope id that lets a bounce be matched to its message later."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib

NOTIFY = "NOTIFY=FAILURE,DELAY"
MAX_ENVID = 100  # RFC 3461 4.4


def xtext(value: str) -> str:
    """RFC 3461 xtext: "+", "=", controls and non-ASCII as +XX."""
    return "".join(c if "!" <= c <= "~" and c not in "+=" else
                   "".join(f"+{b:02X}" for b in c.encode()) for c in value)


def envid_for(message_id: str) -> str:
    """The ENVID for a Message-ID: the id without its brackets, or a digest if too long."""
    bare = message_id.strip().strip("<>")
    if 0 < len(xtext(bare)) <= MAX_ENVID:
        return bare
    return hashlib.sha256(message_id.encode()).hexdigest()[:40]


def request(esmtp_features: dict[str, str], data: bytes) -> tuple[list[str], list[str]]:
    """(MAIL options, RCPT options) asking for failure and delay reports with only the
    headers returned; none when the server does not offer DSN or the message has no id."""
    if "dsn" not in esmtp_features:
        return [], []
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
    message_id = " ".join(str(headers.get("Message-ID") or "").split())
    if not message_id:
        return [], [NOTIFY]
    return ["RET=HDRS", f"ENVID={xtext(envid_for(message_id))}"], [NOTIFY]
