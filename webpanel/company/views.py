"""The Company page (administrators only)."""

from __future__ import annotations

from webpanel.access import admin_required
from webpanel.company import bp, services
from webpanel.company.forms import CompanyForm
from webpanel.fragments import render_htmx

PAGE, PARTIAL = "company/company.html", "company/partials/_form.html"


@bp.route("/")
@admin_required
def edit():
    """The Company page."""
    company = services.get_company()
    return render_htmx(PAGE, PARTIAL, form=CompanyForm(formdata=None, obj=company))


@bp.route("/", methods=["POST"])
@admin_required
def save():
    """Save the company details."""
    form = CompanyForm()
    if not form.validate_on_submit():
        return render_htmx(PAGE, PARTIAL, status=422, form=form)
    services.save_company(services.get_company(), form)
    return render_htmx(PAGE, PARTIAL, form=form, saved=True)
