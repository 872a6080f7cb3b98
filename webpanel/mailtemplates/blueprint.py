"""The mailtemplates blueprint. Its route modules import it; `create_app` registers it."""

from flask import Blueprint

bp = Blueprint("mailtemplates", __name__, url_prefix="/email-templates")
