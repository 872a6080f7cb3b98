"""Choose your password: from an invitation link, or at the first sign-in after an
administrator set the password. Either way the person ends signed in with a password only they
know."""

from __future__ import annotations

import logging

from flask import current_app, flash, redirect, render_template, request
from flask_login import current_user, login_required

from webpanel import throttle
from webpanel.auth import invitations, services
from webpanel.auth.blueprint import bp
from webpanel.auth.forms import ChoosePasswordForm
from webpanel.auth.views import _sign_in as sign_in
from webpanel.auth.views import safe_next
from webpanel.errors import error_response
from webpanel.extensions import db
from webpanel.transactions import writing

log = logging.getLogger("webpanel.auth")
#: Links that lead nowhere, counted per address like failed sign-ins.
BUCKET = "invitation-address"
#: The status of a link's page by what is wrong with it.
STATUS = {invitations.UNKNOWN: 404, invitations.SWITCHED_OFF: 403}
SAME_AS_GIVEN = ("This is the password your administrator gave you. Choose one that only you "
                 "know.")


@bp.route("/account/choose-password", methods=["GET", "POST"])
@login_required
def choose_password():
    """An administrator set the password: the person chooses their own before anything else."""
    user = current_user._get_current_object()
    if not user.must_change_password:
        return redirect(safe_next(request.args.get("next")))
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        if user.check_password(form.password.data):
            form.password.errors.append(SAME_AS_GIVEN)
        else:
            services.change_password(user, form.password.data)
            sign_in(user, remember=False, new_session=False)
            flash("Your password is set. Only you know it.")
            return redirect(safe_next(request.args.get("next")))
    return _form_page(form, user.email, invited=False)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """The invitation link: opening it shows the form (and uses nothing up, for mail scanners
    that fetch links); sending the form sets the password and signs the person in."""
    if _throttled():
        return error_response(429, "Too many attempts with links that do not work.",
                              "Wait 15 minutes, then open the link from the email again.")
    opened = invitations.open_link(token[:200])
    if opened.problem:
        return _link_problem(opened.problem)
    form = ChoosePasswordForm()
    if not form.validate_on_submit():
        return _form_page(form, opened.user.email, invited=True)
    if not invitations.use(opened.invitation):  # another browser used it a moment ago
        db.session.rollback()
        return _link_problem(invitations.USED)
    services.change_password(opened.user, form.password.data)
    invitations.revoke(opened.user)
    log.info("user %s chose their password from an invitation", opened.user.id)
    sign_in(opened.user, remember=False)
    flash("Welcome! Your password is set and you are signed in.")
    return redirect(safe_next(None))


def _form_page(form: ChoosePasswordForm, email: str, invited: bool):
    response = current_app.make_response((render_template(
        "auth/choose_password.html", form=form, email=email, invited=invited),
        422 if form.errors else 200))
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_problem(problem: str):
    if problem == invitations.UNKNOWN:
        with writing():  # a GET's one write: the count that slows down guessing
            throttle.record(BUCKET, request.remote_addr or "unknown")
        log.warning("invitation link that leads nowhere opened from %s", request.remote_addr)
    title, advice = invitations.PROBLEMS[problem]
    return error_response(STATUS.get(problem, 410), title, advice)


def _throttled() -> bool:
    cfg = current_app.config
    return throttle.recent(BUCKET, request.remote_addr or "unknown",
                           cfg["LOGIN_FAILURE_WINDOW"]) >= cfg["LOGIN_FAILURES_PER_ADDRESS"]
