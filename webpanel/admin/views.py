"""List users, add one (invited by email or with a password set now), send an invitation
again, rename one, reset a password, grant admin, switch an account off or on; and how the
background worker and its queue stand."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from webpanel import timefmt, worker
from webpanel.access import admin_required
from webpanel.admin import invite
from webpanel.admin.blueprint import bp
from webpanel.admin.forms import (
    LINK,
    SET_NOW,
    ActiveForm,
    AddUserForm,
    AdminForm,
    RenameForm,
    ResendForm,
    ResetPasswordForm,
)
from webpanel.auth import invitations, services
from webpanel.auth.models import User
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.outbox import backlog
from webpanel.settings.models import EmailSettings


def _page(add_form: AddUserForm | None = None, status: int = 200,
          renaming: tuple[User, RenameForm] | None = None):
    users = db.session.scalars(select(User).order_by(User.email)).all()
    blocked = invite.blocked(current_user)
    return render_template("admin/users.html", users=users,
                           add_form=add_form or _add_form(blocked),
                           reset_form=ResetPasswordForm(), admin_form=AdminForm(),
                           active_admins=services.active_admins(),
                           invitations=invitations.waiting(), invite_blocked=blocked,
                           is_expired=invitations.is_expired,
                           renaming=renaming, **_background_worker(users)), status


def _add_form(blocked: invite.Blocked | None) -> AddUserForm:
    """The Add a user form; its choice starts at the link when the administrator can send one
    (a post without the choice, from before it existed, sets the password it carries)."""
    given = request.method == "POST" and request.form.get("password")
    form = AddUserForm(how=SET_NOW if blocked or given else LINK)
    form.invite_blocked = blocked.problem if blocked else ""
    return form


def _background_worker(users: list[User]) -> dict:
    """The Background worker section: its heartbeat, the messages waiting and due, and the
    oldest due one (whose, and for how long)."""
    queue = backlog.backlog()
    oldest = queue.oldest
    return {"worker_health": worker.health(), "queue": queue,
            "oldest_owner": next((u for u in users if oldest and u.id == oldest.user_id), None),
            "oldest_age": timefmt.duration(utcnow() - oldest.since) if oldest else ""}


@bp.route("/")
@admin_required
def users():
    """The Users page."""
    return _page()


@bp.route("/", methods=["POST"])
@admin_required
def add_user():
    """Add an account, then email the invitation (the account stays if sending fails)."""
    form = _add_form(invite.blocked(current_user))
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        user = _create(form)
    except services.UserExists as exc:
        form.email.errors.append(str(exc))
        return _page(form, 422)
    db.session.commit()
    if form.how.data == SET_NOW:
        flash(f"Added {user.email}. Tell them the password: at their first sign-in they choose "
              "their own.")
        return redirect(url_for("admin.users"))
    return _invite(user, f"Added {user.email}.")


def _create(form: AddUserForm) -> User:
    if form.how.data == LINK:
        return services.create_invited(form.email.data, form.is_admin.data, name=form.name.data)
    user = services.create_user(form.email.data, form.password.data, form.is_admin.data,
                                name=form.name.data)
    user.must_change_password = True
    return user


def _invite(user: User, said: str = ""):
    """Email `user` a new link (the old one stops working) and say how it went."""
    admin = current_user._get_current_object()
    invitation, token = invitations.invite(user, admin)
    failure = invite.send(admin, user, invitation.id, token)
    if failure is None:
        flash(f"{said} An invitation went to {user.email}: its link lets them choose their "
              "password, once, within 24 hours.".strip())
    else:
        flash(f"{said} The invitation to {user.email} was not sent: {failure.reason} "
              f"{failure.hint} Then press “Send the invitation again” in their row, or set "
              "a password for them.".strip(), "error")
    return redirect(url_for("admin.users"))


@bp.route("/<id:user_id>/invitation", methods=["POST"])
@admin_required
def resend_invitation(user_id: int):
    """Send a new link to someone who has not chosen their password yet."""
    user = _get(user_id)
    if not ResendForm().validate_on_submit():
        abort(400)
    if user.id not in invitations.waiting():
        flash(f"{user.email} has no invitation waiting: they chose their password already, or "
              "an administrator set one.", "error")
        return redirect(url_for("admin.users"))
    blocked = invite.blocked(current_user)
    if blocked:
        flash(f"The invitation to {user.email} was not sent: {blocked.problem} "
              f"{blocked.link_text}, or set a password for them.", "error")
        return redirect(url_for("admin.users"))
    return _invite(user)


@bp.route("/<id:user_id>/name", methods=["POST"])
@admin_required
def rename(user_id: int):
    """Change an account's name; a refused name comes back at its row's field."""
    user = _get(user_id)
    form = RenameForm()
    if not form.validate_on_submit():
        return _page(status=422, renaming=(user, form))
    user.name = (form.name.data or "").strip()
    db.session.commit()
    flash(_renamed(user))
    return redirect(url_for("admin.users"))


def _renamed(user: User) -> str:
    """What a rename did, including whether the person's emails show the new name."""
    if not user.name:
        return f"{user.email} has no name now."
    said = f"{user.email} is now named “{user.name}”."
    settings = db.session.get(EmailSettings, user.id)
    if settings is None or settings.display_name == user.name:
        return said
    shown = settings.display_name or user.email
    return (f"{said} Their emails still show “{shown}”, the Email Display Name saved on their "
            "Email tab: change it there too if it should follow.")


@bp.route("/<id:user_id>/password", methods=["POST"])
@admin_required
def reset_password(user_id: int):
    """Set a new password; the person is signed out everywhere and chooses their own at the
    next sign-in (an administrator's own password is simply changed)."""
    user = _get(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash(f"Password for {user.email} not changed: {_first_error(form)}", "error")
        return redirect(url_for("admin.users"))
    services.set_by_admin(user, form.password.data, current_user)
    db.session.commit()
    if user.id == current_user.id:
        login_user(user)
        flash("Your new password is set. Your other computers were signed out.")
    else:
        flash(f"New password set for {user.email}. They were signed out everywhere; tell them "
              "the password: at their next sign-in they choose their own.")
    return redirect(url_for("admin.users"))


@bp.route("/<id:user_id>/admin", methods=["POST"])
@admin_required
def set_admin(user_id: int):
    """Grant or withdraw administrator rights (never from oneself)."""
    user = _get(user_id)
    form = AdminForm()
    if form.validate_on_submit():
        if user.id == current_user.id and not form.is_admin.data:
            flash("You cannot withdraw your own administrator rights.", "error")
        else:
            user.is_admin = form.is_admin.data
            db.session.commit()
            flash(f"{user.email} is {'now' if user.is_admin else 'no longer'} an administrator.")
    return redirect(url_for("admin.users"))


@bp.route("/<id:user_id>/active", methods=["POST"])
@admin_required
def set_active(user_id: int):
    """Switch an account off (signed out everywhere, history kept) or on again."""
    user = _get(user_id)
    form = ActiveForm()
    if form.validate_on_submit():
        try:
            services.set_active(user, bool(form.active.data), current_user)
        except services.LastAdministrator as refused:
            flash(str(refused), "error")
            return redirect(url_for("admin.users"))
        db.session.commit()
        flash(f"{user.email} is switched on again: they can sign in." if user.active else
              f"{user.email} is switched off and signed out everywhere. Their sent mail is "
              "kept.")
    return redirect(url_for("admin.users"))


def _get(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _first_error(form) -> str:
    return next(iter(error for errors in form.errors.values() for error in errors), "")
