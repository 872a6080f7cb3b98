"""The Integrations page (administrators only): one section per sign-in provider."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from markupsafe import Markup

from webpanel import sending
from webpanel.access import admin_required
from webpanel.crypto import secret_box
from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.integrations.blueprint import bp
from webpanel.integrations.forms import IntegrationsForm


@bp.route("/", methods=["GET", "POST"])
@admin_required
def page():
    """Show and save the app registrations (then redirect); secrets are write-only."""
    row = providers.stored()
    form = IntegrationsForm(obj=row)
    if form.validate_on_submit():
        _save(row, form)
        flash(f"Saved. People can now sign in on their {_tab_names('and')} tabs where the "
              "status says Set up.")
        return redirect(url_for("integrations.page"))  # a reload does not post again
    saved = False
    status = 422 if form.errors else 200
    return render_template("integrations/page.html", form=form, row=row, saved=saved,
                           sign_ins=sending.SIGN_INS.values(), howto=_howto(),
                           companies=sending.joined([f"with {p.label}"
                                                     for p in sending.SIGN_INS.values()]),
                           tab_names=_tab_names("or"), env=_from_environment(),
                           configured={n: providers.get(n) is not None for n in providers.LABELS},
                           extra_allowed={p.name: providers.extra_allowed(p)
                                          for p in sending.SIGN_INS.values()},
                           ), status


def _save(row, form: IntegrationsForm) -> None:
    box = secret_box()
    for name in sending.SIGN_INS:
        setattr(row, f"{name}_client_id", form[f"{name}_client_id"].data.strip())
        secret = form[f"{name}_client_secret"].data
        if secret:  # write-only: blank keeps the stored one
            setattr(row, f"{name}_client_secret_enc", box.encrypt(secret))
        if sending.SIGN_INS[name].tenant_key:
            setattr(row, f"{name}_tenant", form[f"{name}_tenant"].data.strip() or "common")
    db.session.add(row)
    db.session.commit()


def _tab_names(conjunction: str) -> str:
    """"Gmail and Outlook" (or "Gmail or Outlook")."""
    return sending.joined([p.tab_name for p in sending.SIGN_INS.values()], conjunction)


def _howto() -> dict[str, list[tuple[str, Markup]]]:
    """Each provider's how-to steps as (anchor id, HTML), its redirect URI filled in."""
    steps = {}
    for p in sending.SIGN_INS.values():
        uri = url_for("oauth.callback", provider=p.name, _external=True)
        steps[p.name] = [_step(text, uri) for text in p.howto]
    return steps


def _step(text: str, redirect_uri: str) -> tuple[str, Markup]:
    anchor = ""
    if text.startswith("#"):
        anchor, text = text[1:].split(" ", 1)
    return anchor, Markup(text).format(redirect_uri=redirect_uri)


def _from_environment() -> dict[str, bool]:
    return {p.name: bool(providers.from_environment(f"{p.config_prefix}_CLIENT_ID"))
            for p in sending.SIGN_INS.values()}
