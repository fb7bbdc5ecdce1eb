"""Working-day arithmetic on the Chinese official calendar.

A day's status comes from the staff-edited CalendarDay table when it has an entry for that date,
else from the chinese_calendar library, else (a year the library does not cover) Monday to Friday.
"""
import logging
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import islice

import chinese_calendar
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
# On the official calendar any 2n + 30 consecutive days hold at least n working days, even around
# the longest holidays, so one override query normally covers a whole count; a further span is read
# only when override rows take unusually many days off.
SLACK_DAYS = 30

_years_warned: set[int] = set()


def is_working_day(day: date) -> bool:
    return _is_working(day, _overrides(day, day))


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    return add_working_days(day, 1)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (n >= 1)."""
    if n < 1:
        raise ValueError(_("The number of working days must be at least 1, not %(n)s.") % {"n": n})
    return next(islice(_working_days_after(start, n), n - 1, None))


def working_period_end(start: date, n: int) -> date:
    """The last day of a period of `n` working days that begins on `start`,
    or on the next working day when `start` is not one."""
    return add_working_days(start - ONE_DAY, n)


def working_days_between(start: date, end: date) -> int:
    """The number of working days in (start, end]; 0 when end <= start."""
    if end <= start:
        return 0
    overrides = _overrides(start + ONE_DAY, end)
    return sum(_is_working(day, overrides) for day in _days(start + ONE_DAY, end))


def _working_days_after(day: date, expected: int) -> Iterator[date]:
    """Working days after `day`, reading overrides one span at a time, each sized for `expected` working days."""
    span = timedelta(days=2 * expected + SLACK_DAYS)
    while True:
        first, last = day + ONE_DAY, day + span
        overrides = _overrides(first, last)
        yield from (current for current in _days(first, last) if _is_working(current, overrides))
        day = last


def _days(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def _overrides(first: date, last: date) -> dict[date, bool]:
    from .models import CalendarDay

    rows = CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "is_working_day")
    return dict(rows)


def _is_working(day: date, overrides: dict[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_year_not_covered(day.year)
        return day.weekday() < 5


def _warn_year_not_covered(year: int) -> None:
    if year not in _years_warned:
        _years_warned.add(year)
        logger.warning(
            "chinese_calendar has no data for %s; counting Monday to Friday as working days "
            "except where the CalendarDay table says otherwise",
            year,
        )
