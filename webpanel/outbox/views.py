"""Views of the outbox: compose and send a document, Retry, Sent mail and its preview."""

from __future__ import annotations

from flask import abort
from flask_login import login_required

from webpanel.outbox import bp


@bp.route("/documents/<int:document_id>/email")
@login_required
def compose(document_id: int):
    """The Email dialog for a document."""
    abort(404)
