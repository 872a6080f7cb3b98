"""Sign in and the callback for the Gmail and Outlook tabs (their screens and De-Authorize
live with the Email tab, in webpanel.emailtab)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webpanel.integrations import providers
from webpanel.oauth import services
from webpanel.oauth.blueprint import bp


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
