"""Money arithmetic for documents: Decimal throughout, cents rounded half up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


def to_cents(value: Decimal) -> Decimal:
    """Round to 0.01, halves away from zero (2.345 -> 2.35)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """Quantity times unit price, rounded to the cent."""
    return to_cents(quantity * unit_price)


def compute_totals(items: Iterable[tuple[Decimal, Decimal]], tax_rate: Decimal) -> Totals:
    """Totals of (quantity, unit price) pairs; `tax_rate` is a percentage (8.25 = 8.25 %).

    Each line is rounded, then the tax on the subtotal: 3 x 19.99 at 8.25 % gives 64.92.
    """
    subtotal = sum((line_amount(q, p) for q, p in items), ZERO)
    tax = to_cents(subtotal * tax_rate / 100)
    return Totals(subtotal, tax, subtotal + tax)
