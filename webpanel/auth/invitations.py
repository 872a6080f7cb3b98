"""Invitations: a link that lets a colleague choose their own password.

The raw token lives only in the email; the database keeps its SHA-256 hash, so a copy of the
database opens no account. A link works once, for INVITATION_LIFETIME, and a newer invitation
(or a password an administrator sets) replaces it. Opening the link changes nothing: mail
scanners fetch links before people click them, so only the form's POST uses it up.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update

from webpanel.auth.models import Invitation, User
from webpanel.database import utcnow
from webpanel.extensions import db

INVITATION_LIFETIME = timedelta(hours=24)
#: How long a used or replaced link is kept, so that opening it says so ("already used") rather
#: than "does not work"; the nightly prune removes it after that.
SPENT_KEPT = timedelta(days=30)

#: What a link that cannot be used says, by why (the person reads it on the link's page).
UNKNOWN, USED, EXPIRED, REPLACED, SWITCHED_OFF = "unknown", "used", "expired", "replaced", "off"
PROBLEMS = {
    UNKNOWN: ("This link does not work.",
              "Check that you opened the whole link from the email. If it still does not work, "
              "ask your administrator to send a new invitation."),
    USED: ("This link was already used to choose a password.",
           "Sign in with the password you chose. If you forgot it, ask your administrator to "
           "send a new invitation."),
    EXPIRED: ("This link has expired: an invitation works for 24 hours.",
              "Ask your administrator to send a new invitation."),
    REPLACED: ("A newer invitation replaced this link.",
               "Open the link in the newest invitation email, or ask your administrator to send "
               "a new invitation."),
    SWITCHED_OFF: ("This account is switched off.", "Ask your administrator."),
}


@dataclass(frozen=True)
class Opened:
    """What a link's token leads to: its invitation and account, or why it cannot be used."""

    invitation: Invitation | None
    user: User | None
    problem: str = ""


def invite(user: User, by: User | None) -> tuple[Invitation, str]:
    """A new invitation for `user`, replacing any earlier one, and its raw token (for the
    email only: it is never stored). The caller commits."""
    revoke(user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(user_id=user.id, token_hash=Invitation.hash_token(token),
                            created_by=by.id if by else None, created_at=now,
                            expires_at=now + INVITATION_LIFETIME)
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def revoke(user: User) -> None:
    """Make every unused link of `user` stop working (the caller commits)."""
    db.session.execute(update(Invitation).where(
        Invitation.user_id == user.id, Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None)).values(revoked_at=utcnow()))


def open_link(token: str) -> Opened:
    """The invitation a token belongs to, or why it cannot be used. Reads only."""
    digest = Invitation.hash_token(token)
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        return Opened(None, None, UNKNOWN)
    user = db.session.get(User, invitation.user_id)
    return Opened(invitation, user, _problem(invitation, user))


def _problem(invitation: Invitation, user: User | None) -> str:
    if user is None:
        return UNKNOWN
    if invitation.used_at is not None:
        return USED
    if invitation.revoked_at is not None:
        return REPLACED
    if invitation.expires_at <= utcnow():
        return EXPIRED
    return "" if user.active else SWITCHED_OFF


def use(invitation: Invitation) -> bool:
    """Mark the link used, once: False if another request used it first (the caller commits)."""
    done = db.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None)).values(used_at=utcnow()))
    return done.rowcount == 1


def record_sent(invitation_id: int, error: str = "") -> None:
    """Note that the email went, or why it did not (the caller commits)."""
    invitation = db.session.get(Invitation, invitation_id)
    invitation.send_error = error[:500]
    invitation.sent_at = None if error else utcnow()


def waiting() -> dict[int, Invitation]:
    """Each account's newest invitation that is neither used nor replaced, in one query (the
    Users page says "waiting", "expired" or "not sent" from it)."""
    newest = (select(Invitation.user_id, func.max(Invitation.id).label("id"))
              .where(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
              .group_by(Invitation.user_id).subquery())
    rows = db.session.scalars(select(Invitation).join(newest, Invitation.id == newest.c.id))
    return {row.user_id: row for row in rows}


def is_expired(invitation: Invitation) -> bool:
    """Whether the link's 24 hours are over."""
    return invitation.expires_at <= utcnow()


def prune_spent() -> int:
    """Delete the links used or replaced more than SPENT_KEPT ago; returns how many (the caller
    commits). Each account's newest waiting or expired link stays: the Users page reads it."""
    before = utcnow() - SPENT_KEPT
    spent = (Invitation.used_at <= before) | (Invitation.revoked_at <= before)
    return db.session.execute(delete(Invitation).where(spent)).rowcount
