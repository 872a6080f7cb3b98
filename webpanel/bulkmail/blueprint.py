"""The Email selected blueprint. Its route module imports it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("bulkmail", __name__)
