"""Proposals, sales orders, invoices and purchase orders: lists, forms, PDFs and sample data."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")

from webpanel.documents import editing, views  # noqa: E402,F401  (routes attach to bp)
