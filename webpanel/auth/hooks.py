"""What sign-in adds to every request: Flask-Login's user loader, the first-run setup
redirect and the password a person must choose themselves, bound to the app by `init_app`
(called from `create_app`)."""

from __future__ import annotations

from flask import Flask, make_response, redirect, request, url_for
from flask_login import current_user

from webpanel.auth import services
from webpanel.extensions import htmx, login_manager

OPEN_ENDPOINTS = {"auth.setup", "auth.login", "static"}
#: What a person whose password an administrator set can still open before choosing their own.
WHILE_CHOOSING = {"auth.choose_password", "auth.logout", "auth.invitation", "auth.login",
                  "home.save_time_zone", "static"}


def load_user(sid: str):
    """Flask-Login hook: the cookie holds a sign-in session id."""
    return services.load_session_user(sid)


def require_setup():
    """Until the first administrator exists, every page leads to setup."""
    if request.endpoint not in OPEN_ENDPOINTS and not services.has_users():
        return redirect(url_for("auth.setup"))
    return None


def require_own_password():
    """After an administrator set someone's password, every page leads to "Choose your
    password" until they have (a page an htmx request asked for is replaced as a whole)."""
    if request.endpoint in WHILE_CHOOSING or not current_user.is_authenticated:
        return None
    if not current_user.must_change_password:
        return None
    wanted = request.full_path.rstrip("?") if request.method == "GET" and not htmx else None
    target = url_for("auth.choose_password", next=wanted if wanted != "/" else None)
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def init_app(app: Flask) -> None:
    """Load users from their sign-in session, send everyone to setup until it is done, and
    to "Choose your password" while an administrator's password is theirs."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to open that page."
    login_manager.user_loader(load_user)
    app.before_request(require_setup)
    app.before_request(require_own_password)
