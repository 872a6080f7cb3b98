"""The Sent folder copy section of the SMTP tab: open it, save it, Find folders, clear its
password."""

from __future__ import annotations

from flask_login import current_user, login_required

from webpanel.emailtab import imap_section
from webpanel.emailtab.blueprint import bp
from webpanel.emailtab.forms import ImapForm
from webpanel.emailtab.page import owner_or_404, render_tab
from webpanel.extensions import db, htmx
from webpanel.fragments import render_fragment
from webpanel.mail import imap
from webpanel.mailbase import MailError
from webpanel.settings import audit, servers
from webpanel.settings import imap_settings as services
from webpanel.settings import services as settings_services
from webpanel.transactions import release

SECTION = "sentcopy/partials/_section.html"
TAB = "/imap"  # under the Email tab: /users/<id>/email/imap


@bp.route(TAB)
@login_required
def imap_setup(user_id: int):
    """The section opened for setting up (not saved until Save)."""
    owner = owner_or_404(user_id)
    row = services.load(owner.id)
    form = ImapForm(formdata=None, obj=None, **{f"imap_{k}": v for k, v in
                                                 services.saved_values(row).items()})
    form.imap_enabled.data = True
    imap_section.office_start(form, row)
    return _section(owner.id, form=form, row=row, imap_expanded=True)


@bp.route(TAB, methods=["POST"])
@login_required
def imap_save(user_id: int):
    """Save the Sent folder copy section."""
    owner = owner_or_404(user_id)
    smtp, row = settings_services.load(owner.id), services.load(owner.id)
    form = ImapForm()
    found = imap_section.problems(form, row, smtp) if not imap_section.provider_note(smtp) else {}
    valid = form.validate_on_submit()
    imap_section.apply(form, found)
    if imap_section.provider_note(smtp):
        return _section(owner.id, status=422, form=form)
    if not valid or found:
        return _section(owner.id, status=422, form=form)
    before, typed = services.saved_values(row), form.imap_password.data or ""
    services.save(row, form.values(), smtp, typed, own=owner.id == current_user.id)
    audit.record(owner, current_user, imap_section.changed_labels(before, row, bool(typed)))
    return _section(owner.id, imap_saved=True)


@bp.route(f"{TAB}/folders", methods=["POST"])
@login_required
def imap_find_folders(user_id: int):
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
    password, problem = imap_section.probe_password(form, row, smtp, owner.id == current_user.id)
    if problem:
        errors["password"] = problem
    if errors:
        return _folders(owner.id, form, errors)
    config = services.config_from(form.values(), smtp, password or "")
    try:
        imap_section.admit(owner.id, config)
        release()  # no transaction while the IMAP server answers
        folders = imap.list_folders(config)
    except MailError as error:
        return _folders(owner.id, form, imap_section.find_errors(error))
    servers.remember(owner.id, config.host, config.port)
    db.session.commit()
    sent = imap.find_sent(folders)
    if not form.imap_folder.data and sent is not None:
        form.imap_folder.data = sent.name
    return _folders(owner.id, form, {}, folders=imap_section.folder_choices(folders))


@bp.route(f"{TAB}/clear-password", methods=["POST"])
@login_required
def imap_clear_password(user_id: int):
    """Forget the password typed for IMAP."""
    owner = owner_or_404(user_id)
    row = services.load(owner.id)
    had = bool(row.password_enc)
    services.clear_password(row)
    audit.record(owner, current_user, ["IMAP Password (cleared)"] * had)
    return _section(owner.id, imap_notice="IMAP password cleared.")


def _section(user_id: int, status: int = 200, form: ImapForm | None = None, **extra):
    """The section alone for htmx; the whole SMTP tab, with this section, otherwise."""
    owner = owner_or_404(user_id)
    context = imap_section.context(user_id, form, **extra)
    if not htmx:
        return render_tab(owner, "smtp", status=status, imap_section=context)
    return render_fragment(SECTION, status=status, owner=owner, imap_section=context)


def _folders(user_id: int, form: ImapForm, errors: dict[str, str],
             folders: list[tuple[str, str]] | None = None):
    owner = owner_or_404(user_id)
    context = imap_section.context(user_id, form, imap_find_errors=errors, folders=folders,
                              imap_found=None if folders is None else len(folders))
    return render_fragment("sentcopy/partials/_folders.html", owner=owner, imap_section=context,
                           oob=True, status=422 if errors else 200)
