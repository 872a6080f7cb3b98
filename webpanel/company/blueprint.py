"""The company blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("company", __name__, url_prefix="/company")
