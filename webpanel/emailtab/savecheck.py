"""Save tries the settings: once the SMTP tab is saved (committed), the panel connects, secures
the connection, signs in and says QUIT, sending nothing (no MAIL FROM), within Send Test's
limits (the office's allow-list, the budget of new servers, as many checks per window as tests)
and its total deadline. The result goes to the person's SMTP health record in a second short
transaction.

A stored password goes only with the saved settings it is bound to; an administrator's Save
signs in only with a password typed now, never the colleague's stored one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from webpanel import sending, throttle
from webpanel.auth.models import User
from webpanel.emailtab.forms import SmtpForm
from webpanel.extensions import db
from webpanel.mail.unexpected import LOG_NOTE
from webpanel.mailbase import MailError
from webpanel.settings import servers, services, smtp_health
from webpanel.transactions import release, writing

log = logging.getLogger("webpanel.savecheck")
#: Save's checks count on their own, with Send Test's limit and window: a person who saves a few
#: times while fixing a setting can still press Send Test (each has its own N per window).
BUCKET = "save-check"


@dataclass(frozen=True)
class Check:
    """What the SMTP tab says under Save: `line`, then the server's words (`detail`, `reply`).
    `ok` None: not tried (nothing learned about the settings)."""

    ok: bool | None
    line: str
    detail: str = ""
    reply: str = ""


def after_save(owner: User, form: SmtpForm, own: bool) -> Check | None:
    """Try the saved SMTP settings; None when they do not send by SMTP or name no server."""
    settings = services.load(owner.id)
    if settings.send_using != sending.SMTP.name or not settings.smtp_server:
        return None
    typed = bool(form.smtp_password.data)
    if not own and not typed:
        return Check(None, "Saved, but not checked: an administrator's Save signs in only with a "
                     f"password typed now. Type the password and Save, or ask {owner.email} to "
                     "press Save on their own SMTP tab.")
    try:
        transport = _admitted(owner.id, settings, form if typed else None, own)
    except MailError as error:
        return Check(None, f"Saved, but not checked: {error.reason} {error.hint}")
    return _sign_in(owner.id, transport)


def _admitted(user_id: int, settings, form: SmtpForm | None, own: bool):
    """The transport for the saved settings, let through the limits; commits, so no
    transaction stays open during the network call."""
    minutes = throttle.used_up(BUCKET, str(user_id), "SEND_TEST")
    if minutes is not None:
        raise MailError("settings", "there were too many tests in a short time.",
                        f"Wait {minutes} minutes, then press Save again.", retryable=False)
    transport = services.smtp_transport(settings, form, use_stored=own)
    servers.admit(user_id, transport)
    throttle.record(BUCKET, str(user_id))
    db.session.commit()
    release()
    return transport


def _sign_in(user_id: int, transport) -> Check:
    """Sign in and QUIT; record the outcome in a short transaction of its own."""
    config = transport.config
    try:
        transport.check_sign_in()
    except MailError as error:
        log.info("save check for user %s failed at %s: %s", user_id, error.step, error.reason)
        with writing():
            smtp_health.failed(user_id, error)
        return Check(False, f"Saved, but {smtp_health.note_for(error)}", error.reason,
                     error.reply or "")
    except Exception:  # a surprise: say so in plain words, the log has the details
        log.exception("save check for user %s failed unexpectedly", user_id)
        db.session.rollback()
        return Check(None, f"Saved, but not checked: something unexpected went wrong. {LOG_NOTE}")
    log.info("save check for user %s: %s accepted the sign-in", user_id, config.host)
    with writing():
        smtp_health.checked(user_id, config)
    if not config.username:
        return Check(True, f"Saved and checked: {config.host} answered (no sign-in tried: "
                     "User Name is empty).")
    return Check(True, f"Saved and checked: {config.host} accepted your sign-in.")
