"""The Gmail and Outlook tabs' own actions: Send Test through the API, and De-Authorize
(signing in stays in webpanel.oauth)."""

from __future__ import annotations

from flask import abort, session, url_for
from flask_login import current_user, login_required

from webpanel import sending
from webpanel.auth.models import User
from webpanel.emailtab import sendtest
from webpanel.emailtab.blueprint import bp
from webpanel.emailtab.forms import SendTestForm
from webpanel.emailtab.page import FALLBACK_KEY, own_bounce_checks, owner_or_404, render_tab
from webpanel.extensions import db
from webpanel.fragments import render_fragment
from webpanel.integrations import providers
from webpanel.mail.hints import STEP_LABELS
from webpanel.oauth import services as oauth_services
from webpanel.settings import audit, services
from webpanel.settings.models import EmailSettings


def _own_api_tab(user_id: int, tab: str) -> User:
    """The signed-in person's own Gmail or Outlook tab; anything else is 404 (an
    administrator never sends from a colleague's account)."""
    if tab not in providers.PROVIDERS or user_id != current_user.id:
        abort(404)
    return owner_or_404(user_id)


def _test_context(owner: User, tab: str) -> dict:
    """What the shared Send Test templates need to post to this tab and speak of its API."""
    return {"owner": owner, "test_url": url_for("settings.api_send_test", user_id=owner.id,
                                                tab=tab),
            "api_words": providers.WORDS[providers.PROVIDERS[tab]]}


@bp.route("/<tab>/test")
@login_required
def api_send_test_dialog(user_id: int, tab: str):
    """The Send Test dialog of the Gmail or Outlook tab, addressed to oneself."""
    owner = _own_api_tab(user_id, tab)
    settings = services.load(owner.id)
    account = oauth_services.account_for(owner.id, providers.PROVIDERS[tab])
    to = settings.address or (account.email if account else "") or owner.email
    form = SendTestForm(formdata=None, test_to=to, test_subject=sendtest.DEFAULT_SUBJECT)
    return render_fragment("settings/partials/_send_test.html", form=form,
                           **_test_context(owner, tab))


@bp.route("/<tab>/test", methods=["POST"])
@login_required
def api_send_test(user_id: int, tab: str):
    """Send a real test message through the Gmail API or Microsoft Graph."""
    owner = _own_api_tab(user_id, tab)
    test_form = SendTestForm()
    if not test_form.validate_on_submit():
        return render_fragment("settings/partials/_send_test_form.html", form=test_form,
                               status=422, **_test_context(owner, tab))
    outcome = sendtest.run(services.load(owner.id), test_form, tab)
    return render_fragment("settings/partials/_send_test_result.html", outcome=outcome,
                           bounce_checks=own_bounce_checks(owner.id),
                           form=test_form, step_labels=STEP_LABELS, **_test_context(owner, tab))


@bp.route("/<tab>/deauthorize", methods=["POST"])
@login_required
def deauthorize(user_id: int, tab: str):
    """Revoke (Google) and delete the local tokens, even if revoking fails."""
    owner = owner_or_404(user_id)
    provider_name = providers.PROVIDERS.get(tab) or abort(404)
    account = oauth_services.account_for(owner.id, provider_name)
    notice = "Not signed in."
    if account is not None:
        revoked = oauth_services.deauthorize(account, providers.get(provider_name))
        notice = _deauthorized_notice(provider_name, revoked)
        changed = [f"{providers.WORDS[provider_name]['name']} sign-in (de-authorized)"]
        if _fall_back_to_smtp(owner.id, tab):
            changed.append("Send Mail Using")
            notice += (" You signed out of the API you sent with: Send Mail Using is SMTP "
                       "Server now. Open the SMTP tab to choose how to send.")
        audit.record(owner, current_user, changed)
    return render_tab(owner, tab, notice=notice)


def _fall_back_to_smtp(user_id: int, tab: str) -> bool:
    """If the saved "Send Mail Using" was this API, make it SMTP Server and say so once on the
    SMTP tab (no radio would be chosen otherwise)."""
    settings = db.session.get(EmailSettings, user_id)
    if settings is None or settings.send_using != tab:
        return False
    settings.send_using = "smtp"
    db.session.commit()
    session[FALLBACK_KEY] = {"user_id": user_id, "tab": tab}
    return True


def _deauthorized_notice(provider: str, revoked: str | None) -> str:
    """The provider's words for what revoking gave (None: it has no revoke endpoint)."""
    return sending.SIGN_INS[provider].deauthorized[revoked or ""]
