"""Sample data for a demonstration or a first look: `flask --app webpanel demo`."""

from __future__ import annotations

import datetime
from decimal import Decimal

from webpanel import timefmt
from webpanel.company.services import get_company
from webpanel.contacts.models import Contact
from webpanel.contacts.services import has_contacts
from webpanel.documents import services
from webpanel.documents.kinds import KINDS, DocumentKind, SampleDocument
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

#: The sample contacts of each contact kind; each kind's samples (kinds.py) pick theirs by index.
CONTACTS = {"customer": CUSTOMERS, "vendor": VENDORS}


def document_count() -> int:
    """How many documents the sample data adds (the kinds' samples together)."""
    return sum(len(kind.samples) for kind in KINDS.values())


def load_sample_data() -> None:
    """Fill the company's empty details; add the sample customers, vendors and documents.

    Does nothing when any customer or vendor exists, so it is safe to run again.
    """
    if has_contacts():
        return
    _ensure_company()
    contacts = {kind: [_contact(kind, *row) for row in rows] for kind, rows in CONTACTS.items()}
    db.session.flush()
    for kind in KINDS.values():
        for sample in kind.samples:
            _document(kind, contacts[kind.contact_kind][sample.contact], sample)
    db.session.commit()


def _ensure_company() -> None:
    """Fill the company's empty details with the sample's, keeping what the office entered."""
    company = get_company()
    for field, value in COMPANY.items():
        if not getattr(company, field):
            setattr(company, field, value)
    db.session.add(company)


def _contact(kind: str, name: str, person: str, email: str, address: str) -> Contact:
    contact = Contact(kind=kind, name=name, contact_person=person, email=email, address=address)
    db.session.add(contact)
    return contact


def _document(kind: DocumentKind, contact: Contact, sample: SampleDocument) -> None:
    date = timefmt.today() - datetime.timedelta(days=sample.days_ago)
    document = Document(kind=kind.key, contact=contact, date=date,
                        tax_rate=Decimal(sample.tax_rate), notes=sample.notes,
                        currency=get_company().currency_code)
    if "payment_terms" in kind.fields:
        document.payment_terms = "net30"
        document.due_date = date + datetime.timedelta(days=30)
    if "valid_until" in kind.fields:
        document.valid_until = services.default_valid_until(date)
    if "delivery_date" in kind.fields:
        document.delivery_date = date + datetime.timedelta(days=14)
    services.set_items(document, [(d, Decimal(q), Decimal(p)) for d, q, p in sample.items])
    services.number_document(document)
