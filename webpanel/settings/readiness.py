"""Whether a person's email is set up, and the one thing to do if not (home page, Email dialog).

One sentence and a link to the Email tab that fixes it: no Email Address yet, SMTP without a
server, Gmail or Outlook chosen but not signed in, or a sign-in that needs reconnecting. For
SMTP it also tells "set up and working" (the server accepted the saved sign-in) from "saved,
not yet working" (webpanel.settings.smtp_health).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from webpanel import sending
from webpanel.integrations import providers
from webpanel.mail.smtp import DEFAULT_PORTS
from webpanel.oauth import services as oauth_services
from webpanel.settings import servers, smtp_health
from webpanel.settings.models import EmailSettings


@dataclass(frozen=True)
class Readiness:
    """`ready` False: `problem` says what is missing and `link_text` → `link` fixes it.
    `working` False: saved, but not shown to work yet (`summary` says why)."""

    ready: bool
    summary: str
    link: str
    link_text: str
    problem: str = ""
    working: bool = True


def _tab(user_id: int, tab: str) -> str:
    return url_for("settings.email_tab", user_id=user_id, tab=tab)


def check(settings: EmailSettings) -> Readiness:
    """What stands between this person and sending, if anything."""
    uid, method = settings.user_id, sending.METHODS.get(settings.send_using)
    if not settings.address:
        return _missing(uid, "general", "You have no Email Address yet: your emails need an "
                        "address to come from.", "Enter your Email Address on the General tab")
    if method is None:
        return _missing(uid, "smtp", "The saved way of sending is not one the panel knows.",
                        "Choose under Send Mail Using on the SMTP tab")
    if method.needs == "server" and not settings.smtp_server:
        return _missing(uid, "smtp", "Your email is not set up yet: the panel does not know "
                        "your SMTP server.", "Set up sending on the SMTP tab")
    if method.is_api:
        return _api(settings, method)
    if method.needs == "server":
        return _smtp(settings)
    return Readiness(True, f"Your email is set up: documents go from {settings.address} "
                     f"through your email program ({method.label}).", _tab(uid, method.tab),
                     "Email settings")


def _smtp(settings: EmailSettings) -> Readiness:
    """Working (the saved sign-in was accepted, or mail went through this server), failed (what
    to do), or saved but not tried yet."""
    uid, server = settings.user_id, settings.smtp_server
    if settings.smtp_check == smtp_health.FAILED:
        what, _, todo = settings.smtp_check_note.partition(": ")
        problem = f"Your email is saved, not yet working: {what}. {todo}".strip()
        return Readiness(False, problem, _tab(uid, "smtp"), "Fix it on the SMTP tab", problem,
                         working=False)
    if settings.smtp_check == smtp_health.OK or _worked_before(settings):
        return Readiness(True, f"Your email is set up and working: documents go from "
                         f"{settings.address} through your SMTP server ({server}).",
                         _tab(uid, "smtp"), "Email settings")
    return Readiness(True, f"Your email is saved, not yet working: the panel has not signed in "
                     f"to {server} yet. Press Save on the SMTP tab to try it.",
                     _tab(uid, "smtp"), "Open the SMTP tab", working=False)


def _worked_before(settings: EmailSettings) -> bool:
    """Settings saved before Save tried them: mail went through this server for the person."""
    port = settings.smtp_port or DEFAULT_PORTS.get(settings.smtp_security, 0)
    return servers.known(settings.user_id, settings.smtp_server, port)


def _api(settings: EmailSettings, method: sending.Method) -> Readiness:
    tab, provider = method.tab, method.provider
    words = providers.WORDS[provider]
    account = oauth_services.account_for(settings.user_id, provider)
    if account is None:
        return _missing(settings.user_id, tab, f"You chose {words['method']} but are not signed "
                        f"in on the {words['name']} tab.", f"{words['sign_in']} on the "
                        f"{words['name']} tab")
    if account.needs_reconnect:
        return _missing(settings.user_id, tab, f"{words['name']} needs reconnecting: "
                        f"{providers.LABELS[provider]} no longer accepts the panel's sign-in.",
                        f"Sign in again on the {words['name']} tab")
    return Readiness(True, f"Your email is set up: documents go from {account.email} through "
                     f"the {words['method']}.", _tab(settings.user_id, tab), "Email settings")


def _missing(user_id: int, tab: str, problem: str, link_text: str) -> Readiness:
    return Readiness(False, problem, _tab(user_id, tab), link_text, problem)
