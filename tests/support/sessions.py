"""Sign-in sessions for the pruning tests: sign in through the form, age the sessions, count
them, and ask whether a browser is still signed in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_from
from webpanel.auth.models import LoginSession
from webpanel.extensions import db


def sign_in(app, email: str = "sam@example.com", remember: bool = False):
    """A new browser signed in through the form (with Remember me if asked)."""
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 302
    return client


def age_sessions(app, by: timedelta, remembered_only: bool = False) -> None:
    """Make the sessions (or only the remembered ones) older by `by`."""
    with app.app_context():
        query = select(LoginSession)
        if remembered_only:
            query = query.where(LoginSession.remember.is_(True))
        for row in db.session.scalars(query):
            row.created_at -= by
        db.session.commit()


def session_count(app) -> int:
    """How many sign-in sessions the database holds."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginSession))


def signed_in(client) -> bool:
    """Whether the browser still reaches a page that needs a sign-in."""
    return client.get("/account/password").status_code == 200
