"""Load and save the company details and the office's mail server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from flask import g, has_app_context, url_for
from sqlalchemy import inspect

from webpanel.company.forms import CompanyForm
from webpanel.company.models import COMPANY_ROW_ID, DEFAULT_VALID_DAYS, Company, OfficeMail
from webpanel.extensions import db
from webpanel.formatting import DEFAULT_LOCALE

OFFICE_MAIL_FIELDS = ("smtp_server", "smtp_port", "smtp_security", "imap_host", "imap_port",
                      "imap_security")
HELD_ROWS = "webpanel_company_rows"  # on flask.g: each model's row as read, None when missing
Row = TypeVar("Row", Company, OfficeMail)
TEXT_FIELDS = ("tax_id", "registration_number", "bank_holder", "bank_account", "bank_code",
               "bank_name", "footer")


def blank_company() -> Company:
    """An unsaved company with every default filled in."""
    company = Company(id=COMPANY_ROW_ID, name="", address="", phone="", email="", currency="",
                      locale=DEFAULT_LOCALE, proposal_valid_days=DEFAULT_VALID_DAYS,
                      undo_seconds=0, logo=None, logo_type="")
    for name in TEXT_FIELDS:
        setattr(company, name, "")
    return company


def get_company() -> Company:
    """The company details, or an unsaved blank row when none were saved yet; read once per
    request (see `read_once`)."""
    return read_once(Company, blank_company)


def blank_office_mail() -> OfficeMail:
    """An unsaved office mail server with none set."""
    return OfficeMail(id=COMPANY_ROW_ID, smtp_server="", smtp_port=None, smtp_security="tls",
                      imap_host="", imap_port=None, imap_security="ssl")


def office_mail() -> OfficeMail:
    """The office's mail server, or an unsaved blank one (no server) when none was set."""
    return read_once(OfficeMail, blank_office_mail)


def read_once(model: type[Row], blank: Callable[[], Row]) -> Row:
    """The single row of `model`, read from the database at most once per request and held on
    flask.g: the same object all request long, so a row being saved is the one shown next and
    a rollback refreshes it. With no row, callers share one blank until it is saved (then it
    is the row) or changed without being saved (the next caller gets a fresh blank)."""
    rows = g.setdefault(HELD_ROWS, {})
    held = rows.get(model)
    state = inspect(held) if held is not None else None
    if state is None or state.detached:
        held = db.session.get(model, COMPANY_ROW_ID)
        held = blank() if held is None else held
    elif state.transient and not same_values(held, blank):
        held = blank()
    rows[model] = held
    return held


def same_values(row: Company | OfficeMail, blank: Callable[[], Company | OfficeMail]) -> bool:
    """Whether an unsaved row still holds `blank`'s values in every column (`blank`'s values are
    worked out once per process: this runs for every amount on a page)."""
    columns, values = _blank_values(blank)
    return all(getattr(row, key) == value for key, value in zip(columns, values, strict=True))


@cache
def _blank_values(blank: Callable[[], Company | OfficeMail]) -> tuple[tuple[str, ...], tuple]:
    row = blank()
    columns = tuple(column.key for column in inspect(type(row)).column_attrs)
    return columns, tuple(getattr(row, key) for key in columns)


def form_values(company: Company) -> dict:
    """The Company form's starting values beyond the company row: the office mail server."""
    office = office_mail()
    return {name: getattr(office, name) for name in OFFICE_MAIL_FIELDS}


def current_company() -> Company:
    """The company, read once per request (for formatting many numbers on one page); a blank
    one outside an application."""
    return get_company() if has_app_context() else blank_company()


def save_company(company: Company, form: CompanyForm) -> None:
    """Store the Company form; the logo changes only when a new one came or Remove was ticked."""
    company.name = form.name.data.strip()
    company.address = clean_text(form.address.data)
    company.phone = (form.phone.data or "").strip()
    company.email = form.email.data or ""
    for name in TEXT_FIELDS:
        setattr(company, name, (getattr(form, name).data or "").strip())
    company.locale = form.locale.data or DEFAULT_LOCALE
    company.currency = form.currency.data or ""
    company.proposal_valid_days = form.proposal_valid_days.data or DEFAULT_VALID_DAYS
    company.undo_seconds = form.undo_seconds.data or 0
    if form.uploaded_logo is not None:
        company.logo, company.logo_type = form.uploaded_logo.data, form.uploaded_logo.media_type
    elif form.remove_logo.data:
        company.logo, company.logo_type = None, ""
    db.session.add(company)
    _save_office_mail(form)
    db.session.commit()


def name_company(name: str, address: str) -> None:
    """Store the company's name and postal address (first run); the rest stays as it was."""
    company = get_company()
    company.name, company.address = name.strip(), clean_text(address)
    db.session.add(company)


@dataclass(frozen=True)
class Unnamed:
    """Why a document may not be emailed yet, and for an administrator the page that fixes it."""

    reason: str
    link: str = ""
    link_text: str = ""


def unnamed(is_admin: bool) -> Unnamed | None:
    """None when the company has a name; else the plain reason emailing is refused."""
    if current_company().name:
        return None
    reason = ("Your company has no name yet, so this email and its PDF would not say who "
              "sends them.")
    if not is_admin:
        return Unnamed(f"{reason} Ask an administrator to enter it on the Company page.")
    return Unnamed(f"{reason} Enter it on the Company page, then email again.",
                   url_for("company.edit"), "Open Company")


def _save_office_mail(form: CompanyForm) -> None:
    """The office mail server, from the form (the caller commits); an empty server means none,
    and its port is forgotten with it."""
    office = office_mail()
    office.smtp_server, office.imap_host = form.smtp_server.data or "", form.imap_host.data or ""
    office.smtp_security = form.smtp_security.data or "tls"
    office.imap_security = form.imap_security.data or "ssl"
    office.smtp_port = form.smtp_port.data if office.smtp_server else None
    office.imap_port = form.imap_port.data if office.imap_host else None
    db.session.add(office)


def clean_text(value: str | None) -> str:
    """A multi-line value with Unix line ends and no trailing blanks."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
