"""The fields of a mail server, the same on every screen that asks for one (the Email tab, the
Company page's office mail server): which hosts a field may name (the office's allow-list,
MAIL_ALLOWED_HOSTS, and the one check of an SMTP or IMAP server field), the port field and the
security choices. A core module, so both screens check and word them the same way."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from wtforms import IntegerField, SelectChoice
from wtforms.validators import NumberRange, ValidationError

SECURITY_LABELS = [SelectChoice("ssl", "SSL"), SelectChoice("tls", "TLS"),
                   SelectChoice("none", "NONE")]
PORT_RANGE = NumberRange(min=1, max=65535, message="Enter a port from 1 to 65535.")


class PortField(IntegerField):
    """An integer field whose parse error is in plain words."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter the port as a number from 1 to 65535.") from exc


def normalize(host: str) -> str:
    """A host as compared and stored: trimmed, lower case, no brackets or final dot."""
    return host.strip().strip("[]").rstrip(".").lower()


def allowed_patterns() -> list[str]:
    """MAIL_ALLOWED_HOSTS, normalized; empty means any host (one name alone counts as a list)."""
    hosts = current_app.config["MAIL_ALLOWED_HOSTS"] or ()
    hosts = [hosts] if isinstance(hosts, str) else hosts
    return [normalize(str(host)) for host in hosts if str(host).strip()]


def is_allowed(host: str) -> bool:
    """Whether the instance lets people use this mail host ("*.example.com": any below it)."""
    patterns, host = allowed_patterns(), normalize(host)
    return not patterns or any(_matches(host, pattern) for pattern in patterns)


def allowed_words() -> str:
    """The allowed hosts in words, for messages: "smtp.office365.com or any server under ..."."""
    words = [f"any server under {p[2:]}" if p.startswith("*.") else p for p in allowed_patterns()]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def not_allowed_message() -> str:
    """What the SMTP Server field says about a host the office does not allow."""
    return f"This office sends mail only through {allowed_words()}: enter one of those."


def _matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


@dataclass(frozen=True)
class MailHostWords:
    """What a mail-server field says: its example host, its URL scheme, and the sentence for a
    host the office does not allow (the SMTP and IMAP fields have said it differently)."""

    protocol: str
    example: str
    not_allowed: Callable[[], str]


SMTP_HOST = MailHostWords("SMTP", "smtp.office365.com", not_allowed_message)
IMAP_HOST = MailHostWords("IMAP", "imap.example.com", lambda: (
    f"This office uses only the mail servers {allowed_words()}: enter one of those."))


def check_mail_host(field, words: MailHostWords, required: bool) -> None:
    """The one mail-host check: trimmed; present when `required`; a bare host name or address
    (no spaces, scheme or port; an IPv6 address may keep its brackets); one the office allows."""
    value = (field.data or "").strip()
    field.data = value
    if required and not value:
        raise ValidationError(f"Enter your provider's {words.protocol} server, like "
                              f"{words.example}.")
    if value and (" " in value or "/" in value or ":" in value.strip("[]")):
        if not _is_ipv6(value):
            raise ValidationError(f"Enter only the server name, like {words.example} (no "
                                  f"spaces, “{words.protocol.lower()}://” or port).")
    if value and not is_allowed(value):
        raise ValidationError(words.not_allowed())


def _is_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value.strip("[]"))
    except ValueError:
        return False
    return True
