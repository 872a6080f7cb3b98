"""Helpers for the document, contact and company tests: rows made directly, forms as posted."""

from __future__ import annotations

import html
import re

from webpanel.contacts.models import Contact
from webpanel.extensions import db

PAGER_LINK = re.compile(r'<a href="([^"]+)" hx-get="\1" hx-target="#results" hx-push-url="true" '
                        r'rel="(prev|next)">')


def add_contact(app, name: str, kind: str = "customer", email: str = "") -> int:
    """A customer or vendor made straight in the database; returns its id."""
    with app.app_context():
        contact = Contact(kind=kind, name=name, contact_person="", email=email, address="")
        db.session.add(contact)
        db.session.commit()
        return contact.id


def document_form(contact_id: int | str, lines=(("Consulting", "3", "19.99"),),
                  tax_rate: str = "8.25", date: str = "2025-11-24", notes: str = "") -> dict:
    """The fields the document form posts."""
    data = {"date": date, "contact_id": str(contact_id), "tax_rate": tax_rate, "notes": notes}
    for index, (description, quantity, unit_price) in enumerate(lines):
        data[f"lines-{index}-description"] = description
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = unit_price
    return data


def text_of(response) -> str:
    """The visible text of a page, tags removed and entities decoded, spaces squeezed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html.unescape(body))


def redirect_target(response) -> str:
    """Where a saved htmx form sends the browser (HX-Redirect), or a plain redirect's target."""
    return response.headers.get("HX-Redirect") or response.headers["Location"]


def pager_links(page: str) -> dict[str, str]:
    """A list page's Previous page / Next page addresses, by rel ("prev", "next")."""
    return {rel: html.unescape(url) for url, rel in PAGER_LINK.findall(page)}
