"""The documents blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")
