"""The home page ("/"), the `when` filter for times, and the browser's time zone."""

from __future__ import annotations

from datetime import datetime

from flask import render_template, request
from flask_login import current_user, login_required

from webpanel import timefmt, worker
from webpanel.company.services import get_company
from webpanel.extensions import db
from webpanel.home import services
from webpanel.home.blueprint import bp
from webpanel.integrations import providers
from webpanel.outbox import history
from webpanel.payments import services as payments
from webpanel.recurring import services as recurring
from webpanel.reminders import panel as reminders
from webpanel.settings import readiness
from webpanel.settings import services as settings_services


@bp.app_template_filter("when")
def _when(moment: datetime | None, style: str = "datetime") -> str:
    """A stored time in the signed-in person's time zone, labelled ("3 Dec 2026, 14:02 CET")."""
    if moment is None:
        return ""
    zone = getattr(current_user, "time_zone", "") if current_user else ""
    return timefmt.local(moment, zone, style)


@bp.app_template_global("time_zone_name")
def _time_zone_name() -> str:
    """The zone the `when` filter uses for the signed-in person."""
    zone = getattr(current_user, "time_zone", "") if current_user else ""
    return zone if zone and timefmt.is_zone(zone) else "UTC"


@bp.route("/")
@login_required
def index():
    """What a person needs when they sign in."""
    settings = settings_services.load(current_user.id)
    documents, (unsent, scheduled) = services.recent_documents(), services.unsent(
        current_user.id)
    reconnects, at_risk = services.sign_ins(current_user.id)
    return render_template("home/index.html", status=readiness.check(settings),
                           settings=settings, documents=documents,
                           statuses=_statuses(documents),
                           to_retry=unsent, next_steps=services.next_steps(unsent),
                           scheduled=scheduled,
                           scheduled_limit=services.SCHEDULED,
                           made_drafts=_not_sent(recurring.left_as_drafts()),
                           upcoming_runs=recurring.upcoming(),
                           reconnects=reconnects, at_risk=at_risk,
                           worker_health=worker.health(),
                           next_reminders=reminders.next_batch(get_company().locale),
                           provider_words=providers.WORDS, provider_labels=providers.LABELS)


def _not_sent(runs: list) -> list:
    """The recurring runs whose draft was never emailed since (one query for all)."""
    sent = history.sent_among([run.document for run in runs])
    return [run for run in runs if run.document.id not in sent]


def _statuses(documents: list) -> dict[int, str]:
    """Each recent document's email status, or an invoice's payment status."""
    words = history.list_statuses(documents)
    return {**words, **payments.statuses(documents, words)}


@bp.route("/account/time-zone", methods=["POST"])
@login_required
def save_time_zone():
    """The browser's time zone, sent once by static/js for a person who has none yet."""
    zone = (request.form.get("time_zone") or "").strip()
    if not timefmt.is_zone(zone):
        return "Unknown time zone.", 422
    if not current_user.time_zone:
        current_user.time_zone = zone
        db.session.commit()
    return "", 204
