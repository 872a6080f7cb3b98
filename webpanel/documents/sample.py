"""Sample data for a demonstration or a first look: `flask --app webpanel demo`."""

from __future__ import annotations

import datetime
from decimal import Decimal

from webpanel.company.services import get_company
from webpanel.contacts.models import Contact
from webpanel.contacts.services import has_contacts
from webpanel.documents import services
from webpanel.documents.models import Document
from webpanel.extensions import db

COMPANY = {"name": "Northwind Studio LLC", "address": "120 Harbor Street\nPortland, OR 97204",
           "phone": "+1 503 555 0100", "email": "office@northwind.example.com",
           "tax_id": "EIN 93-1234567", "bank_holder": "Northwind Studio LLC",
           "bank_name": "Columbia River Bank", "bank_account": "4410 2231 9087",
           "bank_code": "ABA 123000220", "currency": "USD", "locale": "en_US"}

CUSTOMERS = (
    ("Zoë Müller & Søn", "Zoë Müller", "zoe@mueller-soen.example.com",
     "Hauptstraße 5\n10115 Berlin\nGermany"),
    ("Acme Dental Practice", "Dr. Priya Natarajan", "frontdesk@acme-dental.example.org",
     "48 Elm Avenue\nSpringfield, IL 62704"),
    ("Harbor View Café", "Luis Ortega", "luis@harborview.example.net",
     "2 Pier Road\nSeattle, WA 98121"),
    ("Blue Ridge Builders", "Sam Carter", "accounts@blueridge.example.com",
     "900 Quarry Lane\nAsheville, NC 28801"),
)
VENDORS = (
    ("Paper & Ink Supplies", "Dana Kim", "orders@paperink.example.com",
     "14 Mill Street\nSalem, OR 97301"),
    ("Metro Office Furniture", "Ravi Shah", "sales@metrofurniture.example.org",
     "77 Commerce Way\nTacoma, WA 98402"),
    ("Cloudline Hosting", "Billing team", "billing@cloudline.example.net",
     "500 Data Park Drive\nReno, NV 89501"),
)

# kind -> documents: (contact index, days ago, tax rate, notes, items)
DOCUMENTS = {
    "proposal": (
        (0, 30, "19", "Photography includes two rounds of retouching.",
         (("Website redesign", "1", "1850.00"), ("Copywriting, per page", "6", "85.00"),
          ("Photography, half day", "1", "420.00"))),
        (1, 21, "8.25", "",
         (("Patient booking page", "1", "960.00"), ("Training session", "2", "120.00"))),
    ),
    "sales_order": (
        (2, 18, "8.25", "Deliver to the back entrance.",
         (("Menu board design", "2", "240.00"), ("Printed menus", "150", "1.35"),
          ("Window decals", "4", "32.50"), ("Rush fee", "1", "75.00"))),
        (3, 12, "8.25", "",
         (("Site signage", "3", "310.00"), ("Vehicle lettering", "2", "445.00"))),
    ),
    "invoice": (
        (0, 9, "19", "Thank you for your business.",
         (("Website redesign", "1", "1850.00"), ("Hosting, 12 months", "12", "19.99"),
          ("Domain renewal", "1", "14.00"))),
        (1, 3, "8.25", "",
         (("Patient booking page", "1", "960.00"), ("Training session", "2", "120.00"),
          ("Support hours", "3.5", "65.00"), ("Stock photos", "5", "12.00"),
          ("Travel", "1", "48.60"))),
    ),
    "purchase_order": (
        (0, 14, "8.25", "Deliver to 120 Harbor Street.",
         (("Printer paper, A4, box of 5 reams", "10", "27.90"), ("Toner cartridge", "4", "68.00"))),
        (1, 6, "8.25", "",
         (("Standing desk", "2", "489.00"), ("Desk chair", "2", "229.00"),
          ("Monitor arm", "2", "74.50"))),
    ),
}


def load_sample_data() -> None:
    """Add a company (if none is set), 4 customers, 3 vendors and 2 documents of each kind.

    Does nothing when any customer or vendor exists, so it is safe to run again.
    """
    if has_contacts():
        return
    _ensure_company()
    customers = [_contact("customer", *row) for row in CUSTOMERS]
    vendors = [_contact("vendor", *row) for row in VENDORS]
    db.session.flush()
    for kind, documents in DOCUMENTS.items():
        contacts = vendors if kind == "purchase_order" else customers
        for index, days_ago, rate, notes, items in documents:
            _document(kind, contacts[index], days_ago, rate, notes, items)
    db.session.commit()


def _ensure_company() -> None:
    company = get_company()
    if not company.name:
        for field, value in COMPANY.items():
            setattr(company, field, value)
        db.session.add(company)


def _contact(kind: str, name: str, person: str, email: str, address: str) -> Contact:
    contact = Contact(kind=kind, name=name, contact_person=person, email=email, address=address)
    db.session.add(contact)
    return contact


def _document(kind: str, contact: Contact, days_ago: int, rate: str, notes: str,
              items: tuple[tuple[str, str, str], ...]) -> None:
    date = datetime.date.today() - datetime.timedelta(days=days_ago)
    document = Document(kind=kind, contact=contact, date=date, tax_rate=Decimal(rate),
                        notes=notes, currency=get_company().currency_code)
    if kind == "invoice":
        document.payment_terms = "net30"
        document.due_date = date + datetime.timedelta(days=30)
    elif kind == "proposal":
        document.valid_until = services.default_valid_until(date)
    else:
        document.delivery_date = date + datetime.timedelta(days=14)
    services.set_items(document, [(d, Decimal(q), Decimal(p)) for d, q, p in items])
    services.number_document(document)

