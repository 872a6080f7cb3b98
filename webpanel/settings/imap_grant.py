"""Where a person allowed their SMTP password to serve IMAP (SECURITY.md item 37).

"The same user name and password as SMTP" hands the SMTP password to an IMAP server only at the
endpoint (server, port, security, certificate check, user name) its owner saved, or typed into
Find folders themselves. An administrator may change those fields for a colleague, but then the
reuse stays off until the owner saves the section (or types the password): a colleague's
password never follows someone else's choice of server or port. The endpoint is sealed like a
password (binding purpose "imap-grant"), so an edit of the database cannot move it either.

Rows saved before grants existed (``smtp_grant_legacy``) keep the old rule only on the standard
IMAP port for their security (993 with SSL, 143 otherwise), where nobody can have sent them to
a listener of their own, and only until someone saves the section.
"""

from __future__ import annotations

from webpanel.crypto import SecretUnreadable
from webpanel.mail import imap
from webpanel.mailbase import MailError
from webpanel.settings import binding
from webpanel.settings.binding import Target
from webpanel.settings.models import ImapSettings

PURPOSE = "imap-grant"
NOWHERE = Target(host="", port=0, username="", security="none")
TO_DO = "Check the settings below and press Save Sent folder copy to use it here again."
HINT = ("Open Email settings → SMTP, check the Sent folder copy section and press Save Sent "
        "folder copy, then Retry copy.")


def seal(target: Target) -> str:
    """The stored form of a grant: the endpoint alone, encrypted (it holds no password)."""
    return binding.seal("", target, PURPOSE)


def granted(row: ImapSettings) -> Target | None:
    """The endpoint the owner allowed, or None (none given, or no longer readable)."""
    if not row.smtp_grant_enc:
        return None
    try:
        return binding.unseal(row.smtp_grant_enc, NOWHERE, PURPOSE)[1]
    except SecretUnreadable:
        return None


def legacy_allows(row: ImapSettings, target: Target) -> bool:
    """A row from before grants, at the standard IMAP port for its security."""
    return bool(row.smtp_grant_legacy) and target.port == imap.DEFAULT_PORTS.get(target.security)


def changes(row: ImapSettings, target: Target) -> list[str] | None:
    """What differs from the allowed endpoint, in words ([]: allowed); None: none allowed."""
    if legacy_allows(row, target):
        return []
    allowed = granted(row)
    return None if allowed is None else target.changes_from(allowed)


def allows(row: ImapSettings, target: Target) -> bool:
    """Whether the owner allowed their SMTP password at `target`."""
    return changes(row, target) == []


def give(row: ImapSettings, target: Target | None) -> None:
    """The owner saved: allow `target` alone (None when they do not reuse the SMTP password)."""
    row.smtp_grant_enc = seal(target) if target is not None else None
    row.smtp_grant_legacy = False


def freeze(row: ImapSettings, saved: Target) -> None:
    """Someone else saves: a row from before grants keeps only what it was allowed, its saved
    endpoint if that is on the standard port, as a sealed grant."""
    if row.smtp_grant_legacy:
        give(row, saved if row.same_as_smtp and legacy_allows(row, saved) else None)


def what_happened(changed: list[str]) -> str:
    """ "An administrator changed the IMAP port", from the words of `Target.changes_from`."""
    named = [word for word in changed if word not in ("user name", "certificate check")]
    acts = [f"changed the IMAP {binding.join_words(named)}"] if named else []
    if "certificate check" in changed:
        acts.append("turned off the IMAP certificate check")
    parts = [f"an administrator {' and '.join(acts)}"] if acts else []
    if "user name" in changed:
        parts.append("your SMTP user name changed")
    text = " and ".join(parts)
    return text[:1].upper() + text[1:]


def owner_note(changed: list[str] | None) -> str:
    """What the owner reads on their tab while their SMTP password may not serve IMAP."""
    if changed:
        return (f"{what_happened(changed)} since you last saved this section, so your SMTP "
                f"password is not used for IMAP and copies to your Sent folder fail. {TO_DO}")
    return ("Your SMTP password is used for IMAP only at a server and port you saved yourself, "
            "so copies to your Sent folder fail until you confirm these settings. " + TO_DO)


ADMIN_NOTE = ("This person's SMTP password is not used at these IMAP settings until they save "
              "this section themselves (or you type their IMAP password); until then copies to "
              "their Sent folder fail.")


def refusal(changed: list[str] | None) -> MailError:
    """Why a copy did not sign in with the SMTP password, and what to do."""
    if changed:
        reason = (f"{what_happened(changed)} in your Sent folder copy settings, so the panel "
                  "did not use your SMTP password there.")
    else:
        reason = ("The panel uses your SMTP password for IMAP only at a server and port you "
                  "saved yourself, and you have not saved these.")
    return MailError("sign-in", reason, HINT, retryable=False)

