"""Customers and vendors: the people and companies documents are addressed to."""

from flask import Blueprint

bp = Blueprint("contacts", __name__)

from webpanel.contacts import views  # noqa: E402,F401  (routes attach to bp)
