"""Whether a person's email is set up, and the one thing to do if not (home page, Email dialog).

One sentence and a link to the Email tab that fixes it: no Email Address yet, SMTP without a
server, Gmail or Outlook chosen but not signed in, or a sign-in that needs reconnecting.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from webpanel import sending
from webpanel.integrations import providers
from webpanel.oauth import services as oauth_services
from webpanel.settings.models import EmailSettings


@dataclass(frozen=True)
class Readiness:
    """`ready` False: `problem` says what is missing and `link_text` → `link` fixes it."""

    ready: bool
    summary: str
    link: str
    link_text: str
    problem: str = ""


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
    how = f"your SMTP server ({settings.smtp_server})" if method.needs == "server" else \
        f"your email program ({method.label})"
    return Readiness(True, f"Your email is set up: documents go from {settings.address} "
                     f"through {how}.", _tab(uid, method.tab), "Email settings")


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
