"""Form fields for numbers and dates typed by people, with errors in plain words."""

from __future__ import annotations

import re
from decimal import Decimal

from wtforms import DateField, Field
from wtforms.widgets import TextInput

_PLAIN = re.compile(r"\d+(\.\d*)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
MAX_TEXT = 40


class NumberField(Field):
    """A decimal number of 0 or more, at most `maximum`, with at most `places` decimals.

    Accepts "1234.5", "1,234.50" and an optional symbol from `strip` ("$", "%");
    refuses words, negative numbers, NaN, exponents and decimal commas with a plain message.
    """

    widget = TextInput()

    def __init__(self, label: str, validators=None, *, what: str, example: str, places: int,
                 maximum: Decimal, too_large: str, strip: str = "", **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.what, self.example, self.places = what, example, places
        self.maximum, self.too_large, self.strip = maximum, too_large, strip

    def process_formdata(self, valuelist: list[str]) -> None:
        """Parse the typed text; an empty box means no value (None)."""
        self.data = None
        text = valuelist[0].strip().strip(self.strip).strip() if valuelist else ""
        if text:
            self.data = self._parse(text)

    def _parse(self, text: str) -> Decimal:
        if len(text) > MAX_TEXT:
            raise ValueError(self.too_large)
        if text.startswith("-"):
            raise ValueError(f"The {self.what} cannot be negative.")
        if _GROUPED.fullmatch(text):
            text = text.replace(",", "")
        if "," in text:
            raise ValueError(f"Use a point for decimals, like {self.example}.")
        if not _PLAIN.fullmatch(text):
            raise ValueError(f"Enter the {self.what} as a number, like {self.example}.")
        value = Decimal(text)
        if value > self.maximum:
            raise ValueError(self.too_large)
        step = Decimal(1).scaleb(-self.places)
        if value.quantize(step) != value:
            raise ValueError(f"Use at most {self.places} decimals for the {self.what}.")
        return value.quantize(step)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else plain_number(self.data, self.places)


def plain_number(value: Decimal, places: int) -> str:
    """How a stored number is shown in a form box: prices keep cents, quantities drop zeros."""
    if places == 2:
        return f"{value:.2f}"
    return f"{value.normalize():f}"


class PlainDateField(DateField):
    """A date box (YYYY-MM-DD, as browsers send it) whose error is in plain words."""

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
    return int(text) if text.isdigit() and len(text) < 12 else None
