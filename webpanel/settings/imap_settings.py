"""Each person's IMAP settings: load, save, and the one place that hands out an IMAP password.

A password typed for IMAP is sealed (``settings.binding``, purpose "imap") to the IMAP server,
port, user name, security and certificate check it was saved with, and used only with those.

"The same user name and password as SMTP" uses the SMTP password only where it may go: the IMAP
server is the very host the SMTP password was sealed for, with the same user name, the
certificate check on unless it was off for SMTP too, and encryption on unless SMTP had none.
Anywhere else (imap.example.com beside smtp.example.com) the person types the password again,
and it is sealed to the IMAP server. On top of that, the SMTP password goes only to the IMAP
endpoint its owner saved themselves (``grant``): an administrator's change turns the reuse off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from webpanel.crypto import SecretUnreadable
from webpanel.extensions import db
from webpanel.mail import imap
from webpanel.mail.imap import ImapConfig
from webpanel.mailbase import MailError
from webpanel.settings import binding
from webpanel.settings import imap_grant as grant
from webpanel.settings import services as settings_services
from webpanel.settings.binding import Target, normalize_host
from webpanel.settings.models import EmailSettings, ImapSettings

PURPOSE = "imap"
MESSAGE_MARGIN = 1024 * 1024  # one FETCH may bring the largest message the panel sends, and this
FIELDS = ("enabled", "host", "port", "security", "allow_self_signed", "same_as_smtp",
          "username", "folder")


def load(user_id: int) -> ImapSettings:
    """A person's IMAP settings, or fresh defaults (off; SSL; same sign-in as SMTP)."""
    row = db.session.get(ImapSettings, user_id)
    if row is not None:
        return row
    return ImapSettings(user_id=user_id, enabled=False, host="", port=None, security="ssl",
                        allow_self_signed=False, same_as_smtp=True, username="", folder="")


def target_of(values: Mapping[str, Any], smtp: EmailSettings | None) -> Target:
    """Where IMAP values (saved or in a form: host, port, ...) would sign in."""
    security = values.get("security") or "ssl"
    return Target(host=normalize_host(values.get("host") or ""),
                  port=int(values.get("port") or imap.DEFAULT_PORTS.get(security, 993)),
                  username=username_of(values, smtp), security=security,
                  verified=not values.get("allow_self_signed"))


def username_of(values: Mapping[str, Any], smtp: EmailSettings | None) -> str:
    """The IMAP user name: the SMTP one under "same as SMTP", else the one typed."""
    if values.get("same_as_smtp"):
        return (smtp.smtp_username if smtp else "").strip()
    return (values.get("username") or "").strip()


def saved_values(row: ImapSettings) -> dict[str, Any]:
    """The saved settings as form-like values."""
    return {name: getattr(row, name) for name in FIELDS}


def smtp_password_may_go(smtp_bound: Target, target: Target) -> bool:
    """Whether the SMTP password, sealed to `smtp_bound`, may be used to sign in at `target`."""
    return (bool(target.host) and target.host == smtp_bound.host
            and target.username == smtp_bound.username
            and (target.verified or not smtp_bound.verified)
            and (target.security != "none" or smtp_bound.security == "none"))


def smtp_password_for(smtp: EmailSettings | None, target: Target) -> str | None:
    """The stored SMTP password if it may go to `target`, else None (also when unreadable)."""
    if smtp is None or not smtp.smtp_password_enc:
        return None
    try:
        password, bound = binding.unseal(smtp.smtp_password_enc,
                                         settings_services.saved_target(smtp))
    except SecretUnreadable:
        return None
    return password if smtp_password_may_go(bound, target) else None


def stored_password_for(row: ImapSettings, target: Target) -> str | None:
    """The password typed for IMAP, if it is sealed to `target`; else None.

    Raises SecretUnreadable when the stored value cannot be read.
    """
    if not row.password_enc:
        return None
    password, bound = binding.unseal(row.password_enc, target, PURPOSE)
    return None if target.changes_from(bound) else password


