"""The reminder ladder's arithmetic: which level is due on a day, which it passes over, and
the office day and next run in the office's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from webpanel.reminders.ladder import level_due
from webpanel.reminders.plan import Schedule, describe

PLAN = ((1, -3), (2, 0), (3, 7), (4, 14))
DUE = date(2026, 12, 10)


def test_each_level_falls_due_on_its_day_and_only_once_it_is_above_the_last_one_had():
    assert level_due(DUE, PLAN, 0, date(2026, 12, 6)) is None
    assert level_due(DUE, PLAN, 0, date(2026, 12, 7)) == (1, date(2026, 12, 7), ())
    assert level_due(DUE, PLAN, 1, date(2026, 12, 9)) is None
    assert level_due(DUE, PLAN, 1, date(2026, 12, 10)) == (2, DUE, ())
    assert level_due(DUE, PLAN, 4, date(2027, 3, 1)) is None


def test_after_days_without_a_worker_only_the_latest_level_goes_and_the_rest_are_passed_over():
    assert level_due(DUE, PLAN, 0, date(2026, 12, 20)) == (
        3, date(2026, 12, 17), ((1, date(2026, 12, 7)), (2, DUE)))


def test_no_level_whose_day_came_before_the_invoice_was_first_emailed():
    emailed = date(2026, 12, 8)  # after Reminder 1's day: it never goes, Reminder 2 does
    assert level_due(DUE, PLAN, 0, date(2026, 12, 8), emailed) is None
    assert level_due(DUE, PLAN, 0, date(2026, 12, 10), emailed) == (2, DUE, ())


def test_the_office_day_and_next_run_are_in_the_office_time_zone():
    paris = Schedule(PLAN, 8, "Europe/Paris")
    before = datetime(2026, 12, 10, 6, 30, tzinfo=UTC)  # 07:30 in Paris: before 08:00
    after = datetime(2026, 12, 10, 7, 30, tzinfo=UTC)  # 08:30 in Paris
    assert paris.current_day(before) == date(2026, 12, 9)
    assert paris.current_day(after) == date(2026, 12, 10)
    assert paris.next_run(before).isoformat() == "2026-12-10T08:00:00+01:00"
    assert paris.next_run(after).isoformat() == "2026-12-11T08:00:00+01:00"
    tokyo = Schedule(PLAN, 8, "Asia/Tokyo")  # already the 11th there
    assert tokyo.current_day(datetime(2026, 12, 10, 23, 30, tzinfo=UTC)) == date(2026, 12, 11)


def test_levels_in_words():
    assert [describe(d) for d in (-3, -1, 0, 1, 14)] == [
        "3 days before the due date", "1 day before the due date", "on the due date",
        "1 day after the due date", "14 days after the due date"]
