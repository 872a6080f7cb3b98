"""The Integrations page (administrators only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

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
        flash("Saved. People can now sign in on their Gmail and Outlook tabs where the "
              "status says Set up.")
        return redirect(url_for("integrations.page"))  # a reload does not post again
    saved = False
    status = 422 if form.errors else 200
    return render_template("integrations/page.html", form=form, row=row, saved=saved,
                           redirect_uris=_redirect_uris(), env=_from_environment(),
                           configured={n: providers.get(n) is not None for n in providers.LABELS},
                           ), status


def _save(row, form: IntegrationsForm) -> None:
    box = secret_box()
    row.google_client_id = form.google_client_id.data.strip()
    row.microsoft_client_id = form.microsoft_client_id.data.strip()
    row.microsoft_tenant = form.microsoft_tenant.data.strip() or "common"
    if form.google_client_secret.data:
        row.google_client_secret_enc = box.encrypt(form.google_client_secret.data)
    if form.microsoft_client_secret.data:
        row.microsoft_client_secret_enc = box.encrypt(form.microsoft_client_secret.data)
    db.session.add(row)
    db.session.commit()


def _redirect_uris() -> dict[str, str]:
    return {name: url_for("oauth.callback", provider=name, _external=True)
            for name in providers.LABELS}


def _from_environment() -> dict[str, bool]:
    return {name: bool(providers.from_environment(f"{name.upper()}_CLIENT_ID"))
            for name in providers.LABELS}
