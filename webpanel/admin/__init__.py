"""The administrator's Users page."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/users")

from webpanel.admin import views  # noqa: E402,F401  (routes attach to bp)
