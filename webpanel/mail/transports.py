"""The email-client hand-off: the transport that gives the message to the person's own program."""

from __future__ import annotations

from webpanel.mailbase import MailError, Outgoing, SendResult

HANDED_OFF = "Handed to your email client as a draft."


class EmailClientHandoff:
    """"Sends" by handing a draft to the person's own email program: no network at all."""

    def send(self, outgoing: Outgoing) -> SendResult:
        """Accept the draft; the browser downloads the stored bytes as an .eml file."""
        if not outgoing.data:
            raise MailError("message", "The draft is empty.", "Close the dialog and try again.")
        return SendResult(reply=HANDED_OFF)


def client_handoff(settings: object) -> EmailClientHandoff:
    """The hand-off needs nothing from a person's settings (the registry's factory)."""
    return EmailClientHandoff()
