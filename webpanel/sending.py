"""The ways of sending, in one registry: SMTP Server, Email Client, Gmail API, Outlook API.

Everything that differs between them is said once, here: the words a person reads, the status
a message ends in, what must be set up first, and where its transport comes from. Like Django's
`get_connection`, a method names its transport factory by dotted path and imports it only when
a message is sent, so this module stays importable from models and forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.utils import import_string

from webpanel.mailbase import MailError

if TYPE_CHECKING:
    from webpanel.mailbase import Transport
    from webpanel.settings.models import EmailSettings


@dataclass(frozen=True)
class Method:
    """One way of sending, as the Email tab, the Email dialog and Sent mail speak of it."""

    name: str  # stored in email_settings.send_using and messages.method
    label: str  # the "Send Mail Using" choice
    short: str  # Sent mail's Method column
    note: str  # the Email dialog's line about what Send does ({server}, {account})
    success: str  # a message's status once the transport accepted it
    factory: str  # "module:function" taking EmailSettings, returning a Transport
    needs: str = ""  # "server" (SMTP settings) or "sign-in" (an OAuth account)
    provider: str = ""  # the OAuth provider of an API ("google", "microsoft")
    tab: str = ""  # the Email sub-tab that sets it up
    carrier: str = ""  # how a sentence names what carries the message ("the Outlook API")
    #: Whether an address with accents before the @ can be a recipient (None: the server says).
    international_recipients: bool | None = None
    #: Whether its own network carries the message (an unexpected error may have sent it).
    network: bool = True
    #: Whose own Sent folder already gets a copy of each message ("Gmail"), if anyone's.
    keeps_sent_copy: str = ""
    #: Whether a copy goes to the person's Sent folder by IMAP after it is sent.
    imap_copy: bool = False
    send_button: str = "Send"

    @property
    def is_api(self) -> bool:
        """Gmail API or Outlook API: sends through a signed-in account."""
        return self.needs == "sign-in"

    def transport(self, settings: EmailSettings) -> Transport:
        """This method's transport for a person's settings; raises MailError if not set up."""
        build: Callable[[EmailSettings], Transport] = import_string(self.factory)
        return build(settings)


SMTP = Method(
    "smtp", "SMTP Server", "SMTP", "Sends now through your SMTP server ({server}).", "sent",
    "webpanel.settings.services:smtp_transport", needs="server", tab="smtp", imap_copy=True)
CLIENT = Method(
    "client", "Email Client", "Email client",
    "Downloads a draft (.eml) with the PDF attached: open it in your email program (Outlook, "
    "Apple Mail, Thunderbird), check it and press Send there.", "handed_off",
    "webpanel.mail.transports:client_handoff", tab="smtp", network=False,
    send_button="Download draft")
GMAIL = Method(
    "gmail", "Gmail API", "Gmail API", "Sends now through Gmail as {account}.", "sent",
    "webpanel.settings.services:gmail_transport", needs="sign-in", provider="google",
    tab="gmail", carrier="Gmail", international_recipients=True, keeps_sent_copy="Gmail")
OUTLOOK = Method(
    "outlook", "Outlook API", "Outlook API", "Sends now through Outlook as {account}.", "sent",
    "webpanel.settings.services:outlook_transport", needs="sign-in", provider="microsoft",
    tab="outlook", carrier="the Outlook API", international_recipients=False,
    keeps_sent_copy="Microsoft")

METHODS: dict[str, Method] = {m.name: m for m in (SMTP, CLIENT, GMAIL, OUTLOOK)}
#: The methods offered on every SMTP tab; the APIs join once their tab is signed in.
ALWAYS_OFFERED = (SMTP, CLIENT)
APIS: dict[str, Method] = {m.name: m for m in METHODS.values() if m.is_api}
LABELS: dict[str, str] = {m.name: m.short for m in METHODS.values()}


def get(name: str) -> Method:
    """The method stored as `name`; KeyError for a name the panel does not know."""
    return METHODS[name]


def api_for(provider: str) -> Method:
    """The API method that sends through `provider`'s accounts ("google" → Gmail API)."""
    return next(m for m in APIS.values() if m.provider == provider)


def transport_for(settings: EmailSettings, name: str | None = None) -> Transport:
    """The transport for `name` (default: the person's "Send Mail Using")."""
    method = METHODS.get(name or settings.send_using)
    if method is None:  # never a silent fallback to another way of sending
        raise MailError("settings", "The saved way of sending is not one the panel knows.",
                        "Open Email settings → SMTP, choose under Send Mail Using and save, "
                        "then Retry.", retryable=False)
    return method.transport(settings)
