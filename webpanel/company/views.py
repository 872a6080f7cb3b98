"""The Company page (administrators only) and the logo it shows."""

from __future__ import annotations

from flask import Response, abort
from flask_login import login_required

from webpanel.access import admin_required
from webpanel.company import services
from webpanel.company.blueprint import bp
from webpanel.company.forms import CompanyForm
from webpanel.fragments import render_htmx

PAGE, PARTIAL = "company/company.html", "company/partials/_form.html"


@bp.route("/")
@admin_required
def edit():
    """The Company page."""
    company = services.get_company()
    return render_htmx(PAGE, PARTIAL, form=_saved_form(company), company=company)


def _saved_form(company) -> CompanyForm:
    """The form filled from what is saved: the company row and the office mail server."""
    return CompanyForm(formdata=None, obj=company, **services.form_values(company))


@bp.route("/", methods=["POST"])
@admin_required
def save():
    """Save the company details."""
    form = CompanyForm()
    company = services.get_company()
    if not form.validate_on_submit():
        return render_htmx(PAGE, PARTIAL, status=422, form=form, company=company)
    services.save_company(company, form)
    return render_htmx(PAGE, PARTIAL, form=_saved_form(company), company=company, saved=True)


@bp.route("/logo")
@login_required
def logo():
    """The stored logo image (re-encoded on upload, so its type is known)."""
    company = services.get_company()
    if not company.logo:
        abort(404)
    response = Response(company.logo, mimetype=company.logo_type)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
