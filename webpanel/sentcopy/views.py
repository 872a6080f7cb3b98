"""The Sent folder copy on the SMTP tab (save, Find folders, clear the password) and Retry copy
in Sent mail and the document history."""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user, login_required

from webpanel.extensions import db, htmx
from webpanel.fragments import render_fragment
from webpanel.listing import per_list
from webpanel.mail import imap
from webpanel.mail.base import MailError
from webpanel.outbox import services as outbox_services
from webpanel.sentcopy import copying, section, services
from webpanel.sentcopy.blueprint import bp
from webpanel.sentcopy.forms import ImapForm
from webpanel.sentcopy.models import SentCopy
from webpanel.settings import audit, servers
from webpanel.settings import services as settings_services
from webpanel.settings.views import owner_or_404, render_tab
from webpanel.transactions import release

SECTION = "sentcopy/partials/_section.html"
TAB = "/users/<id:user_id>/email/imap"


@bp.app_template_global("sent_copy_section")
def _section_context(user_id: int) -> dict:
    return section.context(user_id)


@bp.app_template_global("sent_copy")
def _sent_copy(message_id: int, items=()) -> SentCopy | None:
    """A message's copy record; among a list's ``items``, one query serves the whole list."""
    return per_list("sent_copies", items, message_id, copying.copies_of)


@bp.app_template_global("copy_state")
def _copy_state(record: SentCopy) -> str:
    return copying.state_of(record)


@bp.app_template_global("copy_failed_text")
def _copy_failed_text(record: SentCopy) -> str:
    return copying.failed_text(record)


@bp.route(TAB)
@login_required
def setup(user_id: int):
    """The section opened for setting up (not saved until Save)."""
    owner = owner_or_404(user_id)
    row = services.load(owner.id)
    form = ImapForm(formdata=None, obj=None, **{f"imap_{k}": v for k, v in
                                                 services.saved_values(row).items()})
    form.imap_enabled.data = True
    return _section(owner.id, form=form, imap_expanded=True)


@bp.route(TAB, methods=["POST"])
@login_required
def save(user_id: int):
    """Save the Sent folder copy section."""
    owner = owner_or_404(user_id)
    smtp, row = settings_services.load(owner.id), services.load(owner.id)
    form = ImapForm()
    found = section.problems(form, row, smtp) if not section.provider_note(smtp) else {}
    valid = form.validate_on_submit()
    section.apply(form, found)
    if section.provider_note(smtp):
        return _section(owner.id, status=422, form=form)
    if not valid or found:
        return _section(owner.id, status=422, form=form)
    before, typed = services.saved_values(row), form.imap_password.data or ""
    services.save(row, form.values(), smtp, typed, own=owner.id == current_user.id)
    audit.record(owner, current_user, section.changed_labels(before, row, bool(typed)))
    return _section(owner.id, imap_saved=True)


@bp.route(f"{TAB}/folders", methods=["POST"])
@login_required
def find_folders(user_id: int):
    """List the IMAP server's folders for the values now in the section (saved or not)."""
    owner = owner_or_404(user_id)
    smtp, row = settings_services.load(owner.id), services.load(owner.id)
    form = ImapForm()
    form.validate_on_submit()
    errors = {name[5:]: field.errors[0] for name, field in form._fields.items()
              if field.errors and name.startswith("imap_")}
    if not form.imap_host.data:
        errors["host"] = "Enter your provider's IMAP server, like imap.example.com."
    if not services.target_of(form.values(), smtp).username:
        errors["username"] = "Enter the IMAP user name (usually your email address)."
    password, problem = section.probe_password(form, row, smtp, owner.id == current_user.id)
    if problem:
        errors["password"] = problem
    if errors:
        return _folders(owner.id, form, errors)
    config = services.config_from(form.values(), smtp, password or "")
    try:
        section.admit(owner.id, config)
        release()  # no transaction while the IMAP server answers
        folders = imap.list_folders(config)
    except MailError as error:
        return _folders(owner.id, form, section.find_errors(error))
    servers.remember(owner.id, config.host, config.port)
    db.session.commit()
    sent = imap.find_sent(folders)
    if not form.imap_folder.data and sent is not None:
        form.imap_folder.data = sent.name
    return _folders(owner.id, form, {}, folders=section.folder_choices(folders))


@bp.route(f"{TAB}/clear-password", methods=["POST"])
@login_required
def clear_password(user_id: int):
    """Forget the password typed for IMAP."""
    owner = owner_or_404(user_id)
    row = services.load(owner.id)
    had = bool(row.password_enc)
    services.clear_password(row)
    audit.record(owner, current_user, ["IMAP Password (cleared)"] * had)
    return _section(owner.id, imap_notice="IMAP password cleared.")


@bp.route("/sent/<id:message_id>/copy/retry", methods=["POST"])
@login_required
def retry_copy(message_id: int):
    """Copy one sent message to the Sent folder again (never a second copy)."""
    message = outbox_services.get_own(current_user.id, message_id)
    if message is None or message.status != "sent":
        abort(404)
    record = copying.retry_copy(message)
    if not htmx:
        return redirect(url_for("outbox.message_preview", message_id=message_id))
    return render_fragment("sentcopy/partials/_copy_state.html", copy=record,
                           copy_of=message_id, copy_own=True)


def _section(user_id: int, status: int = 200, form: ImapForm | None = None, **extra):
    """The section alone for htmx; the whole SMTP tab, with this section, otherwise."""
    owner = owner_or_404(user_id)
    context = section.context(user_id, form, **extra)
    if not htmx:
        return render_tab(owner, "smtp", status=status, imap_section=context)
    return render_fragment(SECTION, status=status, owner=owner, imap_section=context)


def _folders(user_id: int, form: ImapForm, errors: dict[str, str],
             folders: list[tuple[str, str]] | None = None):
    owner = owner_or_404(user_id)
    context = section.context(user_id, form, imap_find_errors=errors, folders=folders,
                              imap_found=None if folders is None else len(folders))
    return render_fragment("sentcopy/partials/_folders.html", owner=owner, imap_section=context,
                           oob=True, status=422 if errors else 200)
