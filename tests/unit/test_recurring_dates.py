"""The date arithmetic of recurring documents: counted from the first run, a short month's
last day, and the one run made for many missed."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webpanel.recurring.dates import (
    MONTH,
    WEEK,
    Interval,
    first_run,
    latest_due,
    next_after,
    occurrence,
)

MONTHLY_31 = Interval(MONTH, 1, 31)


def runs(first: date, interval: Interval, count: int) -> list[date]:
    return [occurrence(first, interval, n) for n in range(count)]


def test_monthly_on_day_31_takes_a_short_months_last_day_and_goes_back_to_31_after():
    assert runs(date(2027, 1, 31), MONTHLY_31, 5) == [
        date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
        date(2027, 5, 31)]


def test_in_a_leap_year_february_gives_the_29th():
    assert runs(date(2028, 1, 31), MONTHLY_31, 3) == [
        date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]


def test_every_three_months_on_day_30_crosses_the_year():
    assert runs(date(2026, 11, 30), Interval(MONTH, 3, 30), 4) == [
        date(2026, 11, 30), date(2027, 2, 28), date(2027, 5, 30), date(2027, 8, 30)]


def test_weekly_and_every_two_weeks():
    assert runs(date(2026, 12, 28), Interval(WEEK), 3) == [
        date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 11)]
    assert occurrence(date(2026, 12, 28), Interval(WEEK, 2), 2) == date(2027, 1, 25)


def test_the_first_run_is_the_chosen_day_of_the_month_on_or_after_the_start():
    assert first_run(date(2027, 2, 10), MONTHLY_31) == date(2027, 2, 28)
    assert first_run(date(2027, 3, 5), Interval(MONTH, 1, 1)) == date(2027, 4, 1)
    assert first_run(date(2027, 3, 1), Interval(MONTH, 1, 1)) == date(2027, 3, 1)
    assert first_run(date(2027, 3, 5), Interval(WEEK)) == date(2027, 3, 5)


def test_many_missed_runs_give_the_newest_one_and_the_next_is_after_today():
    first = date(2027, 1, 31)
    assert latest_due(first, MONTHLY_31, date(2027, 1, 30)) is None
    assert latest_due(first, MONTHLY_31, date(2027, 5, 2)) == (3, date(2027, 4, 30))
    assert next_after(first, MONTHLY_31, date(2027, 5, 2)) == date(2027, 5, 31)
    assert next_after(first, MONTHLY_31, date(2027, 1, 1)) == first


@given(first=st.dates(date(2000, 1, 1), date(2090, 1, 1)),
       unit=st.sampled_from([WEEK, MONTH]), every=st.integers(1, 12),
       day=st.integers(1, 31), ahead=st.integers(0, 3000))
def test_the_newest_due_run_is_on_or_before_today_and_the_next_after_it(
        first, unit, every, day, ahead):
    interval = Interval(unit, every, day)
    first = first_run(first, interval)
    today = date.fromordinal(first.toordinal() + ahead)
    number, run_on = latest_due(first, interval, today)
    assert run_on == occurrence(first, interval, number) <= today
    assert next_after(first, interval, today) == occurrence(first, interval, number + 1) > today


@pytest.mark.parametrize("day", [29, 30, 31])
def test_a_day_a_month_lacks_is_its_last_day(day):
    assert occurrence(date(2027, 1, day), Interval(MONTH, 1, day), 1) == date(2027, 2, 28)
