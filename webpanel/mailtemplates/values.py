"""The only values a template can see: plain strings, built in one place.

Money and dates are written in the office's locale and the document's currency, through
`webpanel.formatting`, as on pages and PDFs.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from webpanel import formatting, timefmt
from webpanel.documents.kinds import default_first


def join_or(words: list[str]) -> str:
    """ "A, B or C" (one word alone)."""
    *rest, last = words
    return f"{', '.join(rest)} or {last}" if rest else last


#: Every placeholder, in the order the editor lists them, with what it says.
PLACEHOLDERS: dict[str, str] = {
    "contact.name": "The customer's or vendor's name",
    "contact.person": "The contact person (may be empty)",
    "document.title": join_or([kind.title for kind in default_first()]),
    "document.number": "The document's number, e.g. INV-0007",
    "document.total": "The total, with tax",
    "document.date": "The document's date",
    "document.due_date": "The date payment is due (may be empty)",
    "company.name": "Your company's name",
    "sender.name": "The sender's Email Display Name",
    "sender.email": "The sender's Email Address",
}


def money(value: Decimal | None, currency: str, locale: str) -> str:
    """A money amount as emails print it."""
    return formatting.money_in(value, currency, locale) if value is not None else ""


def day(value: datetime.date | None, locale: str) -> str:
    """A date as emails print it (empty when there is none)."""
    return formatting.date_in(value, locale) if value else ""


def values_for(document, sender, company) -> dict[str, dict[str, str]]:
    """The template values for one document, its sender's settings and the company."""
    contact = document.contact
    return {
        "contact": {"name": contact.name if contact else "",
                    "person": (contact.contact_person if contact else "") or ""},
        "document": {"title": document.title, "number": document.number,
                     "total": money(document.total, document.currency, company.locale),
                     "date": day(document.date, company.locale),
                     "due_date": day(document.due_date, company.locale)},
        "company": {"name": company.name or ""},
        "sender": {"name": sender.display_name or "", "email": sender.address or ""},
    }


def sample_values(title: str, company) -> dict[str, dict[str, str]]:
    """Made-up values for a preview when no document of the kind exists yet."""
    today = timefmt.today()
    return {
        "contact": {"name": "Example Customer Ltd", "person": "Alex Example"},
        "document": {"title": title, "number": "0001",
                     "total": money(Decimal("1234.50"), company.currency_code, company.locale),
                     "date": day(today, company.locale),
                     "due_date": day(today + datetime.timedelta(days=30), company.locale)},
        "company": {"name": "Your Company"},
        "sender": {"name": "Your Name", "email": "you@example.com"},
    }
