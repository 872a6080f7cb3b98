"""The outbox blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("outbox", __name__)
