"""The Email tab's blueprint. Its route modules import it; `create_app` registers it.

It keeps the name "settings", so every endpoint (``settings.email_tab`` ...) and URL stays."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/users/<id:user_id>/email")
