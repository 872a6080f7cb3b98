"""A stored SMTP password stays with the server it was saved for.

The encrypted value holds the password together with the server, port, user name and security
it was saved with (and whether certificates were checked), so changing any of them in the
database or in a form cannot send the password elsewhere: `unseal` hands back the target it
was sealed for, and the caller releases the password only for that target. A value stored
before binding existed (a bare password) counts as bound to the settings saved with it.
Key rotation re-encrypts the value as it is, binding included.

The same sealing serves other passwords (`purpose`, e.g. "imap" for the Sent-folder copy): each
purpose has its own prefix, so a value sealed for one is unreadable as another, and only SMTP
has legacy bare values. "imap-grant" seals no password, only the IMAP endpoint at which the
owner allowed their SMTP password (see ``imap_grant``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from webpanel.crypto import SecretUnreadable, secret_box
from webpanel.mail.smtp import DEFAULT_PORTS

PREFIX = "webpanel-smtp-password/1:"
PREFIXES = {"smtp": PREFIX, "imap": "webpanel-imap-password/1:",
            "imap-grant": "webpanel-imap-smtp-grant/1:"}
WORDS = {"host": "server", "port": "port", "username": "user name", "security": "security"}


@dataclass(frozen=True)
class Target:
    """Where a password may go: server, port, user name, security, certificate check."""

    host: str
    port: int
    username: str
    security: str
    verified: bool = True  # False: "Allow self-signed certificate" was on

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Target:
        """The target of form data or saved settings (`smtp_server`, `smtp_port`, ...)."""
        security = values.get("smtp_security") or "tls"
        return cls(host=normalize_host(values.get("smtp_server") or ""),
                   port=int(values.get("smtp_port") or DEFAULT_PORTS.get(security, 0)),
                   username=(values.get("smtp_username") or "").strip(), security=security,
                   verified=not values.get("allow_self_signed"))

    def changes_from(self, bound: Target) -> list[str]:
        """What differs from the target a password is bound to, in words ("server", ...)."""
        changed = [word for name, word in WORDS.items()
                   if getattr(self, name) != getattr(bound, name)]
        if bound.verified and not self.verified:
            changed.append("certificate check")
        return changed


def normalize_host(host: str) -> str:
    """A host as compared: trimmed, lower case, no brackets or final dot."""
    return host.strip().strip("[]").rstrip(".").lower()


def seal(password: str, target: Target, purpose: str = "smtp") -> str:
    """The encrypted value for a password bound to `target` (an SMTP one unless `purpose`)."""
    prefix = PREFIXES[purpose]
    return secret_box().encrypt(prefix + json.dumps({"password": password, **asdict(target)}))


def unseal(token: str, saved: Target, purpose: str = "smtp") -> tuple[str, Target]:
    """The password and the target it is bound to; a legacy SMTP value is bound to `saved`.

    Raises SecretUnreadable if the value cannot be decrypted or read, or was sealed for
    another purpose.
    """
    plain, prefix = secret_box().decrypt(token), PREFIXES[purpose]
    if not plain.startswith(prefix):
        if purpose != "smtp" or any(plain.startswith(p) for p in PREFIXES.values()):
            raise SecretUnreadable("stored secret was sealed for another use")
        return plain, saved
    try:
        data = json.loads(plain[len(prefix):])
        return data.pop("password"), Target(**data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise SecretUnreadable("stored secret is damaged") from exc


def is_legacy(token: str) -> bool:
    """Whether a readable stored value is a bare password from before binding."""
    return not secret_box().decrypt(token).startswith(PREFIX)


def mismatch_message(changed: list[str]) -> str:
    """ "You changed the server: enter the password again", naming what changed."""
    named = [word for word in changed if word != "certificate check"]
    parts = [f"changed the {join_words(named)}"] if named else []
    if "certificate check" in changed:
        parts.append("turned off the certificate check")
    return f"You {' and '.join(parts)}: enter the password again"


def join_words(words: list[str]) -> str:
    """ "server", "server and port", "server, port and user name"."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
