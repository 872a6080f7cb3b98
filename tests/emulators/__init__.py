"""Local stand-ins for Google (OAuth 2.0 + Gmail API) and Microsoft (identity platform v2 +
Graph) that speak the real protocols, for integration and browser tests."""

from .google import GoogleEmulator
from .microsoft import MicrosoftEmulator
from .server import FAIL_KINDS, LiveServer, RecordedRequest, SentMessage, running

__all__ = [
    "FAIL_KINDS",
    "GoogleEmulator",
    "LiveServer",
    "MicrosoftEmulator",
    "RecordedRequest",
    "SentMessage",
    "running",
]
