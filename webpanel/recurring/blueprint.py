"""The recurring blueprint. Its route modules import it; `create_app` registers it. Its pages
live under /documents, the section they belong to in the menu."""

from flask import Blueprint

bp = Blueprint("recurring", __name__, url_prefix="/documents")
