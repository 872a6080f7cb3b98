"""The only values a template can see: plain strings, built in one place.

Money and dates go through `money` and `day`, so the whole panel's formatting (e.g. a
currency and the office's locale) changes here for every email at once.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from webpanel.documents.pdf import format_date, format_money

#: Every placeholder, in the order the editor lists them, with what it says.
PLACEHOLDERS: dict[str, str] = {
    "contact.name": "The customer's or vendor's name",
    "contact.person": "The contact person (may be empty)",
    "document.title": "Invoice, Proposal, Sales Order or Purchase Order",
    "document.number": "The document's number, e.g. INV-0007",
    "document.total": "The total, with tax",
    "document.date": "The document's date",
    "document.due_date": "The date payment is due (may be empty)",
    "company.name": "Your company's name",
    "sender.name": "The sender's Email Display Name",
    "sender.email": "The sender's Email Address",
}


def money(value: Decimal | None) -> str:
    """A money amount as emails print it."""
    return format_money(value) if value is not None else ""


def day(value: datetime.date | None) -> str:
    """A date as emails print it (empty when there is none)."""
    return format_date(value) if value else ""


def values_for(document, sender, company) -> dict[str, dict[str, str]]:
    """The template values for one document, its sender's settings and the company."""
    contact = document.contact
    return {
        "contact": {"name": contact.name if contact else "",
                    "person": (contact.contact_person if contact else "") or ""},
        "document": {"title": document.title, "number": document.number,
                     "total": money(document.total), "date": day(document.date),
                     "due_date": day(getattr(document, "due_date", None))},
        "company": {"name": company.name or ""},
        "sender": {"name": sender.display_name or "", "email": sender.address or ""},
    }


def sample_values(title: str) -> dict[str, dict[str, str]]:
    """Made-up values for a preview when no document of the kind exists yet."""
    return {
        "contact": {"name": "Example Customer Ltd", "person": "Alex Example"},
        "document": {"title": title, "number": "0001", "total": money(Decimal("1234.50")),
                     "date": day(datetime.date.today()),
                     "due_date": day(datetime.date.today() + datetime.timedelta(days=30))},
        "company": {"name": "Your Company"},
        "sender": {"name": "Your Name", "email": "you@example.com"},
    }
