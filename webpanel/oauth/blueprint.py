"""The oauth blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("oauth", __name__)
