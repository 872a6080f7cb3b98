"""Accounts: creating users, checking passwords with throttling, and sign-in sessions."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import delete, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from webpanel import throttle
from webpanel.auth import invitations
from webpanel.auth.models import PASSWORD_METHOD, LoginSession, User, hash_method
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.transactions import writing

log = logging.getLogger("webpanel.auth")
#: A scrypt hash of a forgotten random password, made with the parameters every password gets
#: (User.set_password): checking it costs what checking a real one costs.
DUMMY_HASH = ("scrypt:32768:8:1$iNuQcLhJlh1QXgsR$b0a0a6b906f24bd2d355e488238c72617765915c4b2836e2"
              "f8a2a19b03f59f07a5fab3e2408b0f5d2b5bf22611a85de2018f4ff73fd11d6d5dd439196c5ecaae")


def dummy_hash() -> str:
    """DUMMY_HASH; in a test app with a cheaper method, a hash made with that method (so an
    unknown account still costs what a wrong password costs there)."""
    method = hash_method()
    if method == PASSWORD_METHOD:
        return DUMMY_HASH
    return _dummy_hash_for(method)


@cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


class SignInThrottled(Exception):
    """Too many failed sign-ins for this account or this address."""


class UserExists(ValueError):
    """An account with that email already exists."""


class SwitchedOff(Exception):
    """The password is right, but an administrator switched the account off."""


SWITCHED_OFF = "This account is switched off. Ask your administrator."


def has_users() -> bool:
    """Whether any account exists (the first-run page shows only while none does)."""
    return db.session.scalar(select(func.count()).select_from(User)) > 0


def find_user(email: str) -> User | None:
    """The account with this email, case-insensitively."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(email: str, password: str, is_admin: bool = False, name: str = "") -> User:
    """Add an account (the caller commits); `name` is the default Email Display Name."""
    email = email.strip().lower()
    if find_user(email):
        raise UserExists(f"An account for {email} already exists.")
    user = User(email=email, is_admin=is_admin, name=(name or "").strip(), active=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, remote_addr: str) -> User | None:
    """Check a sign-in; count failures per account and per address; raise when throttled."""
    cfg = current_app.config
    account_key, address_key = email.strip().lower(), remote_addr or "unknown"
    window = cfg["LOGIN_FAILURE_WINDOW"]
    if (throttle.recent("login-account", account_key, window) >= cfg["LOGIN_FAILURES_PER_ACCOUNT"]
            or throttle.recent("login-address", address_key, window)
            >= cfg["LOGIN_FAILURES_PER_ADDRESS"]):
        log.warning("sign-in throttled for %r from %s", account_key, address_key)
        raise SignInThrottled()
    user = find_user(account_key)
    if user is None:
        check_password_hash(dummy_hash(), password)  # an unknown account takes as long
    elif user.check_password(password):
        throttle.clear("login-account", account_key)
        if not user.active:
            db.session.commit()
            raise SwitchedOff(SWITCHED_OFF)
        return user
    throttle.record("login-account", account_key)
    throttle.record("login-address", address_key)
    db.session.commit()
    log.warning("failed sign-in for %r from %s", account_key, address_key)
    return None


def start_session(user: User, remember: bool = False) -> str:
    """Record a new sign-in session for `user` and return its id (for the cookie only)."""
    sid = secrets.token_urlsafe(32)
    db.session.add(LoginSession(sid_hash=LoginSession.hash_sid(sid), user_id=user.id,
                                remember=remember))
    user.login_sid = sid
    return sid


def session_lifetime(remember: bool) -> timedelta:
    """How long a sign-in lasts on the server: SIGN_IN_LIFETIME with "Remember me"."""
    cfg = current_app.config
    return cfg["SIGN_IN_LIFETIME"] if remember else cfg["SIGN_IN_LIFETIME_UNREMEMBERED"]


def is_expired(row: LoginSession) -> bool:
    """Whether a sign-in session is past its lifetime (counted from sign-in)."""
    return row.created_at + session_lifetime(row.remember) <= utcnow()


def load_session_user(sid: str) -> User | None:
    """The user of a live sign-in session, or None if it was ended or has expired (an
    expired one is deleted; a live one is only read)."""
    row = db.session.get(LoginSession, LoginSession.hash_sid(sid))
    if row is None:
        return None
    if is_expired(row):
        with writing():  # a page's one write: a short write transaction of its own
            db.session.delete(row)
        log.info("sign-in session of user %s expired", row.user_id)
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    user.login_sid = sid
    return user


def end_session(sid: str | None) -> None:
    """End one sign-in session (sign-out)."""
    if sid:
        db.session.execute(
            delete(LoginSession).where(LoginSession.sid_hash == LoginSession.hash_sid(sid))
        )


def prune_expired_sessions() -> int:
    """Delete every expired sign-in session; returns how many (the caller commits)."""
    now = utcnow()
    expired = or_(
        LoginSession.remember.is_(True) & (LoginSession.created_at <= now
                                           - session_lifetime(True)),
        LoginSession.remember.is_(False) & (LoginSession.created_at <= now
                                            - session_lifetime(False)))
    return db.session.execute(delete(LoginSession).where(expired)).rowcount


def prune_expired() -> None:
    """Delete expired sign-in sessions and the rate events no window counts any more (the
    caller commits): done at each sign-in, as `flask maintenance prune` does nightly."""
    prune_expired_sessions()
    throttle.prune(throttle.longest_window())


def end_all_sessions(user: User) -> None:
    """End every sign-in session of `user` (after a password change or reset)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def change_password(user: User, new_password: str) -> str | None:
    """Set a new password, sign out every other browser, and keep this one signed in. The
    person chose it, so nothing more is asked of them at sign-in."""
    user.set_password(new_password)
    user.must_change_password = False
    end_all_sessions(user)
    return start_session(user) if user.login_sid else None


def set_by_admin(user: User, new_password: str, by: User) -> str | None:
    """An administrator sets `user`'s password: signed out everywhere, invitation links
    replaced, and (unless it is the administrator's own) the person chooses their own at the
    next sign-in, so the administrator never knows the password in use (the caller commits)."""
    user.set_password(new_password)
    user.must_change_password = user.id != by.id
    end_all_sessions(user)
    invitations.revoke(user)
    return start_session(user) if user.login_sid else None


def create_invited(email: str, is_admin: bool = False, name: str = "") -> User:
    """Add an account that has no usable password until the person follows their invitation
    (a random one nobody knows; the caller commits)."""
    return create_user(email, secrets.token_urlsafe(32), is_admin=is_admin, name=name)


class LastAdministrator(ValueError):
    """Switching this account off would leave no one able to manage the panel."""


def set_active(user: User, active: bool, by: User) -> None:
    """Switch an account on or off; off also ends every sign-in (the caller commits).

    Sent history is kept. Refuses one's own account and the last active administrator.
    """
    if not active and user.id == by.id:
        raise LastAdministrator("You cannot switch off your own account.")
    if not active and user.is_admin and active_admins() <= 1:
        raise LastAdministrator(f"{user.email} is the last active administrator: make someone "
                                "else an administrator first.")
    user.active = active
    if not active:
        end_all_sessions(user)


def active_admins() -> int:
    """How many administrators can sign in."""
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.is_admin.is_(True), User.active.is_(True)))
