"""The Email tab: sub-tabs as htmx fragments, saving, presets and Send Test."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user, login_required

from webpanel import sending
from webpanel.emailtab import savecheck, sendtest
from webpanel.emailtab.blueprint import bp
from webpanel.emailtab.forms import GeneralForm, SendTestForm, SmtpForm
from webpanel.emailtab.page import (
    OTHER_ACCOUNTS,
    TAB_LABELS,
    TABS,
    own_bounce_checks,
    owner_or_404,
    render_tab,
    smtp_form,
)
from webpanel.fragments import render_fragment
from webpanel.integrations import providers
from webpanel.mail.hints import STEP_LABELS
from webpanel.settings import audit, mx, services
from webpanel.transactions import reads_only, release


@bp.app_template_global("email_tab_label")
def email_tab_label(tab: str) -> str:
    """A sub-tab's label, e.g. "Outlook" (tab links, "Open the Outlook tab" buttons)."""
    return TAB_LABELS.get(tab, tab)


#: Where "Open SMTP settings" puts the focus after a failure at each step (an element id, or
#: the name of the radio group whose chosen option gets it); on Gmail and Outlook: sign in.
FIX_FOCUS = {"settings": "smtp_server", "connect": "smtp_server", "greeting": "smtp_port",
             "tls": "smtp_security", "sign-in": "smtp_username"}


@bp.app_template_global("fix_url")
def fix_url(user_id: int, tab: str, step: str = "") -> str:
    """The sub-tab that fixes a failure at `step`, focused where the fix is typed."""
    focus = FIX_FOCUS.get(step) if tab == sending.SMTP.tab else (
        "sign-in" if tab in providers.PROVIDERS else None)
    return url_for("settings.email_tab", user_id=user_id, tab=tab, _anchor=focus)


@bp.route("/")
@bp.route("/<tab>")
@login_required
def email_tab(user_id: int, tab: str = "general"):
    """A sub-tab: the whole page, or only the panel for an htmx tab switch."""
    if tab not in TABS:
        abort(404)
    owner = owner_or_404(user_id)
    return render_tab(owner, tab)


@bp.route("/general", methods=["POST"])
@login_required
def save_general(user_id: int):
    """Save the General sub-tab."""
    owner = owner_or_404(user_id)
    settings = services.load(owner.id)
    form = GeneralForm()
    if not form.validate_on_submit():
        return render_tab(owner, "general", general_form=form, status=422)
    before = audit.snapshot(settings)
    if form.time_zone.data:
        owner.time_zone = form.time_zone.data  # committed with the settings
    services.save_general(settings, form)
    audit.record(owner, current_user, audit.changed(before, settings))
    return render_tab(owner, "general", saved=True)


@bp.route("/smtp", methods=["POST"])
@login_required
def save_smtp(user_id: int):
    """Save the SMTP sub-tab (a blank Password keeps the stored one where it still applies),
    then try the saved settings (savecheck)."""
    owner = owner_or_404(user_id)
    settings = services.load(owner.id)
    form = smtp_form(owner.id)
    if not _validated(settings, form):
        return render_tab(owner, "smtp", smtp_form=form, status=422)
    before, typed = audit.snapshot(settings), bool(form.smtp_password.data)
    services.save_smtp(settings, form)
    audit.record(owner, current_user, audit.changed(before, settings) + ["Password"] * typed)
    check = savecheck.after_save(owner, form, own=owner.id == current_user.id)
    return render_tab(owner, "smtp", saved=check is None, save_check=check)


def _validated(settings, form: SmtpForm, typed_only: bool = False) -> bool:
    """The form's own checks, then whether the stored password may go where the form says."""
    valid = form.validate_on_submit()
    problem = services.password_problem(settings, form, typed_only)
    if problem:
        form.smtp_password.errors = [*form.smtp_password.errors, problem]
    return valid and not problem


@bp.route("/smtp/clear-password", methods=["POST"])
@login_required
def clear_password(user_id: int):
    """Forget the stored SMTP password."""
    owner = owner_or_404(user_id)
    settings = services.load(owner.id)
    had_password = settings.has_password
    services.clear_password(settings)
    audit.record(owner, current_user, ["Password (cleared)"] * had_password)
    return render_tab(owner, "smtp", notice="Password cleared.")


@bp.route("/changes/dismiss", methods=["POST"])
@login_required
def dismiss_changes(user_id: int):
    """Hide the notes of an administrator's changes (only their owner may)."""
    if user_id != current_user.id:
        abort(404)
    audit.dismiss(user_id)
    return render_fragment("settings/partials/_changes.html", owner=current_user, changes=[])


@bp.route("/smtp/recommended", methods=["POST"])
@login_required
@reads_only
def use_recommended(user_id: int):
    """Fill server, port and security from the provider preset (not saved until Save)."""
    owner = owner_or_404(user_id)
    address = services.load(owner.id).address
    release()  # no transaction stays open during the DNS look-up (MX_LOOKUP_TIMEOUT at most)
    preset = mx.recommend(address)
    form = smtp_form(owner.id)
    if preset:
        form.smtp_server.data, form.smtp_port.data = preset.server, preset.port
        form.smtp_port.raw_data = None  # else the box shows what was typed, not the preset
        form.smtp_security.data = preset.security
        if not form.smtp_username.data:
            form.smtp_username.data = address
    notice = (f"Filled in: server {preset.server}, port {preset.port}, "
              f"{preset.security.upper()}. Press Save to keep them." if preset else
              f"No recommendation for {mx.domain_of(address)} — ask your provider for the SMTP "
              "server name.")
    return render_tab(owner, "smtp", smtp_form=form, recommended_notice=notice, preset=preset,
                      recommended_filled=bool(preset))


@bp.route("/smtp/test")
@login_required
def send_test_dialog(user_id: int):
    """The Send Test dialog."""
    owner = owner_or_404(user_id)
    settings = services.load(owner.id)
    form = SendTestForm(formdata=None, test_to=settings.address or owner.email,
                        test_subject=sendtest.DEFAULT_SUBJECT)
    return render_fragment("settings/partials/_send_test.html", owner=owner, form=form,
                           other_accounts=OTHER_ACCOUNTS)


@bp.route("/smtp/test", methods=["POST"])
@login_required
def send_test(user_id: int):
    """Send a real test message with the values now in the SMTP form."""
    owner = owner_or_404(user_id)
    settings = services.load(owner.id)
    form, test_form = smtp_form(owner.id), SendTestForm()
    typed_only = owner.id != current_user.id  # an administrator never uses the stored one
    smtp_ok = (_validated(settings, form, typed_only) if form.send_using.data == sending.SMTP.name
               else form.validate_on_submit())
    test_ok = test_form.validate_on_submit()
    if not (smtp_ok and test_ok):
        return render_fragment("settings/partials/_send_test_form.html", owner=owner,
                               form=test_form, smtp_form=form, status=422,
                               other_accounts=OTHER_ACCOUNTS)
    outcome = sendtest.run(settings, test_form, form.send_using.data, form)
    return render_fragment("settings/partials/_send_test_result.html", owner=owner,
                           bounce_checks=own_bounce_checks(owner.id),
                           outcome=outcome, form=test_form, step_labels=STEP_LABELS,
                           other_accounts=OTHER_ACCOUNTS)
