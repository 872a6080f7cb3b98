"""Money arithmetic for documents: Decimal throughout, rounded half up to the currency's
minor units (cents for USD and EUR, whole yen for JPY)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from webpanel.formatting import round_money

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: The largest total a Numeric(12, 2) column holds.
MAX_TOTAL = Decimal("9999999999.99")


@dataclass(frozen=True)
class Totals:
    """Subtotal, tax and total of a document, each rounded to the cent."""

    subtotal: Decimal
    tax: Decimal
    total: Decimal


def to_cents(value: Decimal, currency: str = "USD") -> Decimal:
    """Round to the currency's minor unit, halves away from zero (2.345 -> 2.35; JPY 2.5 -> 3)."""
    return round_money(value, currency)


def line_amount(quantity: Decimal, unit_price: Decimal, currency: str = "USD") -> Decimal:
    """Quantity times unit price, rounded to the currency's minor unit."""
    return to_cents(quantity * unit_price, currency)


def compute_totals(items: Iterable[tuple[Decimal, Decimal]], tax_rate: Decimal,
                   currency: str = "USD") -> Totals:
    """Totals of (quantity, unit price) pairs; `tax_rate` is a percentage (8.25 = 8.25 %).

    Each line is rounded, then the tax on the subtotal: 3 x 19.99 at 8.25 % gives 64.92.
    """
    subtotal = sum((line_amount(q, p, currency) for q, p in items), ZERO)
    tax = to_cents(subtotal * tax_rate / 100, currency)
    return Totals(subtotal, tax, subtotal + tax)
