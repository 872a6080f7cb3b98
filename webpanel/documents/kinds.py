"""The kinds of document: one entry each, from which lists, routes, forms and defaults are built.

A new kind is one entry in `KINDS` plus its PDF template (`DocumentKind.pdf_template`). An
entry's key, slug and prefix are stored in the database or in addresses people keep: never
change those of a kind in use. This module imports nothing from the panel, so any package
(contacts, mail templates, the PDF renderer) can read it without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

#: One item of a sample document: description, quantity and unit price, as typed.
SampleItem = tuple[str, str, str]


@dataclass(frozen=True)
class SampleDocument:
    """A document `flask --app webpanel demo` adds; `contact` is the index of one of the
    sample contacts of the kind's contact kind (webpanel.documents.sample)."""

    contact: int
    days_ago: int
    tax_rate: str
    notes: str
    items: tuple[SampleItem, ...]


@dataclass(frozen=True)
class DocumentKind:
    """Everything the panel knows about one kind of document."""

    #: Stored in documents.kind, document_counters.kind and mail_templates.kind (20 chars).
    key: str
    #: "Sales Order": headings, labels, the PDF's title and file name.
    title: str
    #: "Sales Orders": the tab of its list.
    plural: str
    #: The URL segment of its list and its email template: /documents/sales-orders/.
    slug: str
    #: Its number series: SO-0001.
    prefix: str
    #: Who it is addressed to: "customer" or "vendor".
    contact_kind: str
    #: The optional fields it has (names in webpanel.documents.forms.OPTIONAL_FIELDS).
    fields: tuple[str, ...]
    #: The default email subject (a mail template, see webpanel.mailtemplates.values).
    email_subject: str
    #: The default email text between the greeting and "Kind regards,".
    email_text: str
    #: What the sample data adds of this kind.
    samples: tuple[SampleDocument, ...]

    @property
    def pdf_template(self) -> str:
        """Its PDF template, which extends documents/pdf/_base.html."""
        return f"documents/pdf/{self.key}.html"


#: The kind the Documents and Email templates pages open on.
DEFAULT_KIND = "invoice"

_ENTRIES = (
    DocumentKind(
        key="proposal", title="Proposal", plural="Proposals", slug="proposals", prefix="P",
        contact_kind="customer", fields=("valid_until",),
        email_subject="Proposal {{ document.number }} from {{ company.name }}",
        email_text=(
            "Thank you for your interest. Attached is our proposal {{ document.number }} of "
            "{{ document.date }}, for a total of {{ document.total }}.\n\n"
            "If you have any questions or would like to change anything, just reply to this "
            "email. We look forward to working with you."),
        samples=(
            SampleDocument(0, 30, "19", "Photography includes two rounds of retouching.", (
                ("Website redesign", "1", "1850.00"), ("Copywriting, per page", "6", "85.00"),
                ("Photography, half day", "1", "420.00"))),
            SampleDocument(1, 21, "8.25", "", (
                ("Patient booking page", "1", "960.00"), ("Training session", "2", "120.00"))),
        ),
    ),
    DocumentKind(
        key="sales_order", title="Sales Order", plural="Sales Orders", slug="sales-orders",
        prefix="SO", contact_kind="customer", fields=("delivery_date",),
        email_subject="Order confirmation {{ document.number }} from {{ company.name }}",
        email_text=(
            "Thank you for your order. Attached is our order confirmation {{ document.number }} "
            "of {{ document.date }}, for a total of {{ document.total }}.\n\n"
            "Please check that everything is as you expect and let us know if anything needs "
            "changing."),
        samples=(
            SampleDocument(2, 18, "8.25", "Deliver to the back entrance.", (
                ("Menu board design", "2", "240.00"), ("Printed menus", "150", "1.35"),
                ("Window decals", "4", "32.50"), ("Rush fee", "1", "75.00"))),
            SampleDocument(3, 12, "8.25", "", (
                ("Site signage", "3", "310.00"), ("Vehicle lettering", "2", "445.00"))),
        ),
    ),
    DocumentKind(
        key="invoice", title="Invoice", plural="Invoices", slug="invoices", prefix="INV",
        contact_kind="customer", fields=("payment_terms", "due_date"),
        email_subject="Invoice {{ document.number }} from {{ company.name }}",
        email_text=(
            "Please find attached invoice {{ document.number }} of {{ document.date }} for "
            "{{ document.total }}. {{ document.payment_due }}\n\n"
            "Thank you for your business. If you have any questions about this invoice, "
            "just reply to this email."),
        samples=(
            SampleDocument(0, 9, "19", "Thank you for your business.", (
                ("Website redesign", "1", "1850.00"), ("Hosting, 12 months", "12", "19.99"),
                ("Domain renewal", "1", "14.00"))),
            SampleDocument(1, 3, "8.25", "", (
                ("Patient booking page", "1", "960.00"), ("Training session", "2", "120.00"),
                ("Support hours", "3.5", "65.00"), ("Stock photos", "5", "12.00"),
                ("Travel", "1", "48.60"))),
        ),
    ),
    DocumentKind(
        key="purchase_order", title="Purchase Order", plural="Purchase Orders",
        slug="purchase-orders", prefix="PO", contact_kind="vendor",
        fields=("delivery_date", "delivery_address"),
        email_subject="Purchase order {{ document.number }} from {{ company.name }}",
        email_text=(
            "Please find attached our purchase order {{ document.number }} of "
            "{{ document.date }}, for a total of {{ document.total }}.\n\n"
            "Kindly confirm the order and let us know the expected delivery date."),
        samples=(
            SampleDocument(0, 14, "8.25", "Deliver to 120 Harbor Street.", (
                ("Printer paper, A4, box of 5 reams", "10", "27.90"),
                ("Toner cartridge", "4", "68.00"))),
            SampleDocument(1, 6, "8.25", "", (
                ("Standing desk", "2", "489.00"), ("Desk chair", "2", "229.00"),
                ("Monitor arm", "2", "74.50"))),
        ),
    ),
)

#: Every kind by key, in the order tabs list them.
KINDS: dict[str, DocumentKind] = {kind.key: kind for kind in _ENTRIES}


def by_slug(slug: str) -> DocumentKind:
    """The kind whose list is at `slug`; KeyError for none (routes take only `slug_rule`'s)."""
    for kind in KINDS.values():
        if kind.slug == slug:
            return kind
    raise KeyError(slug)


def slug_rule() -> str:
    """The URL rule part that accepts any kind's slug as `slug`."""
    slugs = ", ".join(f"'{kind.slug}'" for kind in KINDS.values())
    return f"<any({slugs}):slug>"


def default_first() -> list[DocumentKind]:
    """Every kind, the one pages open on first (for text that names them all)."""
    return sorted(KINDS.values(), key=lambda kind: kind.key != DEFAULT_KIND)
