"""The admin blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/users")
