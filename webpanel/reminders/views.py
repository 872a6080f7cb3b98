"""The Payment reminders page (administrators), an invoice's reminders on or off, and a failed
reminder sent again."""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required

from webpanel.access import admin_required
from webpanel.documents import services as documents
from webpanel.extensions import db, htmx
from webpanel.fragments import render_htmx
from webpanel.mailtemplates.kinds import REMINDER_LEVELS, TEMPLATE_KINDS, reminder_key
from webpanel.outbox import history
from webpanel.reminders import panel, plan, sender
from webpanel.reminders.blueprint import bp
from webpanel.reminders.forms import PlanForm
from webpanel.reminders.models import Reminder

PAGE, PARTIAL = "reminders/plan.html", "reminders/partials/_plan_form.html"


def _loaded() -> PlanForm:
    schedule = plan.schedule()
    days = [d for _level, d in schedule.levels] or list(plan.SUGGESTED)
    form = PlanForm(formdata=None, hour=schedule.hour, time_zone=schedule.zone)
    for n in range(1, REMINDER_LEVELS + 1):
        form[f"level_{n}"].data = str(days[n - 1]) if n <= len(days) else ""
    return form


def _render(form: PlanForm, status: int = 200, notice: str = ""):
    schedule = plan.schedule()
    return render_htmx(PAGE, PARTIAL, status=status, form=form, notice=notice,
                       active=bool(schedule.levels), levels=schedule.levels,
                       describe=plan.describe, slugs=[TEMPLATE_KINDS[reminder_key(n)].slug
                                                      for n in range(1, REMINDER_LEVELS + 1)])


@bp.route("/reminders/")
@admin_required
def edit():
    """The office's plan (the suggested one filled in when none is set yet)."""
    return _render(_loaded())


@bp.route("/reminders/", methods=["POST"])
@admin_required
def save():
    """Save the plan; an empty plan sends no reminders."""
    form = PlanForm()
    if not form.validate_on_submit():
        return _render(form, status=422)
    days = form.days()
    plan.save(days, form.hour.data, form.time_zone.data)
    return _render(form, notice="Saved. " + (f"{len(days)} reminder levels are active."
                                             if days else "No reminders will go."))


@bp.route("/documents/<id:document_id>/reminders", methods=["POST"])
@login_required
def switch(document_id: int):
    """Turn reminders on or off for one invoice."""
    document = documents.get_document(document_id)
    if document is None or document.kind != "invoice":
        abort(404)
    document.reminders_on = request.form.get("on") == "1"
    db.session.commit()
    return _panel(document)


@bp.route("/documents/<id:document_id>/reminders/<id:reminder_id>/retry", methods=["POST"])
@login_required
def retry(document_id: int, reminder_id: int):
    """Send a failed reminder again (its sender or an administrator: it goes in the sender's
    name, as planned)."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.document_id != document_id:
        abort(404)
    if not panel.may_retry(reminder, current_user):
        abort(403)
    sender.retry(reminder)
    return _panel(documents.get_document(document_id))


def _panel(document):
    """The invoice's Reminders part again (its page, without htmx)."""
    if not htmx:
        return redirect(url_for("documents.show", document_id=document.id), 303)
    return render_htmx("reminders/invoice.html", "reminders/partials/_invoice.html",
                       **panel.slot(document, history.history(document, current_user.id)))
