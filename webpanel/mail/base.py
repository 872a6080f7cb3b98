"""The one mail-transport interface, its result, and the typed failure every transport raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """A built message and its envelope (Bcc addresses live only in the envelope)."""

    message: EmailMessage
    sender: str
    recipients: tuple[str, ...]

    def as_bytes(self) -> bytes:
        """The exact MIME bytes that go on the wire (CRLF line ends)."""
        return self.message.as_bytes(policy=SMTP)


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

    def __str__(self) -> str:
        return f"{self.step}: {self.reason}"


class Transport(Protocol):
    """Anything that can deliver an `Outgoing` message: SMTP, Gmail API, Graph, ..."""

    def send(self, outgoing: Outgoing) -> SendResult:
        """Deliver the message or raise MailError."""
        ...
