"""Compose, send and record email: the Email dialog on documents, Retry, and Sent mail."""

from flask import Blueprint

bp = Blueprint("outbox", __name__)

from webpanel.outbox import views  # noqa: E402,F401  (routes attach to bp)
