"""Load and save the company details."""

from __future__ import annotations

from webpanel.company.forms import CompanyForm
from webpanel.company.models import COMPANY_ROW_ID, Company
from webpanel.extensions import db


def get_company() -> Company:
    """The company details, or an unsaved blank row when none were saved yet."""
    company = db.session.get(Company, COMPANY_ROW_ID)
    return company or Company(id=COMPANY_ROW_ID, name="", address="", phone="", email="")


def save_company(company: Company, form: CompanyForm) -> None:
    """Store the Company form."""
    company.name = form.name.data.strip()
    company.address = clean_text(form.address.data)
    company.phone = (form.phone.data or "").strip()
    company.email = form.email.data or ""
    db.session.add(company)
    db.session.commit()


def clean_text(value: str | None) -> str:
    """A multi-line value with Unix line ends and no trailing blanks."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
