"""The home blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("home", __name__)
