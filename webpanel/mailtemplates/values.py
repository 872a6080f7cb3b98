"""The only values a template can see: plain strings, built in one place.

Money and dates are written in the office's locale and the document's currency, through
`webpanel.formatting`, as on pages and PDFs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from webpanel import formatting, timefmt
from webpanel.documents.kinds import default_first
from webpanel.mailtemplates.greeting import GREETINGS, lines


def join_or(words: list[str]) -> str:
    """ "A, B or C" (one word alone)."""
    *rest, last = words
    return f"{', '.join(rest)} or {last}" if rest else last


@dataclass(frozen=True)
class Placeholder:
    """One value a template may print: its Insert button's words, and what it holds."""

    label: str
    meaning: str


def _greeting(key: str) -> Placeholder:
    with_person, without = GREETINGS[key].with_person, GREETINGS[key].without
    return Placeholder(f"Greeting: {without.split()[0].rstrip(',')} …",
                       f"“{with_person.format(person='<contact person>')}”, or “{without}” "
                       "when there is no contact person")


#: Every placeholder, in the order the editor lists them: the sandbox's allow-list, the
#: editor's Insert buttons and its list of meanings are all made from this one table.
#: "{party}" and "{who}" are the kind's Customer or Vendor.
PLACEHOLDERS: dict[str, Placeholder] = {
    "contact.name": Placeholder("{party} name", "The {who}'s name"),
    "contact.person": Placeholder("Contact person", "The contact person (may be empty)"),
    "document.title": Placeholder("Document kind", join_or([kind.title for kind in
                                                            default_first()])),
    "document.number": Placeholder("Document number", "The document's number, e.g. INV-0007"),
    "document.total": Placeholder("Total", "The total, with tax"),
    "document.date": Placeholder("Document date", "The document's date"),
    "document.due_date": Placeholder("Due date", "The date payment is due (may be empty)"),
    "document.amount_due": Placeholder(
        "Amount due", "What is still to be paid: the total less the payments received"),
    "document.days_overdue": Placeholder(
        "Days overdue", "Whole days since the due date (0 until then)"),
    "document.payment_due": Placeholder(
        "Payment is due by …", "“Payment is due by <due date>.”, or nothing when the "
        "document has no due date"),
    "company.name": Placeholder("Company name", "Your company's name"),
    "sender.name": Placeholder("Your name", "The sender's name (their Email Display Name)"),
    "sender.email": Placeholder("Your email address", "The sender's email address"),
    **{f"greeting.{key}": _greeting(key) for key in GREETINGS},
}


def labelled(contact_kind: str) -> list[tuple[str, str, str]]:
    """(placeholder, Insert button words, meaning) for a kind addressed to `contact_kind`."""
    words = {"party": contact_kind.capitalize(), "who": contact_kind}
    return [(name, p.label.format(**words), p.meaning.format(**words))
            for name, p in PLACEHOLDERS.items()]


def payment_due(due_date: str) -> str:
    """The sentence saying when payment is due (empty without a due date)."""
    return f"Payment is due by {due_date}." if due_date else ""


def money(value: Decimal | None, currency: str, locale: str) -> str:
    """A money amount as emails print it."""
    return formatting.money_in(value, currency, locale) if value is not None else ""


def day(value: datetime.date | None, locale: str) -> str:
    """A date as emails print it (empty when there is none)."""
    return formatting.date_in(value, locale) if value else ""


def values_for(document, sender, company, paid: Decimal = Decimal(0),
               today: datetime.date | None = None) -> dict[str, dict[str, str]]:
    """The template values for one document, its sender's settings and the company; `paid`
    (received so far) and `today` (the office's) give the amount due and the days overdue."""
    contact = document.contact
    late = (today - document.due_date).days if today and document.due_date else 0
    return _with_sentences({
        "contact": {"name": contact.name if contact else "",
                    "person": (contact.contact_person if contact else "") or ""},
        "document": {"title": document.title, "number": document.number,
                     "total": money(document.total, document.currency, company.locale),
                     "date": day(document.date, company.locale),
                     "due_date": day(document.due_date, company.locale),
                     "amount_due": money(max(document.total - paid, Decimal(0)),
                                         document.currency, company.locale),
                     "days_overdue": str(max(late, 0))},
        "company": {"name": company.name or ""},
        "sender": {"name": sender.display_name or "", "email": sender.address or ""},
    })


def sample_values(title: str, company) -> dict[str, dict[str, str]]:
    """Made-up values for a preview when no document of the kind exists yet."""
    today = timefmt.today()
    return _with_sentences({
        "contact": {"name": "Example Customer Ltd", "person": "Alex Example"},
        "document": {"title": title, "number": "0001",
                     "total": money(Decimal("1234.50"), company.currency_code, company.locale),
                     "date": day(today, company.locale),
                     "due_date": day(today + datetime.timedelta(days=30), company.locale),
                     "amount_due": money(Decimal("1234.50"), company.currency_code,
                                         company.locale),
                     "days_overdue": "0"},
        "company": {"name": "Your Company"},
        "sender": {"name": "Your Name", "email": "you@example.com"},
    })


def _with_sentences(values: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The values plus those made of them: the greetings and the payment-due sentence."""
    values["document"]["payment_due"] = payment_due(values["document"]["due_date"])
    values["greeting"] = lines(values["contact"]["person"])
    return values
