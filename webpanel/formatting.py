"""Money, numbers and dates in the office's own locale and currency (Babel), on pages and PDFs.

One place for every feature: ``money(amount, company)`` and ``date(d, company)`` take anything
with ``locale`` and ``currency_code`` (the Company row); the ``*_in`` functions take the codes.
Money is Decimal, rounded half up to the currency's minor units (JPY has none).
"""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Protocol

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
    get_territory_currencies,
    is_currency,
    parse_decimal,
)

DEFAULT_LOCALE = "en_US"
DEFAULT_CURRENCY = "USD"
#: Locales offered on the Company page (any locale Babel knows is accepted in code).
LOCALES = ("en_US", "en_GB", "en_CA", "en_AU", "en_IE", "en_IN", "en_NZ", "en_ZA", "de_DE",
           "de_AT", "de_CH", "fr_FR", "fr_BE", "fr_CA", "fr_CH", "it_IT", "es_ES", "es_MX",
           "nl_NL", "nl_BE", "pt_PT", "pt_BR", "sv_SE", "da_DK", "nb_NO", "fi_FI", "pl_PL",
           "cs_CZ", "hu_HU", "ro_RO", "el_GR", "tr_TR", "ja_JP", "zh_CN", "ko_KR")
#: The full-width yen sign Babel uses for ja_JP is missing from DejaVu Sans; ¥ means the same.
_GLYPH_FIXES = str.maketrans({"\uffe5": "\u00a5"})
#: What a typed number may contain before Babel reads it: digits, separators and spaces.
_NUMBER_CHARS = re.compile(r"[0-9.,'\u00a0\u202f\u2019 ]+")


class LocaleSettings(Protocol):
    """What formatting needs to know of the office (the Company row has both)."""

    locale: str
    currency_code: str


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    """Babel's locale for a code, read once per process (every amount and date on a page uses
    it; parsing the code each time cost a third of formatting one)."""
    return Locale.parse(code)


def known_locale(code: str) -> bool:
    """Whether Babel knows the locale code (en_US, de_DE ...)."""
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def known_currency(code: str) -> bool:
    """Whether `code` is an ISO 4217 currency Babel knows (EUR, JPY ...)."""
    return bool(code) and code.isalpha() and is_currency(code.upper())


def locale_currency(locale: str) -> str:
    """The currency of the locale's country: EUR for de_DE, JPY for ja_JP (USD if none)."""
    territory = Locale.parse(locale).territory if known_locale(locale) else None
    currencies = get_territory_currencies(territory) if territory else []
    return currencies[0] if currencies else DEFAULT_CURRENCY


def locale_choices() -> list[tuple[str, str]]:
    """(code, "German (Germany) · de_DE") pairs for a select box."""
    return [(code, f"{Locale.parse(code).get_display_name('en')} · {code}") for code in LOCALES]


def minor_digits(currency: str) -> int:
    """Decimals of the currency: 2 for EUR, 0 for JPY."""
    return get_currency_precision(currency)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor units: 2.345 EUR -> 2.35, 1234.5 JPY -> 1235."""
    return amount.quantize(Decimal(1).scaleb(-minor_digits(currency)), rounding=ROUND_HALF_UP)


def money_in(amount: Decimal, currency: str, locale: str) -> str:
    """"1.234,56 €" (EUR, de_DE), "$1,234.56" (USD, en_US), "¥1,235" (JPY, ja_JP)."""
    text = format_currency(round_money(Decimal(amount), currency), currency,
                           locale=_locale(locale))
    return text.translate(_GLYPH_FIXES)


def decimal_in(value: Decimal, locale: str, places: int | None = None) -> str:
    """A plain number with the locale's separators; `places` fixes the decimals shown."""
    if places is None:
        return format_decimal(Decimal(value).normalize(), locale=_locale(locale),
                              decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(Decimal(value), format=pattern, locale=_locale(locale))


def editable_in(value: Decimal, locale: str, places: int | None = None) -> str:
    """A number as shown in a form box: no grouping, the locale's decimal sign ("450,00")."""
    text = f"{value:.{places}f}" if places is not None else f"{Decimal(value).normalize():f}"
    return text.replace(".", get_decimal_symbol(locale))


def date_in(day: datetime.date, locale: str) -> str:
    """The locale's medium date: "Dec 24, 2026" (en_US), "24.12.2026" (de_DE)."""
    return format_date(day, format="medium", locale=_locale(locale))


def money(amount: Decimal, company: LocaleSettings) -> str:
    """An amount in the company's currency and locale."""
    return money_in(amount, company.currency_code, company.locale)


def date(day: datetime.date, company: LocaleSettings) -> str:
    """A date in the company's locale."""
    return date_in(day, company.locale)


def number(value: Decimal, company: LocaleSettings, places: int | None = None) -> str:
    """A quantity or rate in the company's locale: "1.200" or "1,5" for de_DE."""
    return decimal_in(value, company.locale, places)


def decimal_hint(locale: str) -> str:
    """Which sign separates decimals in the locale, in words."""
    return {",": "a comma", ".": "a point"}.get(get_decimal_symbol(locale), "the decimal sign")


def parse_number(text: str, locale: str) -> Decimal:
    """Read a number as typed in the locale ("1.234,56" in de_DE); ValueError when unreadable.

    Groups must be where the locale puts them; signs, exponents, NaN and words are refused.
    """
    if not _NUMBER_CHARS.fullmatch(text) or not any(c.isdigit() for c in text):
        raise ValueError("not a number")
    compact = text.replace(" ", get_group_symbol(locale)) if " " in text else text
    try:
        value = parse_decimal(compact, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation) as exc:
        raise ValueError("wrong separators") from exc
    if not value.is_finite():
        raise ValueError("not a number")
    return value
