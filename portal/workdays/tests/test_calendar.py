"""Working-day arithmetic against the chinese_calendar library data (no override rows)."""
import subprocess
import sys
from datetime import date
from pathlib import Path

import chinese_calendar
import pytest

from portal.workdays import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
    working_period_end,
)


REPO_ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_package_needs_no_django_setup_and_loads_no_models():
    code = "import sys, portal.workdays; assert 'portal.workdays.models' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, env={}, cwd=REPO_ROOT)


def test_notice_opened_on_monday_for_five_working_days_ends_on_friday(db):
    assert working_period_end(date(2025, 11, 3), 5) == date(2025, 11, 7)


@pytest.mark.parametrize("n", [0, -1])
def test_period_and_addition_need_at_least_one_working_day(db, n):
    with pytest.raises(ValueError):
        working_period_end(date(2025, 11, 3), n)
    with pytest.raises(ValueError):
        add_working_days(date(2025, 11, 3), n)


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        # Mon 01-20..Fri 01-24, adjusted Sun 01-26, Mon 01-27, holiday 01-28..02-04, Wed 02-05..
        (date(2025, 1, 20), 7, date(2025, 1, 27)),
        (date(2025, 1, 20), 8, date(2025, 2, 5)),
        (date(2025, 1, 20), 10, date(2025, 2, 7)),
        (date(2025, 1, 20), 11, date(2025, 2, 8)),
    ],
)
def test_period_across_spring_festival_2025(db, start, n, end):
    assert working_period_end(start, n) == end


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        # Mon 09-22..Fri 09-26, adjusted Sun 09-28, 09-29, 09-30, holiday 10-01..10-08, Thu 10-09..
        (date(2025, 9, 22), 8, date(2025, 9, 30)),
        (date(2025, 9, 22), 9, date(2025, 10, 9)),
        (date(2025, 9, 22), 11, date(2025, 10, 11)),
    ],
)
def test_period_across_national_day_2025(db, start, n, end):
    assert working_period_end(start, n) == end


def _named_holidays(first, last, holiday):
    return [
        day for day in chinese_calendar.get_holidays(first, last)
        if chinese_calendar.get_holiday_detail(day)[1] == holiday.value
    ]


def test_library_2026_holiday_facts_used_below():
    holiday = chinese_calendar.Holiday
    assert _named_holidays(date(2026, 2, 1), date(2026, 3, 31), holiday.spring_festival) == [
        date(2026, 2, day) for day in range(15, 24)
    ]
    assert _named_holidays(date(2026, 9, 1), date(2026, 10, 31), holiday.mid_autumn_festival) == [
        date(2026, 9, day) for day in range(25, 28)
    ]
    assert _named_holidays(date(2026, 9, 1), date(2026, 10, 31), holiday.national_day) == [
        date(2026, 10, day) for day in range(1, 8)
    ]
    adjusted = [day for day in chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 12, 31)) if day.weekday() >= 5]
    assert {date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)} <= set(adjusted)


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        # Mon 02-09..Fri 02-13, adjusted Sat 02-14, holiday Sun 02-15..Mon 02-23, Tue 02-24..
        (date(2026, 2, 9), 6, date(2026, 2, 14)),
        (date(2026, 2, 9), 7, date(2026, 2, 24)),
        (date(2026, 2, 9), 11, date(2026, 2, 28)),
    ],
)
def test_period_across_spring_festival_2026(db, start, n, end):
    assert working_period_end(start, n) == end


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        # adjusted Sun 09-20, Mon 09-21..Thu 09-24, Mid-autumn 09-25..27, 09-28..30,
        # National Day 10-01..10-07, Thu 10-08, Fri 10-09, adjusted Sat 10-10
        (date(2026, 9, 20), 1, date(2026, 9, 20)),
        (date(2026, 9, 21), 5, date(2026, 9, 28)),
        (date(2026, 9, 21), 8, date(2026, 10, 8)),
        (date(2026, 9, 21), 10, date(2026, 10, 10)),
    ],
)
def test_period_across_national_day_2026(db, start, n, end):
    assert working_period_end(start, n) == end


def test_period_starting_on_a_holiday_begins_on_the_next_working_day(db):
    assert working_period_end(date(2025, 10, 1), 1) == date(2025, 10, 9)
    assert working_period_end(date(2026, 2, 17), 3) == date(2026, 2, 26)


def test_period_starting_on_a_weekend_begins_on_monday(db):
    assert working_period_end(date(2025, 11, 8), 5) == date(2025, 11, 14)


def test_adjusted_working_weekend_counts_as_a_working_day(db):
    assert is_working_day(date(2025, 1, 26))
    assert not is_working_day(date(2025, 1, 25))
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_add_working_days_counts_after_the_start(db):
    assert add_working_days(date(2025, 11, 3), 5) == date(2025, 11, 10)
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_next_working_day(db):
    assert next_working_day(date(2025, 11, 7)) == date(2025, 11, 10)
    assert next_working_day(date(2025, 9, 27)) == date(2025, 9, 28)
    assert next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)


def test_working_days_between_counts_the_half_open_interval(db):
    assert working_days_between(date(2025, 11, 3), date(2025, 11, 7)) == 4
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert working_days_between(date(2025, 1, 24), date(2025, 2, 8)) == 6
    assert working_days_between(date(2025, 11, 7), date(2025, 11, 7)) == 0
    assert working_days_between(date(2025, 11, 7), date(2025, 11, 3)) == 0


def test_working_days_between_inverts_working_period_end(db):
    start = date(2026, 2, 9)
    assert working_days_between(date(2026, 2, 8), working_period_end(start, 11)) == 11
