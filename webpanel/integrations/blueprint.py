"""The integrations blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("integrations", __name__, url_prefix="/integrations")
