"""The settings blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/users/<id:user_id>/email")
