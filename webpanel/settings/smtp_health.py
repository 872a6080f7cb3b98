"""Whether a person's saved SMTP settings work: the SMTP side of sign-in health.

One record on the person's settings (`smtp_check`, `smtp_checked_at`, `smtp_check_note`), fed by
the check that Save runs and by every send through the saved settings, so the home page can
tell "set up and working" from "saved, not yet working". A successful sign-in also makes the
server known for the person (`servers.remember`), as a delivery or an IMAP sign-in does.
"""

from __future__ import annotations

from sqlalchemy import update

from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mail.smtp import SmtpConfig
from webpanel.mailbase import MailError
from webpanel.settings import servers
from webpanel.settings.models import EmailSettings

OK, FAILED = "ok", "failed"
#: The steps whose failure says the saved settings do not work (not a refused recipient).
SETTINGS_STEPS = frozenset({"connect", "tls", "greeting", "sign-in"})
STEP_WORDS = {"connect": "could not reach the server",
              "tls": "could not set up a secure connection with the server",
              "greeting": "the server did not answer like a mail server",
              "sign-in": "the server did not accept the sign-in"}
NOTE_LENGTH = 600


def step_words(error: MailError) -> str:
    """What failed, in plain words: "could not reach the server", "the server refused the
    user name or password", ..."""
    if error.reason.startswith("No answer from"):
        return "the server did not answer in time"
    if error.step == "sign-in" and "rejected the user name or password" in error.reason:
        return "the server refused the user name or password"
    return STEP_WORDS.get(error.step, "the check did not work")


def note_for(error: MailError) -> str:
    """"<what failed>: <what to do>" for a failure."""
    return f"{step_words(error)}: {error.hint}"[:NOTE_LENGTH]


def checked(user_id: int, config: SmtpConfig) -> None:
    """The saved settings signed in: working, and the server known (the caller commits)."""
    _set(user_id, OK, "")
    servers.remember(user_id, config.host, config.port)


def worked(user_id: int) -> None:
    """A message went through the saved settings (the caller commits)."""
    _set(user_id, OK, "")


def failed(user_id: int, error: MailError) -> None:
    """The saved settings did not work at `error`'s step (the caller commits); a failure at a
    later step (a refused recipient or message) says nothing about them and is not kept."""
    if error.step in SETTINGS_STEPS:
        _set(user_id, FAILED, note_for(error))


def forget(settings: EmailSettings) -> None:
    """Saved settings that were not tried yet (new values, a cleared password)."""
    settings.smtp_check, settings.smtp_checked_at, settings.smtp_check_note = "", None, ""


def _set(user_id: int, state: str, note: str) -> None:
    db.session.execute(update(EmailSettings).where(EmailSettings.user_id == user_id)
                       .values(smtp_check=state, smtp_checked_at=utcnow(), smtp_check_note=note)
                       .execution_options(synchronize_session=False))
