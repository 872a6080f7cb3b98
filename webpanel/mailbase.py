"""The one mail-transport interface, its result, and the typed failure every transport raises.

Below the sending registry (``webpanel.sending``) and the mail package, which both use them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """The exact MIME bytes of a message and its envelope (Bcc lives only in the envelope)."""

    data: bytes
    sender: str
    recipients: tuple[str, ...]
    bcc: tuple[str, ...] = ()  # APIs that read recipients from headers need them


@dataclass(frozen=True)
class SendResult:
    """A message accepted by the server or API: its reply and, where given, its id there."""

    reply: str
    provider_id: str | None = None


@dataclass
class MailError(Exception):
    """A send that failed, in plain words: which step, what happened, what to try."""

    step: str
    reason: str
    hint: str
    reply: str | None = None
    retryable: bool = field(default=True)
    fix_tab: str = ""  # the Email sub-tab whose button fixes it ("outlook"), if one does

    def __str__(self) -> str:
        return f"{self.step}: {self.reason}"


class Transport(Protocol):
    """Anything that can deliver an `Outgoing` message: SMTP, Gmail API, Graph, ..."""

    def send(self, outgoing: Outgoing) -> SendResult:
        """Deliver the message or raise MailError."""
        ...
