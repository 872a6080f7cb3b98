"""The administrator's Integrations page: the panel's Google and Microsoft app registrations."""

from flask import Blueprint

bp = Blueprint("integrations", __name__, url_prefix="/integrations")

from webpanel.integrations import views  # noqa: E402,F401  (routes attach to bp)
