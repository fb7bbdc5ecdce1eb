from datetime import date

from django.contrib import admin
from django.utils import translation

from portal.workdays.admin import CalendarDayAdmin, YearListFilter
from portal.workdays.models import CalendarDay


def test_calendar_day_admin_is_registered():
    assert isinstance(admin.site.get_model_admin(CalendarDay), CalendarDayAdmin)


def test_year_filter_lists_years_and_narrows_the_rows(db, rf):
    CalendarDay.objects.create(date=date(2026, 10, 1), is_working_day=False, name="国庆节")
    new_year = CalendarDay.objects.create(date=date(2027, 1, 1), is_working_day=False, name="元旦")
    model_admin = CalendarDayAdmin(CalendarDay, admin.site)
    request = rf.get("/", {"year": "2027"})
    year_filter = YearListFilter(request, {"year": ["2027"]}, CalendarDay, model_admin)
    assert year_filter.lookup_choices == [(2027, "2027"), (2026, "2026")]
    assert list(year_filter.queryset(request, CalendarDay.objects.all())) == [new_year]


def test_calendar_day_str_shows_name_or_status():
    assert str(CalendarDay(date=date(2027, 2, 6), is_working_day=False, name="春节")) == "2027-02-06 春节"
    with translation.override("en"):
        assert str(CalendarDay(date=date(2027, 2, 14), is_working_day=True)) == "2027-02-14 working day"
