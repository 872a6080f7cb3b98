"""Documents of every kind (webpanel.documents.kinds), their items and number series."""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webpanel.contacts.models import Contact
from webpanel.database import Base, utcnow
from webpanel.documents.kinds import KINDS

#: Payment terms of invoices: key -> (label, days after the invoice date; None: a chosen date).
PAYMENT_TERMS: dict[str, tuple[str, int | None]] = {
    "receipt": ("On receipt", 0), "net7": ("Net 7", 7), "net14": ("Net 14", 14),
    "net30": ("Net 30", 30), "net60": ("Net 60", 60), "date": ("By a date", None)}

MONEY = Numeric(12, 2)
QUANTITY = Numeric(12, 3)
RATE = Numeric(5, 2)


def format_number(kind: str, seq: int) -> str:
    """The printed number of the `seq`-th document of `kind`, e.g. INV-0007."""
    return f"{KINDS[kind].prefix}-{seq:04d}"


class Document(Base):
    """One document; totals are computed from its items when it is saved."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("kind", "number", name="uq_documents_kind_number"),
        UniqueConstraint("kind", "seq", name="uq_documents_kind_seq"),
        Index("ix_documents_contact_id", "contact_id"),
        # the home page's recent documents: newest change first, read from the index
        Index("ix_documents_updated_at_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column()
    number: Mapped[str] = mapped_column(String(20))
    date: Mapped[datetime.date] = mapped_column(Date)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="RESTRICT"))
    tax_rate: Mapped[Decimal] = mapped_column(RATE, default=Decimal("0"))
    notes: Mapped[str] = mapped_column(Text, default="")
    #: ISO 4217 code, fixed when the document is made (a later change of the company's
    #: currency does not reprice documents already sent).
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    #: Invoices: a key of PAYMENT_TERMS; `due_date` is computed from it (or chosen).
    payment_terms: Mapped[str] = mapped_column(String(20), default="")
    due_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    #: Proposals: the last day the offer holds.
    valid_until: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    #: Sales and purchase orders: when the goods are expected.
    delivery_date: Mapped[datetime.date | None] = mapped_column(Date, default=None)
    #: Purchase orders: where the vendor delivers (empty: the company's address).
    delivery_address: Mapped[str] = mapped_column(Text, default="")
    #: Invoices: payment reminders go by the office's plan (webpanel.reminders) unless off.
    reminders_on: Mapped[bool] = mapped_column(default=True, server_default=true())
    subtotal: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    tax: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contact: Mapped[Contact] = relationship()
    lines: Mapped[list[DocumentLine]] = relationship(
        back_populates="document", cascade="all, delete-orphan",
        order_by="DocumentLine.position",
    )

    @property
    def title(self) -> str:
        """The kind in words: "Invoice", "Purchase Order" ..."""
        return KINDS[self.kind].title

    @property
    def terms_label(self) -> str:
        """The payment terms in words ("Net 30"), empty for other kinds."""
        return PAYMENT_TERMS.get(self.payment_terms, ("", None))[0]

    @property
    def label(self) -> str:
        """Title and number, e.g. "Invoice INV-0001"."""
        return f"{self.title} {self.number}"


class DocumentLine(Base):
    """One item of a document: description, quantity and unit price."""

    __tablename__ = "document_lines"
    __table_args__ = (Index("ix_document_lines_document_id_position", "document_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)

    document: Mapped[Document] = relationship(back_populates="lines")


class DocumentCounter(Base):
    """The last number given in each series; numbers of deleted documents are not reused."""

    __tablename__ = "document_counters"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
