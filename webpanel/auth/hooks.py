"""What sign-in adds to every request: Flask-Login's user loader and the first-run setup
redirect, bound to the app by `init_app` (called from `create_app`)."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for

from webpanel.auth import services
from webpanel.extensions import login_manager

OPEN_ENDPOINTS = {"auth.setup", "auth.login", "static"}


def load_user(sid: str):
    """Flask-Login hook: the cookie holds a sign-in session id."""
    return services.load_session_user(sid)


def require_setup():
    """Until the first administrator exists, every page leads to setup."""
    if request.endpoint not in OPEN_ENDPOINTS and not services.has_users():
        return redirect(url_for("auth.setup"))
    return None


def init_app(app: Flask) -> None:
    """Load users from their sign-in session, send everyone to setup until it is done."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to open that page."
    login_manager.user_loader(load_user)
    app.before_request(require_setup)
