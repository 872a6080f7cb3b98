"""The administrator's Company page: the name and address that head every PDF."""

from flask import Blueprint

bp = Blueprint("company", __name__, url_prefix="/company")

from webpanel.company import views  # noqa: E402,F401  (routes attach to bp)
