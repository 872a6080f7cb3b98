"""What an administrator changed on a colleague's Email tab: shown to that colleague until they
dismiss it, and written to the "webpanel.audit" log. Field names only, never values."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update

from webpanel.auth.models import User
from webpanel.extensions import db
from webpanel.settings.models import EmailSettings, SettingsChange

log = logging.getLogger("webpanel.audit")
SHOWN = 10
FIELD_LABELS = {
    "display_name": "Email Display Name", "address": "Email Address",
    "auto_bcc_self": "Auto BCC Self", "signature": "Signature", "reply_to": "Reply-To",
    "send_using": "Send Mail Using", "smtp_server": "SMTP Server", "smtp_username": "User Name",
    "smtp_port": "Port", "smtp_security": "Security",
    "allow_self_signed": "Allow self-signed certificate",
}


def snapshot(settings: EmailSettings) -> dict[str, Any]:
    """The values a change is measured against (taken before saving)."""
    return {name: getattr(settings, name) for name in FIELD_LABELS}


def changed(before: dict[str, Any], settings: EmailSettings) -> list[str]:
    """Labels of the fields whose saved value differs from `before`."""
    return [label for name, label in FIELD_LABELS.items()
            if before[name] != getattr(settings, name)]


def record(owner: User, actor: User, fields: list[str]) -> None:
    """Note an administrator's change to someone else's tab; one's own changes are not noted."""
    if owner.id == actor.id or not fields:
        return
    db.session.add(SettingsChange(user_id=owner.id, changed_by_id=actor.id,
                                  changed_by_email=actor.email, fields="; ".join(fields)))
    db.session.commit()
    log.info("administrator %s (user %s) changed the Email settings of %s (user %s): %s",
             actor.email, actor.id, owner.email, owner.id, ", ".join(fields))


def pending(user_id: int) -> list[SettingsChange]:
    """The changes this person has not dismissed yet, newest first."""
    return list(db.session.scalars(
        select(SettingsChange).where(SettingsChange.user_id == user_id,
                                     SettingsChange.dismissed.is_(False))
        .order_by(SettingsChange.changed_at.desc(), SettingsChange.id.desc()).limit(SHOWN)))


def dismiss(user_id: int) -> None:
    """Hide every change shown to this person."""
    db.session.execute(update(SettingsChange).where(SettingsChange.user_id == user_id)
                       .values(dismissed=True))
    db.session.commit()
