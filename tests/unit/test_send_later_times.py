"""Send later's times: a date and clock time typed in a zone become naive UTC; the clock changes
of the year are resolved and said; the past (beyond a minute) and beyond a year are refused;
the quick choices land on tomorrow and next Monday at 8:00 in the person's zone."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from webpanel.outbox import schedule

NOW = datetime(2026, 12, 6, 9, 0)  # a Sunday, 10:00 in Paris


@pytest.mark.parametrize(("day", "at", "zone", "utc"), [
    ("2027-01-15", "08:00", "Europe/Paris", datetime(2027, 1, 15, 7, 0)),
    ("2027-07-15", "08:00", "Europe/Paris", datetime(2027, 7, 15, 6, 0)),
    ("2027-01-15", "8:05", "America/Los_Angeles", datetime(2027, 1, 15, 16, 5)),
    ("2027-01-15", "08:00:00", "", datetime(2027, 1, 15, 8, 0)),
    ("2027-01-15", "23.59", "Not/AZone", datetime(2027, 1, 15, 23, 59)),
])
def test_a_time_is_read_in_the_zone_and_kept_in_utc(day, at, zone, utc):
    assert schedule.choose(day, at, zone, now=NOW) == schedule.Chosen(utc)


def test_a_time_the_clocks_skip_moves_later_by_the_jump_and_says_so():
    chosen = schedule.choose("2027-03-28", "02:30", "Europe/Paris", now=NOW)
    assert chosen.due_at == datetime(2027, 3, 28, 1, 30)  # 03:30 CEST
    assert chosen.note == ("02:30 does not exist on 28 Mar 2027 in your time zone (the clocks go "
                           "forward that day), so it goes at 28 Mar 2027, 03:30 CEST.")


def test_a_time_the_clocks_show_twice_means_the_first_and_says_so():
    chosen = schedule.choose("2027-10-31", "02:30", "Europe/Paris", now=NOW)
    assert chosen.due_at == datetime(2027, 10, 31, 0, 30)  # 02:30 CEST, not CET
    assert chosen.note == ("02:30 comes twice on 31 Oct 2027 in your time zone (the clocks go "
                           "back that day), so it goes the first time: 31 Oct 2027, 02:30 CEST.")


@pytest.mark.parametrize(("day", "at", "field", "said"), [
    ("2026-12-06", "09:58", "time", "That time has passed: it is now 6 Dec 2026, 10:00 CET."),
    ("2027-12-08", "08:00", "date", "That is more than a year ahead"),
    ("2026/12/08", "08:00", "date", "Enter the date as year-month-day"),
    ("2026-12-32", "08:00", "date", "There is no such date as 2026-12-32"),
    (" ", "08:00", "date", "Enter the date to send it."),
    ("2026-12-08", "8", "time", "Enter the time as hours and minutes"),
    ("2026-12-08", "12:60", "time", "Enter the time as hours and minutes"),
    ("2026-12-08", "x" * 5000, "time", "Enter the time as hours and minutes"),
    ("2026-12-08", None, "time", "Enter the time to send it."),
])
def test_a_time_that_cannot_be_used_is_refused_at_its_field(day, at, field, said):
    with pytest.raises(schedule.BadTime) as refused:
        schedule.choose(day, at, "Europe/Paris", now=NOW)
    assert refused.value.field == field and str(refused.value).startswith(said)


def test_a_minute_ago_still_counts_as_now():
    assert schedule.choose("2026-12-06", "09:59", "Europe/Paris", now=NOW).due_at == \
        datetime(2026, 12, 6, 8, 59)


@pytest.mark.parametrize(("now", "zone", "tomorrow", "monday"), [
    (NOW, "Europe/Paris", date(2026, 12, 7), date(2026, 12, 7)),  # Sunday: Monday is tomorrow
    (datetime(2026, 12, 7, 9), "Europe/Paris", date(2026, 12, 8), date(2026, 12, 14)),
    (datetime(2026, 12, 6, 23, 30), "Europe/Paris", date(2026, 12, 8), date(2026, 12, 14)),
    (datetime(2026, 12, 6, 23, 30), "", date(2026, 12, 7), date(2026, 12, 7)),
])
def test_quick_choices_are_tomorrow_and_next_monday_at_8(now, zone, tomorrow, monday):
    choices = schedule.quick_choices(zone, now=now)
    assert [(q.label, q.day, q.at) for q in choices] == [
        ("Tomorrow 8:00", tomorrow, time(8)), ("Monday 8:00", monday, time(8))]
    assert choices[0].time_value == "08:00" and choices[0].date_value == tomorrow.isoformat()


def test_clock_fields_show_a_stored_time_in_the_zone():
    assert schedule.clock_fields(datetime(2027, 7, 15, 6, 0), "Europe/Paris") == (
        "2027-07-15", "08:00")
    assert schedule.clock_fields(None, "Europe/Paris") == ("", "")
