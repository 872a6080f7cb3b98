"""Which mail servers each person may reach: the office's allow-list, and one budget per person
for servers that have not worked for them before, so the panel never becomes a port scanner
(the allow-list itself is webpanel.mailhosts, shared with the Company page).

Send Test, sending and Retry all pass `admit` before connecting (Find folders passes
`admit_new`); a delivery through a server makes it `worked` for that person, as does an IMAP
sign-in that listed the folders, and it never counts again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from webpanel import throttle
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mail.smtp import SmtpConfig
from webpanel.mailbase import MailError
from webpanel.mailhosts import (  # noqa: F401 (the Email tab and the outbox ask here)
    allowed_patterns,
    allowed_words,
    is_allowed,
    normalize,
    not_allowed_message,
)
from webpanel.oauth.tokens import note_sent
from webpanel.settings.models import KnownMailServer

BUCKET = "new-mail-server:{user_id}"


def admit(user_id: int, transport: object) -> None:
    """Let this SMTP connection go, or raise MailError; commits before the network call.

    Other transports (the Gmail and Outlook APIs, the email client) reach fixed services
    and pass untouched.
    """
    config = getattr(transport, "config", None)
    if not isinstance(config, SmtpConfig):
        return
    host = normalize(config.host)
    if not is_allowed(host):
        raise MailError("settings", f"“{config.host}” is not one of the mail servers this office "
                        f"allows ({allowed_words()}).", "Open Email settings → SMTP and enter "
                        "one of them, or ask your administrator.", retryable=False)
    admit_new(user_id, host, config.port)
    db.session.commit()  # no transaction stays open during the network call


def admit_new(user_id: int, host: str, port: int) -> None:
    """Count a server that has not worked for this person against their budget of new servers
    (SMTP or IMAP alike), or raise MailError once it is spent; the caller commits."""
    host = normalize(host)
    if not (_limit_lifted() or _known(user_id, host, port)):
        _spend(user_id, f"{host}:{port}")


def worked(user_id: int, transport: object) -> None:
    """Remember that mail went through this transport's server, and give back what trying it
    cost (the caller commits). For an API, its sign-in notes that it sent."""
    note_sent(transport)
    config = getattr(transport, "config", None)
    if not isinstance(config, SmtpConfig):
        return
    remember(user_id, config.host, config.port)


def remember(user_id: int, host: str, port: int) -> None:
    """This server worked for this person (mail accepted, or an IMAP sign-in that listed the
    folders): it never counts as new again, and trying it costs nothing (the caller commits)."""
    host = normalize(host)[:253]
    throttle.clear(BUCKET.format(user_id=user_id), f"{host}:{port}")
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    statement = dialect.insert(KnownMailServer).values(
        user_id=user_id, host=host, port=port,
        first_worked_at=now, last_worked_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "host", "port"], set_={"last_worked_at": now}))


def _spend(user_id: int, server: str) -> None:
    """Count a new server once per window (the caller commits); refuse once the person's
    budget is spent."""
    cfg = current_app.config
    window = int(cfg["NEW_MAIL_SERVER_WINDOW"])
    bucket = BUCKET.format(user_id=user_id)
    tried = throttle.first_seen(bucket, window)
    if server in tried:
        return
    if len(tried) >= int(cfg["NEW_MAIL_SERVER_LIMIT"]):
        raise _budget_spent(len(tried), window, min(tried.values()))
    throttle.record(bucket, server)


def _budget_spent(count: int, window: int, oldest: datetime) -> MailError:
    wait = oldest + timedelta(seconds=window) - utcnow()
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    servers = "server" if count == 1 else "servers"
    return MailError("connect", f"You tried {count} new mail {servers} in the last "
                     f"{_duration(window)}.", "To keep the office network safe, the panel "
                     "limits how many servers that have not worked for you before it connects "
                     f"to. Try again in {minutes} minute{'s' if minutes != 1 else ''}, check the "
                     "SMTP Server and Port with your provider, or ask your administrator.")


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, seconds // 60)
    return "minute" if minutes == 1 else f"{minutes} minutes"


def known(user_id: int, host: str, port: int) -> bool:
    """Whether mail (or a sign-in) went through this server for this person before."""
    return _known(user_id, normalize(host), port)


def _known(user_id: int, host: str, port: int) -> bool:
    return db.session.scalar(select(KnownMailServer.id).where(
        KnownMailServer.user_id == user_id, KnownMailServer.host == host,
        KnownMailServer.port == port)) is not None


def _limit_lifted() -> bool:
    """No limit when it is set to 0, nor for administrators (they set up the office's mail)."""
    if int(current_app.config["NEW_MAIL_SERVER_LIMIT"]) <= 0:
        return True
    return bool(has_request_context() and current_user.is_authenticated
                and current_user.is_admin)
