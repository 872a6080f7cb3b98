"""The home page: what a person needs when they sign in."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from webpanel.home import views  # noqa: E402,F401  (routes attach to bp)
