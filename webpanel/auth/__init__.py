"""Sign-in, sign-out, first-run setup and password changes."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from webpanel.auth import views  # noqa: E402,F401  (routes attach to bp)
