"""International addresses: what goes on the wire, and who can carry them.

A domain with accents (``user@exämple.net``) travels everywhere as its IDNA form
(``user@xn--exmple-cua.net``), so it needs nothing special from any server. A local part with
accents (``josé@example.net``) needs SMTPUTF8 (RFC 6531) end to end, and headers written as
UTF-8 (RFC 6532). Gmail sends to such addresses (announced in 2014). Google and Microsoft give
their own accounts no such address (Microsoft 365 sends to them but cannot have one), so neither
API sends from one; and Microsoft documents nothing about them in MIME sent through Graph, so
the panel's Outlook API sends to none either.
"""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

from webpanel import sending
from webpanel.mailbase import MailError, Outgoing

ADVICE = ("Use an address without accents or other non-ASCII letters before the @, or send "
          "through a provider that supports international addresses.")


def wire_address(address: str) -> str:
    """The address as it is sent: a non-ASCII domain in IDNA (xn--) form, the local part kept.

    Raises ValueError for something that is not an address at all.
    """
    if address.isascii():
        return address
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{address[:80]} is not an email address.") from exc
    return f"{checked.local_part}@{checked.ascii_domain}"


def needs_smtputf8(address: str) -> bool:
    """Whether an address (in wire form) has non-ASCII letters before its @."""
    return not address.rpartition("@")[0].isascii()


def any_needs_smtputf8(addresses: Iterable[str]) -> bool:
    """Whether any of the addresses needs SMTPUTF8."""
    return any(needs_smtputf8(address) for address in addresses)


def sender_not_carried(address: str, by: str, why: str = "") -> MailError:
    """The sender's own address has accents before the @ and `by` cannot send from it."""
    return MailError("sender", f"Your Email Address {address} has accents or other non-ASCII "
                     f"letters before the @, and {by} cannot send from such an address{why}.",
                     ADVICE, retryable=False)


def recipient_not_carried(address: str, by: str, why: str = "") -> MailError:
    """A recipient has accents before the @ and `by` cannot send to such an address."""
    return MailError("recipient", f"The address {address} has accents or other non-ASCII "
                     f"letters before the @, and {by} cannot send to such an address{why}.",
                     "Ask for an address without accents, or send through a provider that "
                     "supports international addresses (Gmail does).", retryable=False)


def check_carried(outgoing: Outgoing, by: str, recipients_ok: bool, why: str = "") -> None:
    """Refuse, before any network call, an international address that `by` cannot carry."""
    if needs_smtputf8(outgoing.sender):
        raise sender_not_carried(outgoing.sender, by, why)
    if recipients_ok:
        return
    for recipient in outgoing.recipients:
        if needs_smtputf8(recipient):
            raise recipient_not_carried(recipient, by, why)


def recipient_refusal(method: str, address: str) -> MailError | None:
    """Why `method` cannot send to `address`, or None when it can (SMTP is only known when
    the server answers; the registry says what each API carries)."""
    known = sending.METHODS.get(method)
    if known is None or known.international_recipients is not False:
        return None
    return recipient_not_carried(address, known.carrier) if needs_smtputf8(address) else None


def check_api(method: str, outgoing: Outgoing) -> None:
    """What the Gmail API and Microsoft Graph accept: Gmail sends to international addresses,
    Graph (as the panel uses it) to none; neither sends from one."""
    known = sending.METHODS.get(method)
    if known is not None and known.is_api:
        check_carried(outgoing, known.carrier, bool(known.international_recipients))
