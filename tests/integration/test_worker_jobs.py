"""What the background worker does by itself, and when: sweeping the outbox every minute,
reading bounce reports every BOUNCE_CHECK_MINUTES, renewing sign-ins hourly, pruning nightly
at 03:00 with SQLite's statistics (and, as a worker starts, the sweep, the bounce round and the
statistics)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.support.sessions import age_sessions, session_count, sign_in, signed_in
from webpanel import maintenance, worker


def due_at(app, hour: int, minute: int) -> set[str]:
    """The names of the periodic jobs a worker queues at hour:minute."""
    moment = datetime(2026, 12, 7, hour, minute)
    return {task.name for task in worker.queue(app).read_periodic(moment)}


def test_the_schedule(make_app):
    app = make_app(BOUNCE_CHECK_MINUTES=10)
    every_minute = {"outbox.sweep", "reminders.send_due", "recurring.run_due"}
    assert due_at(app, 3, 0) == {*every_minute, "bounces.read-all", "oauth.check-sign-ins",
                                 "maintenance.prune", "maintenance.statistics"}
    assert due_at(app, 4, 0) == {*every_minute, "bounces.read-all", "oauth.check-sign-ins"}
    assert due_at(app, 14, 10) == {*every_minute, "bounces.read-all"}
    assert due_at(app, 14, 5) == every_minute
    assert worker.start_jobs(app) == ["outbox.sweep", "reminders.send_due", "bounces.read-all",
                                      "maintenance.statistics", "recurring.run_due"]
    assert due_at(make_app(), 14, 5) >= {"bounces.read-all"}  # every 5 minutes by default


def test_the_nightly_prune_ends_expired_sign_ins_and_keeps_live_ones(app, user_id):
    live = sign_in(app)
    sign_in(app, remember=True)
    age_sessions(app, timedelta(days=20), remembered_only=True)  # ended, never seen again
    with app.app_context():
        done = maintenance.nightly()  # the job's function, as the worker runs it at 03:00
    assert done.sessions == 1 and session_count(app) == 1
    assert signed_in(live)
