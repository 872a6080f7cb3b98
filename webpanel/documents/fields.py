"""Form fields for numbers and dates typed by people, with errors in plain words."""

from __future__ import annotations

from decimal import Decimal

from flask import g
from wtforms import DateField, Field

from webpanel.company.services import current_company
from webpanel.formatting import decimal_hint, editable_in, minor_digits, parse_number
from webpanel.routing import MAX_DIGITS, MAX_ID
from webpanel.widgets import QuickDateInput, QuickTextInput

MAX_TEXT = 40
SYMBOLS = "$€£¥￥%"


def entry_format() -> tuple[str, str]:
    """The (locale, currency) numbers are typed in: the company's, or those a view set on `g`."""
    company = current_company()
    return company.locale, g.get("entry_currency") or company.currency_code


class NumberField(Field):
    """A decimal number of 0 or more, at most `maximum`, with at most `places` decimals.

    Read in the company's locale ("1.234,56" with de_DE, "1,234.56" with en_US), with an
    optional symbol ("$", "€", "%"); `places=None` means the currency's minor units.
    Words, negative numbers, NaN, exponents and the wrong decimal sign get a plain message.
    """

    widget = QuickTextInput()

    def __init__(self, label: str, validators=None, *, what: str, examples: tuple[str, ...],
                 places: int | None, maximum: Decimal, too_large: str, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.what, self.examples, self._places = what, examples, places
        self.maximum, self.too_large = maximum, too_large

    @property
    def places(self) -> int:
        """Decimals allowed: fixed, or the minor units of the currency in use."""
        return minor_digits(entry_format()[1]) if self._places is None else self._places

    def example(self) -> str:
        """The examples written the way the locale writes them: "2 or 1,5"."""
        locale = entry_format()[0]
        return " or ".join(editable_in(Decimal(text), locale, None if self._places is not None
                                       else self.places) for text in self.examples)

    def process_formdata(self, valuelist: list[str]) -> None:
        """Parse the typed text; an empty box means no value (None)."""
        self.data = None
        text = valuelist[0].strip().strip(SYMBOLS).strip() if valuelist else ""
        if text:
            self.data = self._parse(text)

    def _parse(self, text: str) -> Decimal:
        if len(text) > MAX_TEXT:
            raise ValueError(self.too_large)
        if text.startswith("-"):
            raise ValueError(f"The {self.what} cannot be negative.")
        locale = entry_format()[0]
        value = self._read(text, locale)
        if value > self.maximum:
            raise ValueError(self.too_large)
        step = Decimal(1).scaleb(-self.places)
        if value.quantize(step) != value:
            if self.places == 0:
                raise ValueError(f"Enter the {self.what} without decimals, like "
                                 f"{self.example()}.")
            raise ValueError(f"Use at most {self.places} decimals for the {self.what}.")
        return value.quantize(step)

    def _read(self, text: str, locale: str) -> Decimal:
        try:
            return parse_number(text, locale)
        except ValueError as exc:
            if any(c.isdigit() for c in text) and set(text) <= set("0123456789.,' "):
                raise ValueError(f"Use {decimal_hint(locale)} for decimals, like "
                                 f"{self.example()}.") from exc
            raise ValueError(f"Enter the {self.what} as a number, like "
                             f"{self.example()}.") from exc

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return editable_in(self.data, entry_format()[0], self.places if self.places < 3 else None)


class PlainDateField(DateField):
    """A date box (YYYY-MM-DD, as browsers send it) whose error is in plain words."""

    widget = QuickDateInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        """Parse the date; nonsense gives a plain message."""
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter the date like 2025-11-24 (year, month, day).") from exc


def optional_id(value: object) -> int | None:
    """Coerce a select box's value to an id; empty or nonsense gives None."""
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS:
        return None
    return int(text) if 1 <= int(text) <= MAX_ID else None

