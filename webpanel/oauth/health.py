"""Sign-in health: what can break a Gmail or Outlook sign-in before it breaks, in facts the tabs
and the home page turn into plain words.

- a refresh that failed (the reason is kept until a good refresh or a new sign-in);
- a Google app in "Testing" (or access granted for a limited time): Google's token response
  carries `refresh_token_expires_in`, and the sign-in ends then (after 7 days in Testing);
- a sign-in not used for long: Microsoft ends refresh tokens unused for 90 days, Google those
  unused for six months. "Used" is the latest of signing in, renewing and sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from webpanel import sending
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.oauth.models import OAuthAccount

#: provider → (days after which it ends unused, days unused after which the panel warns, words)
UNUSED_LIMITS = {p.name: p.unused for p in sending.SIGN_INS.values()}
ERROR_LENGTH = 300


@dataclass(frozen=True)
class Risk:
    """One reason a sign-in may stop working; `kind` picks the words, the times fill them."""

    kind: str  # "reconnect", "refresh-failed", "ends", "unused"
    at: datetime | None = None  # when it failed / ends / was last used
    until: datetime | None = None  # "unused": when the provider ends it
    reason: str = ""  # "refresh-failed": what went wrong
    past: bool = False  # "ends": it already ended
    limit: str = ""  # "unused": how long the provider keeps an unused sign-in ("90 days")


def risks(account: OAuthAccount, now: datetime | None = None) -> list[Risk]:
    """What puts this sign-in at risk now, worst first; empty for a healthy one."""
    now = now or utcnow()
    if account.needs_reconnect:
        return [Risk("reconnect")]
    found = []
    if account.refresh_failed_at is not None:
        found.append(Risk("refresh-failed", account.refresh_failed_at,
                          reason=account.refresh_error))
    if account.refresh_expires_at is not None:
        found.append(Risk("ends", account.refresh_expires_at,
                          past=account.refresh_expires_at <= now))
    unused = _unused(account, now)
    if unused is not None:
        found.append(unused)
    return found


def last_used(account: OAuthAccount) -> datetime:
    """When the panel last used the sign-in: signed in, renewed or sent."""
    moments = [account.authorized_at, account.refreshed_at, account.last_sent_at]
    return max(m for m in moments if m is not None)


def _unused(account: OAuthAccount, now: datetime) -> Risk | None:
    limits = UNUSED_LIMITS.get(account.provider)
    if limits is None:
        return None
    used = last_used(account)
    if now - used < timedelta(days=limits[1]):
        return None
    return Risk("unused", used, until=used + timedelta(days=limits[0]), limit=limits[2])


def ends_at(token: dict, now: datetime) -> datetime | None:
    """When the refresh token of this token response ends (`refresh_token_expires_in`)."""
    seconds = token.get("refresh_token_expires_in")
    try:
        return now + timedelta(seconds=int(seconds)) if seconds is not None else None
    except (TypeError, ValueError, OverflowError):
        return None


def failure_values(reason: str) -> dict:
    """The column values that record a failed refresh now (for an UPDATE)."""
    return {"refresh_failed_at": utcnow(), "refresh_error": reason[:ERROR_LENGTH]}


def healthy(account: OAuthAccount) -> None:
    """Forget a failed refresh (a good refresh or a new sign-in; the caller commits)."""
    account.refresh_failed_at, account.refresh_error = None, ""


def note_sent(account_id: int) -> None:
    """Remember that the account just sent a message (the caller commits)."""
    db.session.execute(update(OAuthAccount).where(OAuthAccount.id == account_id)
                       .values(last_sent_at=utcnow())
                       .execution_options(synchronize_session=False))
