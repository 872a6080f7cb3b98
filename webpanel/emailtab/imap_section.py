"""What the "Sent folder copy (IMAP)" section shows and checks: the provider note, the
password rules in words, Find folders, and the field each problem belongs to."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from webpanel import sending
from webpanel.company import services as company_services
from webpanel.crypto import SecretUnreadable
from webpanel.emailtab.forms import ImapForm, form_for
from webpanel.extensions import db
from webpanel.mail import imap
from webpanel.mail.imap import Folder, ImapConfig
from webpanel.mailbase import MailError
from webpanel.settings import binding, servers
from webpanel.settings import imap_grant as grant
from webpanel.settings import imap_settings as services
from webpanel.settings import services as settings_services
from webpanel.settings.models import EmailSettings, ImapSettings

CLIENT_NOTE = "Your email program files its own copy in Sent when it sends."
ADMIN_TYPE_PASSWORD = ("Type the IMAP password: an administrator never uses the password "
                       "stored for this person.")
#: Which field an IMAP failure belongs to, by the step that failed.
STEP_FIELDS = {"connect": "host", "tls": "host", "greeting": "host", "sign-in": "password"}
LABELS = {"enabled": "Sent folder copy", "host": "IMAP Server", "port": "IMAP Port",
          "security": "IMAP Security", "allow_self_signed": "IMAP self-signed certificate",
          "same_as_smtp": "IMAP same sign-in as SMTP", "username": "IMAP User Name",
          "folder": "Folder for copies"}


def provider_note(smtp: EmailSettings) -> str | None:
    """Why the section is off (the provider or the email program keeps a copy), or None."""
    if smtp.send_using == sending.CLIENT.name:
        return CLIENT_NOTE
    return imap.provider_copy(smtp.send_using, smtp.smtp_server or "")


def context(user_id: int, form: ImapForm | None = None, row: ImapSettings | None = None,
            **extra: Any) -> dict[str, Any]:
    """Everything the section's template needs (`row`: the person's IMAP settings, when the
    caller has read them already)."""
    smtp, row = settings_services.load(user_id), row or services.load(user_id)
    if form is None:
        form = form_for(row)
        office_start(form, row)
    form.offer_folders(extra.pop("folders", None) or [])
    state, own = services.password_state(row, smtp), _is_owner(user_id)
    return {"imap_form": form, "imap_note": provider_note(smtp), "imap_saved": False,
            "imap_expanded": False, "imap_found": None, "imap_notice": None,
            "imap_password_state": state, "imap_own": own,
            "imap_grant_note": grant_note(row, smtp, own) if state == "unconfirmed" else None,
            "imap_smtp_host": binding.normalize_host(smtp.smtp_server or ""),
            "imap_find_errors": {}, **extra}


def office_start(form: ImapForm, row: ImapSettings) -> None:
    """The office's IMAP server (Company page) as the starting value of someone with none
    saved; nothing is saved (and the copy stays off) until they turn it on and Save."""
    office = company_services.office_mail()
    if row.host or not office.imap_host:
        return
    form.imap_host.data, form.imap_port.data = office.imap_host, office.imap_port
    form.imap_security.data = office.imap_security


def _is_owner(user_id: int) -> bool:
    """Whether the person looking at the section is the one it belongs to."""
    return current_user.is_authenticated and current_user.id == user_id


def grant_note(row: ImapSettings, smtp: EmailSettings, own: bool) -> str:
    """Why the SMTP password does not serve the saved IMAP settings, and what to do: for the
    owner what changed since they saved, for an administrator who can lift it."""
    if not own:
        return grant.ADMIN_NOTE
    target = services.target_of(services.saved_values(row), smtp)
    return grant.owner_note(grant.changes(row, target))


def problems(form: ImapForm, row: ImapSettings, smtp: EmailSettings) -> dict[str, str]:
    """Field name → what to say, beyond the form's own checks, when saving."""
    values = form.values()
    if not values["enabled"]:
        return {}
    found: dict[str, str] = {}
    if values["same_as_smtp"] and not (smtp.smtp_username or "").strip():
        found["imap_same_as_smtp"] = ("Your SMTP settings have no user name yet: untick this "
                                      "and enter the IMAP user name, or fill in SMTP first.")
    elif not form.imap_password.data and not services.password_for(row, smtp, values,
                                                                   confirmed=True):
        found["imap_password"] = password_missing(row, smtp, values)
    return found


def password_missing(row: ImapSettings, smtp: EmailSettings, values: dict[str, Any]) -> str:
    """Why no stored password may be used for these IMAP values, in words."""
    target = services.target_of(values, smtp)
    if row.password_enc:
        try:
            _, bound = binding.unseal(row.password_enc, target, services.PURPOSE)
        except SecretUnreadable:
            return "The stored IMAP password can no longer be read: enter it again."
        changed = target.changes_from(bound)
        if changed:
            return binding.mismatch_message(changed) + "."
    if values["same_as_smtp"] and smtp.smtp_password_enc:
        host = binding.normalize_host(smtp.smtp_server or "")
        return (f"Your SMTP password is used only with {host}, as saved for SMTP (same user "
                "name, encrypted, certificate checked): type the password for this IMAP "
                "server here. It is kept for this IMAP server only.")
    return "Enter the IMAP password."


def apply(form: ImapForm, found: dict[str, str]) -> None:
    """Put each problem at its field."""
    for name, message in found.items():
        field = getattr(form, name)
        field.errors = [*field.errors, message]


def changed_labels(before: dict[str, Any], row: ImapSettings, typed: bool) -> list[str]:
    """Labels of what a save changed (for an administrator's changes), never values."""
    after = services.saved_values(row)
    return [LABELS[name] for name in LABELS if before[name] != after[name]] + \
        ["IMAP Password"] * typed


def probe_password(form: ImapForm, row: ImapSettings, smtp: EmailSettings,
                   own: bool) -> tuple[str | None, str | None]:
    """(password, None) for Find folders, or (None, what to say at the Password field).
    An administrator's probe uses only a typed password; the owner's confirms the values."""
    typed = form.imap_password.data or ""
    if typed:
        return typed, None
    if not own:
        return None, ADMIN_TYPE_PASSWORD
    password = services.password_for(row, smtp, form.values(), confirmed=True)
    if password:
        return password, None
    return None, password_missing(row, smtp, form.values())


def admit(user_id: int, config: ImapConfig) -> None:
    """Let a probe of this IMAP server go, or raise MailError: the office's allow-list and the
    person's budget of new servers (as for SMTP, so Find folders is no port scanner); commits
    before the network call."""
    if not servers.is_allowed(config.host):
        raise MailError("connect", f"This office uses only the mail servers "
                        f"{servers.allowed_words()}.", "Enter one of those.", retryable=False)
    servers.admit_new(user_id, config.host, config.port)
    db.session.commit()


def find_errors(error: MailError) -> dict[str, str]:
    """A failed Find folders, at its field: server, password, or folder."""
    words = f"{error.reason} {error.hint}"
    return {STEP_FIELDS.get(error.step, "folder"): words}


def folder_choices(folders: list[Folder]) -> list[tuple[str, str]]:
    """(name, label) for the folder list, the Sent folder marked."""
    return [(f.name, f.label + (" (Sent)" if f.is_sent else "")) for f in folders]
