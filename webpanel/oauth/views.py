"""Sign in, the callback, and De-Authorize for the Gmail and Outlook tabs."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.oauth import services
from webpanel.settings import audit
from webpanel.settings.models import EmailSettings
from webpanel.settings.views import FALLBACK_KEY, owner_or_404, render_tab

bp = Blueprint("oauth", __name__)


def _callback_uri(provider: str) -> str:
    return url_for("oauth.callback", provider=provider, _external=True)


def _tab_url(user_id: int, provider: str) -> str:
    return url_for("settings.email_tab", user_id=user_id, tab=providers.TABS[provider])


@bp.route("/users/<id:user_id>/email/<tab>/connect", methods=["POST"])
@login_required
def connect(user_id: int, tab: str):
    """Start signing in: only people sign in for themselves."""
    provider_name = providers.PROVIDERS.get(tab)
    if provider_name is None or user_id != current_user.id:
        abort(404)
    provider = providers.get(provider_name)
    if provider is None:
        flash(f"Sign-in with {providers.LABELS[provider_name]} is not set up yet. Ask your "
              "administrator to fill in the Integrations page.", "error")
        return redirect(_tab_url(user_id, provider_name))
    return redirect(services.start(provider, current_user.id, _callback_uri(provider_name)))


@bp.route("/oauth/<provider>/callback")
@login_required
def callback(provider: str):
    """Where Google or Microsoft sends the browser back; saves nothing unless state matches."""
    configured = providers.get(provider) if provider in providers.LABELS else None
    if configured is None:
        abort(404)
    try:
        account = services.finish(configured, current_user.id, request.args.to_dict(),
                                  _callback_uri(provider))
    except services.SignInFailed as failure:
        return render_template("oauth/failed.html", message=str(failure),
                               back=_tab_url(current_user.id, provider)), 400
    flash(f"Signed in as {account.email}. You can now choose "
          f"“{providers.WORDS[provider]['method']}” under SMTP → Send Mail Using.")
    return redirect(_tab_url(current_user.id, provider))


@bp.route("/users/<id:user_id>/email/<tab>/deauthorize", methods=["POST"])
@login_required
def deauthorize(user_id: int, tab: str):
    """Revoke (Google) and delete the local tokens, even if revoking fails."""
    owner = owner_or_404(user_id)
    provider_name = providers.PROVIDERS.get(tab) or abort(404)
    account = services.account_for(owner.id, provider_name)
    notice = "Not signed in."
    if account is not None:
        revoked = services.deauthorize(account, providers.get(provider_name))
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
    if revoked is None:
        return "Outlook is de-authorized: the panel deleted its tokens. " + \
            services.MICROSOFT_CONSENT_HELP
    if revoked == services.REVOKED:
        return ("Gmail is de-authorized: Google revoked the panel's access and the tokens are "
                "deleted.")
    if revoked == services.ALREADY_REVOKED:
        return ("Google says this sign-in was already revoked; it is removed here too. Gmail is "
                "de-authorized.")
    return ("The panel deleted its Gmail tokens, but Google could not be reached to revoke them. "
            "To be sure, remove the panel under Google Account → Security → Third-party access.")

