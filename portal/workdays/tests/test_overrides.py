"""The staff-edited CalendarDay table, years the library does not cover, and query counts."""
import logging
from datetime import date, timedelta

import pytest

from portal.workdays import (
    add_working_days,
    is_working_day,
    services,
    working_days_between,
    working_period_end,
)
from portal.workdays.models import CalendarDay


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(services, "_years_warned", set())


def test_override_making_a_library_working_day_off_wins(db):
    CalendarDay.objects.create(date=date(2025, 11, 5), is_working_day=False, name="停电检修")
    assert not is_working_day(date(2025, 11, 5))
    assert working_period_end(date(2025, 11, 3), 5) == date(2025, 11, 10)


def test_override_making_a_library_day_off_working_wins(db):
    CalendarDay.objects.create(date=date(2025, 11, 8), is_working_day=True)
    CalendarDay.objects.create(date=date(2025, 10, 2), is_working_day=True)
    assert is_working_day(date(2025, 10, 2))
    assert working_period_end(date(2025, 11, 3), 6) == date(2025, 11, 8)
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 2


@pytest.mark.usefixtures("fresh_warnings")
def test_year_without_library_data_falls_back_to_monday_to_friday(db):
    assert is_working_day(date(2027, 1, 1))
    assert not is_working_day(date(2027, 1, 2))
    assert working_period_end(date(2027, 3, 1), 5) == date(2027, 3, 5)


@pytest.mark.usefixtures("fresh_warnings")
def test_year_without_library_data_uses_the_override_table(db):
    CalendarDay.objects.create(date=date(2027, 1, 1), is_working_day=False, name="元旦")
    CalendarDay.objects.bulk_create(
        CalendarDay(date=date(2027, 2, day), is_working_day=False, name="春节") for day in range(5, 12)
    )
    CalendarDay.objects.create(date=date(2027, 2, 14), is_working_day=True, name="春节调休")
    assert not is_working_day(date(2027, 1, 1))
    # Mon 02-01..Thu 02-04, off 02-05..02-11, Fri 02-12, adjusted Sun 02-14, Mon 02-15
    assert working_period_end(date(2027, 2, 1), 5) == date(2027, 2, 12)
    assert working_period_end(date(2027, 2, 1), 6) == date(2027, 2, 14)
    assert add_working_days(date(2027, 2, 4), 3) == date(2027, 2, 15)


@pytest.mark.usefixtures("fresh_warnings")
def test_missing_library_year_is_logged_once_per_year(db, caplog):
    with caplog.at_level(logging.WARNING, logger=services.__name__):
        working_period_end(date(2027, 3, 1), 20)
        is_working_day(date(2027, 6, 1))
        is_working_day(date(2028, 1, 3))
    assert [record.args for record in caplog.records] == [(2027,), (2028,)]


@pytest.mark.parametrize("n", [5, 60])
def test_working_period_end_reads_overrides_in_one_query(db, django_assert_num_queries, n):
    CalendarDay.objects.create(date=date(2025, 11, 5), is_working_day=False)
    with django_assert_num_queries(1):
        working_period_end(date(2025, 11, 3), n)


def test_working_period_end_reads_more_overrides_only_when_the_first_span_runs_out(db, django_assert_num_queries):
    start = date(2025, 11, 3)
    CalendarDay.objects.bulk_create(
        CalendarDay(date=start + timedelta(days=offset), is_working_day=False) for offset in range(40)
    )
    with django_assert_num_queries(2):
        assert working_period_end(start, 1) == start + timedelta(days=42)


def test_working_days_between_reads_overrides_in_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert working_days_between(date(2025, 1, 1), date(2026, 12, 31)) > 480
