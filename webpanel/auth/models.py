"""Accounts and their sign-in sessions."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import ClassVar

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
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
