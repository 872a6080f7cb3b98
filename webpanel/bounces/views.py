"""Bounce checks from the pages: after Sent mail or a Send Test result has loaded, htmx asks
for a check, so no page ever waits for IMAP; what it finds is swapped in."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import select

from webpanel.bounces import display, services
from webpanel.bounces.blueprint import bp
from webpanel.bounces.models import BounceReport
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.fragments import render_fragment
from webpanel.outbox import services as outbox
from webpanel.outbox.models import Message
from webpanel.transactions import reads_only

RECENT = timedelta(days=30)  # bounces a Send Test result still mentions
RECENT_LIMIT = 5
PAGE_INTERVAL = timedelta(minutes=1)  # pages read the inbox at most this often per person


@bp.route("/sent/bounces/check", methods=["POST"])
@login_required
@reads_only  # it reads, then writes in a short transaction of its own after IMAP
def check():
    """Read the person's new bounce reports; the result line (and, after a Send Test, the
    recent bounces). New reports make the page reload what it shows."""
    result = services.check(current_user.id, min_interval=PAGE_INTERVAL)
    after_send_test = request.form.get("where") == "send-test"
    template = ("bounces/partials/_send_test_note.html" if after_send_test
                else "bounces/partials/_check_result.html")
    response = render_fragment(template, result=result,
                               recent=_recent(current_user.id) if after_send_test else [])
    if result.new:
        response.headers["HX-Trigger"] = "bounces-found"
    return response


@bp.route("/sent/<id:message_id>/bounces")
@login_required
def message_bounces(message_id: int):
    """One message's recipients and their reports (the preview reloads it after a check)."""
    message = outbox.get_own(current_user.id, message_id)
    if message is None:
        abort(404)
    return render_fragment("bounces/partials/_message.html", message=message,
                           message_bounces=display.outcomes([message.id]).get(message.id))


def _recent(user_id: int) -> list[tuple[BounceReport, Message]]:
    """The person's newest bounced recipients of the last 30 days, with their messages."""
    rows = db.session.execute(
        select(BounceReport, Message).join(Message, Message.id == BounceReport.message_id)
        .where(BounceReport.user_id == user_id, BounceReport.action == "failed",
               BounceReport.recorded_at >= utcnow() - RECENT)
        .order_by(BounceReport.id.desc())
        .limit(RECENT_LIMIT))
    return [(row[0], row[1]) for row in rows]
