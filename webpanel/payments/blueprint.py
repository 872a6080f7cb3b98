"""The payments blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/documents")
