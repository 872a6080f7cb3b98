"""Setup, sign-in, sign-out and password views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from webpanel.auth import services
from webpanel.auth.blueprint import bp
from webpanel.auth.forms import ChangePasswordForm, LoginForm, SetupForm
from webpanel.company.services import name_company
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """Create the first administrator; gone once any account exists."""
    if services.has_users():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        name_company(form.company_name.data, form.company_address.data)
        user = services.create_user(form.email.data, form.password.data, is_admin=True,
                                    name=form.name.data)
        if form.sample_data.data:
            load_sample_data()
        _sign_in(user, remember=False)
        flash("Welcome! Your administrator account is ready." + (
            " Sample customers, vendors and documents are loaded: open Documents to try "
            "them." if form.sample_data.data else ""))
        return redirect(url_for("home.index"))
    return render_template("auth/setup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in, then go to `next` if it is a path on this site."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        except services.SignInThrottled:
            error = ("Too many failed sign-ins. Wait 15 minutes, or ask an administrator to "
                     "reset your password.")
        except services.SwitchedOff as refused:
            error = str(refused)
        else:
            if user:
                _sign_in(user, remember=form.remember.data)
                if user.must_change_password:  # an administrator set it: choose one first
                    return redirect(url_for("auth.choose_password",
                                            next=request.args.get("next")))
                return redirect(safe_next(request.args.get("next")))
            error = "That email and password do not match an account. Check both and try again."
    status = 401 if error else (422 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out; the old cookie stops working."""
    services.end_session(session.get("_user_id"))
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other browsers are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            user = current_user._get_current_object()
            services.change_password(user, form.password.data)
            _sign_in(user, remember=False, new_session=False)
            flash("Password changed. Other computers signed in as you were signed out.")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


def _sign_in(user, remember: bool, new_session: bool = True) -> None:
    """Rotate the browser session and record a new sign-in."""
    session.clear()
    if new_session:
        services.start_session(user, remember=remember)
        services.prune_expired()  # a write happens anyway: drop what has expired
    db.session.commit()
    login_user(user, remember=remember)


def safe_next(target: str | None) -> str:
    """`next` only if it is a path on this site; otherwise the home page."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return url_for("home.index")
    return target
