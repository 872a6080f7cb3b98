"""Each person's Email tab: General, SMTP, Gmail and Outlook sub-tabs, and Send Test."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/users/<id:user_id>/email")

from webpanel.settings import api_views, views  # noqa: E402,F401  (routes attach to bp)