def password_for(row: ImapSettings, smtp: EmailSettings | None, values: Mapping[str, Any],
                 typed: str = "", confirmed: bool = False) -> str | None:
    """The password for IMAP `values`: typed, else the IMAP one, else SMTP's where allowed:
    at the endpoint its owner saved, or at `values` when the owner `confirmed` them just now
    (their own Save or Find folders)."""
    if typed:
        return typed
    target = target_of(values, smtp)
    try:
        stored = stored_password_for(row, target)
    except SecretUnreadable:
        stored = None
    if stored is None and values.get("same_as_smtp"):
        if confirmed or grant.allows(row, target):
            return smtp_password_for(smtp, target)
    return stored


def config_from(values: Mapping[str, Any], smtp: EmailSettings | None,
                password: str) -> ImapConfig:
    """An ImapConfig for these values, with the mail deadline for the whole visit."""
    target = target_of(values, smtp)
    seconds = float(current_app.config["MAIL_TIMEOUT"])
    return ImapConfig(host=target.host, port=target.port, security=target.security,
                      username=target.username, password=password, timeout=seconds,
                      deadline=seconds, allow_self_signed=not target.verified,
                      upload=settings_services.upload_allowance(),
                      max_message=int(current_app.config["MAIL_MAX_BYTES"]) + MESSAGE_MARGIN)


def imap_config_for(user_id: int) -> ImapConfig | None:
    """The person's saved, usable IMAP config, or None when IMAP is off, not set up, or has
    no password it may use (none stored, unreadable, or bound elsewhere)."""
    row = db.session.get(ImapSettings, user_id)
    if row is None or not row.enabled or not row.host:
        return None
    smtp = db.session.get(EmailSettings, user_id)
    values = saved_values(row)
    password = password_for(row, smtp, values)
    if not password or not target_of(values, smtp).username:
        return None
    return config_from(values, smtp, password)


def grant_refusal(user_id: int) -> MailError | None:
    """Why the saved settings get no password when only the owner's grant is missing (the
    SMTP password would otherwise go there), or None."""
    row = db.session.get(ImapSettings, user_id)
    if row is None or not row.same_as_smtp:
        return None
    smtp, values = db.session.get(EmailSettings, user_id), saved_values(row)
    target = target_of(values, smtp)
    if password_for(row, smtp, values) or not password_for(row, smtp, values, confirmed=True):
        return None
    return grant.refusal(grant.changes(row, target))


def folder_for(user_id: int) -> str | None:
    """The folder chosen for copies, or None: the server's \\Sent folder."""
    row = db.session.get(ImapSettings, user_id)
    return row.folder if row is not None and row.folder else None


def password_state(row: ImapSettings, smtp: EmailSettings | None) -> str:
    """What the section may say about the IMAP password: "stored" (typed for IMAP), "smtp"
    (SMTP's is used), "unconfirmed" (SMTP's would go here, but its owner did not save these
    settings), "elsewhere" (same as SMTP, but SMTP's may not go here), "unreadable", or
    "none"."""
    values = saved_values(row)
    target = target_of(values, smtp)
    try:
        if stored_password_for(row, target) is not None:
            return "stored"
    except SecretUnreadable:
        return "unreadable"
    if not values["same_as_smtp"]:
        return "none"
    if not smtp_password_for(smtp, target):
        return "elsewhere"
    return "smtp" if grant.allows(row, target) else "unconfirmed"


def save(row: ImapSettings, values: Mapping[str, Any], smtp: EmailSettings | None,
         typed: str = "", own: bool = False) -> None:
    """Store the IMAP section; a typed password is sealed to this IMAP server, a blank one
    keeps the stored one (used only if the server, user and security still match). Only the
    owner's own save (`own`) lets their SMTP password serve the endpoint saved."""
    if own:
        same = values.get("same_as_smtp")
        grant.give(row, target_of(values, smtp) if same else None)
    else:
        grant.freeze(row, target_of(saved_values(row), smtp))
    for name in FIELDS:
        setattr(row, name, values.get(name))
    row.host = normalize_host(row.host or "")
    row.username = (row.username or "").strip()
    row.folder = row.folder or ""
    if typed:
        row.password_enc = binding.seal(typed, target_of(values, smtp), PURPOSE)
    db.session.add(row)
    db.session.commit()


def clear_password(row: ImapSettings) -> None:
    """Forget the password typed for IMAP."""
    row.password_enc = None
    db.session.add(row)
    db.session.commit()
