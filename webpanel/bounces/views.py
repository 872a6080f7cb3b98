"""Bounces on the pages: Check now on Sent mail (queued for the background worker, whose
answer the page asks for until it is there), one message's reports, and the note under a Send
Test result. No page reads an inbox: the worker does (webpanel.bounces.jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import select

from webpanel import worker
from webpanel.bounces import display, jobs, services
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
PAGE_INTERVAL = timedelta(minutes=1)  # Check now reads the inbox at most this often per person
ASK_FOR = timedelta(minutes=2)  # how long the page asks for a queued check's answer


@bp.route("/sent/bounces/check", methods=["POST"])
@login_required
@reads_only  # it reads; the reading (in the worker, or here in a test) writes on its own
def check():
    """Check now: queue a reading of the person's inbox, unless it cannot be read now (and
    say why); the answer, once the reading is done. New reports make the page reload what it
    shows."""
    since = utcnow()
    held = services.not_now(current_user.id, services.imap_config(current_user.id),
                            PAGE_INTERVAL)
    if held is not None:
        return render_fragment("bounces/partials/_check_result.html", result=held)
    jobs.queue(current_user.id)
    return _progress(current_user.id, since)


@bp.route("/sent/bounces/check")
@login_required
def check_progress():
    """Where a queued Check now stands (asked again while the worker has not read)."""
    try:
        since = datetime.fromisoformat(request.args.get("since", ""))
    except ValueError:
        abort(404)
    return _progress(current_user.id, since.replace(tzinfo=None))


def _progress(user_id: int, since: datetime):
    done = services.done_since(user_id, since)
    if done is None:
        return render_fragment("bounces/partials/_check_pending.html", since=since.isoformat(),
                               worker_running=worker.running(),
                               gave_up=utcnow() - since > ASK_FOR)
    response = render_fragment("bounces/partials/_check_result.html", result=done)
    if done.new:
        response.headers["HX-Trigger"] = "bounces-found"
    return response


@bp.route("/sent/bounces/send-test-note")
@login_required
def send_test_note():
    """Under a Send Test result: the person's messages that bounced lately, and a reading of
    their inbox that failed."""
    return render_fragment("bounces/partials/_send_test_note.html",
                           reading=services.reading_for(current_user.id),
                           recent=_recent(current_user.id))


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
