"""Make a document recur, the list of schedules, and Pause, Resume and End."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from webpanel import timefmt
from webpanel.documents.services import get_document
from webpanel.errors import error_response
from webpanel.recurring import services
from webpanel.recurring.blueprint import bp
from webpanel.recurring.forms import RepeatForm
from webpanel.recurring.models import Schedule
from webpanel.settings import services as settings_services

NOT_YOURS = ("Only its creator or an administrator can change this schedule",
             "It emails in its creator's name. Ask them, or an administrator.")


def _form(document) -> RepeatForm:
    """The Repeat form, prefilled from the document and its contact."""
    today = timefmt.today()
    contact = document.contact
    form = RepeatForm(day_of_month=str(document.date.day), to=contact.email or "",
                      cc=contact.default_cc or "",
                      start=services.suggested_start(document.date, today, "month"))
    form.today = today
    return form


@bp.route("/<id:document_id>/repeat", methods=["GET", "POST"])
@login_required
def new(document_id: int):
    """The Repeat page of a document: a form that makes it recur."""
    document = get_document(document_id) or abort(404)
    form = _form(document)
    if form.validate_on_submit():
        schedule = services.create(document.id, current_user.id, form.plan())
        flash(f"{document.label} now repeats: {schedule.words.lower()}, first on "
              f"{timefmt.day(schedule.first_run)}.")
        return redirect(url_for("recurring.index"), 303)
    settings = settings_services.load(current_user.id)
    return render_template("recurring/new.html", form=form, document=document,
                           sender=settings.address, failed=bool(form.errors),
                           existing=services.of_document(document.id)), \
        422 if form.errors else 200


@bp.route("/recurring/")
@login_required
def index():
    """Every schedule, with its next run, and Pause, Resume and End."""
    return render_template("recurring/list.html", schedules=services.all_schedules(),
                           may_change=lambda s: services.may_change(s, current_user))


def _change(schedule_id: int, action, done: str, not_done: str):
    schedule: Schedule = services.get(schedule_id) or abort(404)
    if not services.may_change(schedule, current_user):
        return error_response(403, *NOT_YOURS)
    label = schedule.document.label
    flash((done if action(schedule) else not_done).format(label=label))
    return redirect(url_for("recurring.index"), 303)


@bp.route("/recurring/<id:schedule_id>/pause", methods=["POST"])
@login_required
def pause(schedule_id: int):
    """Pause a schedule."""
    return _change(schedule_id, services.pause, "Paused the schedule of {label}.",
                   "The schedule of {label} was not running.")


@bp.route("/recurring/<id:schedule_id>/resume", methods=["POST"])
@login_required
def resume(schedule_id: int):
    """Resume a paused schedule."""
    return _change(schedule_id, services.resume, "Resumed the schedule of {label}.",
                   "The schedule of {label} was not paused.")


@bp.route("/recurring/<id:schedule_id>/end", methods=["POST"])
@login_required
def end(schedule_id: int):
    """End a schedule for good."""
    return _change(schedule_id, services.end, "Ended the schedule of {label}; the documents "
                   "it made stay.", "The schedule of {label} had already ended.")
