"""Money, numbers and dates in the office's locale; money rounded half up to minor units."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from webpanel.documents.totals import compute_totals
from webpanel.formatting import (
    date_in,
    known_currency,
    locale_currency,
    money_in,
    parse_number,
    round_money,
)


@pytest.mark.parametrize(("locale", "currency", "text"), [
    ("en_US", "USD", "$1,234.56"),
    ("de_DE", "EUR", "1.234,56\xa0€"),
    ("ja_JP", "JPY", "¥1,235"),
    ("en_GB", "GBP", "£1,234.56"),
])
def test_money_in_each_locale(locale, currency, text):
    assert money_in(Decimal("1234.555"), currency, locale) == text


def test_money_is_rounded_half_up_not_to_even():
    assert money_in(Decimal("0.125"), "USD", "en_US") == "$0.13"
    assert money_in(Decimal("2.5"), "JPY", "ja_JP") == "¥3"
    assert round_money(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert round_money(Decimal("4.5"), "JPY") == Decimal("5")


def test_dates_in_each_locale():
    day = datetime.date(2026, 12, 24)
    assert date_in(day, "en_US") == "Dec 24, 2026"
    assert date_in(day, "de_DE") == "24.12.2026"
    assert date_in(day, "ja_JP") == "2026/12/24"


@pytest.mark.parametrize(("text", "locale", "value"), [
    ("450,00", "de_DE", "450.00"), ("1.234,56", "de_DE", "1234.56"),
    ("1,234.56", "en_US", "1234.56"),
    ("1 234,56", "fr_FR", "1234.56"), ("1234", "ja_JP", "1234"), ("0,5", "de_DE", "0.5"),
])
def test_parse_numbers_as_the_locale_writes_them(text, locale, value):
    assert parse_number(text, locale) == Decimal(value)


@pytest.mark.parametrize(("text", "locale"), [
    ("450.00", "de_DE"), ("19,99", "en_US"), ("NaN", "en_US"), ("1e5", "en_US"), ("", "en_US"),
    ("Infinity", "de_DE"), ("12abc", "de_DE"),
])
def test_unreadable_numbers_are_refused(text, locale):
    with pytest.raises(ValueError):
        parse_number(text, locale)


def test_currency_defaults_from_the_locale():
    assert locale_currency("de_DE") == "EUR" and locale_currency("ja_JP") == "JPY"
    assert locale_currency("en_US") == "USD" and locale_currency("xx_YY") == "USD"
    assert known_currency("EUR") and not known_currency("EUROS") and not known_currency("")


@pytest.mark.parametrize(("currency", "total"), [("USD", "3.02"), ("EUR", "3.02"), ("JPY", "5")])
def test_totals_are_exact_where_floats_are_a_cent_off(currency, total):
    price = Decimal("2.01") if currency != "JPY" else Decimal("3")
    assert round(1.5 * float(price), 2 if currency != "JPY" else 0) != float(total)
    totals = compute_totals([(Decimal("1.5"), price)], Decimal("0"), currency)
    assert totals.total == Decimal(total)
    many = compute_totals([(Decimal("1"), Decimal("0.10"))] * 3, Decimal("0"), currency)
    assert many.total == round_money(Decimal("0.30"), currency)
