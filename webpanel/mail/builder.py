"""The one message builder: every message the panel sends is made here.

Every text part is 7-bit clean (quoted-printable where it is not plain ASCII), so no server is
ever handed 8-bit data it did not offer to take (RFC 6152) and the recorded bytes are what
any server gets, on Retry too. Domains go out in IDNA form; only a message with an address
that has accents before the @ is written with UTF-8 headers (RFC 6532), for SMTPUTF8.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, localtime, make_msgid

from webpanel.mail.international import any_needs_smtputf8, wire_address
from webpanel.mailbase import MailError, Outgoing
from webpanel.validators import LINE_BREAKS, unsafe_character

SIGNATURE_SEPARATOR = "-- "
SEVEN_BIT = SMTP.clone(cte_type="7bit")
SEVEN_BIT_UTF8 = SEVEN_BIT.clone(utf8=True)


@dataclass
class MessageRejected(MailError):
    """The message cannot be built safely (a control character in a header, an address that
    is not one); `form_field` names the field to correct."""

    form_field: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Draft:
    """Everything a person chose for one message, before it becomes MIME."""

    from_name: str
    from_address: str
    to: list[str]
    subject: str
    text: str
    signature: str = ""
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    reply_to: str = ""


def build(draft: Draft, for_email_client: bool = False) -> Outgoing:
    """Build a multipart/alternative message (plus attachments) and its envelope.

    For the email-client hand-off the message is a draft: `X-Unsent: 1` makes Outlook, Apple
    Mail and Thunderbird open it ready to send, and Bcc stays a header for the client to use.
    Raises MessageRejected when a header value cannot be sent safely.
    """
    _refuse_unsafe(draft)
    wire = _Wire.of(draft)
    shown_bcc = wire.bcc if for_email_client else []
    utf8 = any_needs_smtputf8([wire.sender, *wire.to, *wire.cc, wire.reply_to, *shown_bcc])
    message = EmailMessage(policy=SEVEN_BIT_UTF8 if utf8 else SEVEN_BIT)
    if for_email_client:
        message["X-Unsent"] = "1"
    _set_headers(message, draft, wire)
    text = body_text(draft.text, draft.signature)
    message.set_content(text, cte=_cte(text))
    message.add_alternative(body_html(text), subtype="html", cte=_cte(body_html(text)))
    for item in draft.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(
            item.data, maintype=maintype, subtype=subtype, filename=item.filename
        )
    if shown_bcc:
        message["Bcc"] = [_address(a) for a in shown_bcc]
    recipients = tuple(dict.fromkeys([*wire.to, *wire.cc, *wire.bcc]))
    return Outgoing(data=message.as_bytes(), sender=wire.sender, recipients=recipients,
                    bcc=tuple(wire.bcc))


@dataclass(frozen=True)
class _Wire:
    """A draft's addresses as they are sent (domains in IDNA form)."""

    sender: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    reply_to: str

    @classmethod
    def of(cls, draft: Draft) -> _Wire:
        return cls(sender=_wire(draft.from_address, "address"), to=_wire_all(draft.to, "to"),
                   cc=_wire_all(draft.cc, "cc"), bcc=_wire_all(draft.bcc, "bcc"),
                   reply_to=_wire(draft.reply_to, "reply_to") if draft.reply_to else "")


def _set_headers(message: EmailMessage, draft: Draft, wire: _Wire) -> None:
    message["From"] = _address(wire.sender, draft.from_name)
    message["To"] = [_address(a) for a in wire.to]
    if wire.cc:
        message["Cc"] = [_address(a) for a in wire.cc]
    if wire.reply_to:
        message["Reply-To"] = _address(wire.reply_to)
    message["Subject"] = draft.subject
    message["Date"] = format_datetime(localtime())
    message["Message-ID"] = make_msgid(domain=wire.sender.rpartition("@")[2] or None)


def body_text(text: str, signature: str) -> str:
    """The plain-text body: the message, then the signature after the standard separator."""
    text = text.rstrip()
    if signature.strip():
        text = f"{text}\n\n{SIGNATURE_SEPARATOR}\n{signature.strip()}"
    return text + "\n"


def body_html(text: str) -> str:
    """The HTML alternative: the same text, escaped, paragraphs kept."""
    paragraphs = "".join(
        f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in text.split("\n\n")
    )
    return f'<!DOCTYPE html><html><body style="font-family:sans-serif">{paragraphs}</body></html>'


def _cte(text: str) -> str | None:
    """7bit for short ASCII lines (the package's own choice), else quoted-printable."""
    fits = text.isascii() and all(len(line) <= SEVEN_BIT.max_line_length
                                  for line in text.splitlines())
    return None if fits else "quoted-printable"


def _address(address: str, display_name: str = "") -> Address:
    """A header address; built from its parts, since the email package refuses to parse a
    local part with accents (it writes it as UTF-8 under the SMTPUTF8 policy)."""
    local, _, domain = address.rpartition("@")
    return Address(display_name=display_name, username=local, domain=domain)


def _wire(address: str, form_field: str) -> str:
    try:
        return wire_address(address)
    except ValueError:
        step = "sender" if form_field == "address" else "recipient"
        raise MessageRejected(step, f"{address[:80]} is not an email address.",
                              "Correct the address, then send again.", retryable=False,
                              form_field=form_field) from None


def _wire_all(addresses: list[str], form_field: str) -> list[str]:
    return list(dict.fromkeys(_wire(a, form_field) for a in addresses))


def _header_values(draft: Draft) -> list[tuple[str, str, list[str]]]:
    """(form field, how a message names it, the draft's values) for every header value."""
    return [
        ("display_name", "Your Email Display Name (Email settings → General)", [draft.from_name]),
        ("address", "Your Email Address (Email settings → General)", [draft.from_address]),
        ("subject", "The subject", [draft.subject]),
        ("to", "The To field", draft.to), ("cc", "The Cc field", draft.cc),
        ("bcc", "The Bcc field", draft.bcc), ("reply_to", "The reply address", [draft.reply_to]),
        ("files", "An attached file's name", [a.filename for a in draft.attachments]),
    ]


def _refuse_unsafe(draft: Draft) -> None:
    """Refuse any header value with a line break or another control character (it may come
    from data saved before such characters were refused, or from a filled-in template)."""
    for form_field, label, values in _header_values(draft):
        for value in values:
            character = unsafe_character(value or "")
            if character is not None:
                raise MessageRejected(
                    "message", f"{label} contains {_describe(character)}, which cannot go in "
                    "an email header.", "Correct it, then send again.", retryable=False,
                    form_field=form_field)


def _describe(character: str) -> str:
    if character in LINE_BREAKS:
        return "a line break"
    if character == "\t":
        return "a tab"
    return f"an invisible control character (U+{ord(character):04X})"
