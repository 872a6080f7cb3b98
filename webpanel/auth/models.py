"""Accounts and their sign-in sessions."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import ClassVar

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from webpanel.config_checks import TEST_PASSWORD_HASH
from webpanel.database import Base, utcnow

#: How every password is hashed. Only a test app may choose another method (see hash_method).
PASSWORD_METHOD = "scrypt"


def hash_method() -> str:
    """scrypt, unless this is a test app (TESTING on) whose own settings name a cheaper method
    (config_checks refuses that setting anywhere else)."""
    if has_app_context() and current_app.testing:
        return current_app.config.get(TEST_PASSWORD_HASH) or PASSWORD_METHOD
    return PASSWORD_METHOD


class User(UserMixin, Base):
    """A person who signs in; admins manage users and may edit anyone's settings."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: The person's name: the default Email Display Name.
    name: Mapped[str] = mapped_column(String(120), default="")
    #: False: switched off by an administrator (cannot sign in; sent history kept).
    active: Mapped[bool] = mapped_column(default=True)
    #: An IANA zone ("Europe/Paris") for the times shown; "" until the browser tells it.
    time_zone: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: An administrator set the password: at the next sign-in the person chooses their own and
    #: can open nothing else until they have (webpanel.auth.hooks).
    must_change_password: Mapped[bool] = mapped_column(default=False)

    # The sign-in session this object was loaded for; not a column.
    login_sid: ClassVar[str | None] = None

    def set_password(self, password: str) -> None:
        """Hash and store a new password (scrypt; see hash_method)."""
        self.password_hash = generate_password_hash(password, method=hash_method())

    def check_password(self, password: str) -> bool:
        """Whether `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        """Flask-Login: a switched-off account cannot sign in."""
        return bool(self.active)

    @property
    def display_name(self) -> str:
        """The name, or the sign-in address when there is none."""
        return self.name or self.email

    def get_id(self) -> str | None:
        """Flask-Login stores the sign-in session id, not the user id, in the cookie."""
        return self.login_sid


class LoginSession(Base):
    """One signed-in browser. Deleting the row makes its cookie useless."""

    __tablename__ = "login_sessions"

    sid_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: "Remember me" was ticked: ends SIGN_IN_LIFETIME after sign-in (else a shorter lifetime).
    remember: Mapped[bool] = mapped_column(default=False)

    @staticmethod
    def hash_sid(sid: str) -> str:
        """The stored form of a session id (the raw id lives only in the cookie)."""
        return hashlib.sha256(sid.encode()).hexdigest()


class Invitation(Base):
    """A link that lets a new colleague choose their own password: single use, for a limited
    time, replaced by a newer one. Only a hash of its token is stored (the raw token lives only
    in the email)."""

    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The administrator who sent it (their own sending settings carried it).
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: When the link set the password; it works only once.
    used_at: Mapped[datetime | None]
    #: When a newer invitation, or a password set by an administrator, replaced it.
    revoked_at: Mapped[datetime | None]
    #: When the mail server or API accepted the email; None until then.
    sent_at: Mapped[datetime | None]
    #: Why the email could not be sent, in plain words ("" when it was, or not yet tried).
    send_error: Mapped[str] = mapped_column(String(500), default="")

    @staticmethod
    def hash_token(token: str) -> str:
        """The stored form of a link's token (SHA-256, hex)."""
        return hashlib.sha256(token.encode()).hexdigest()
