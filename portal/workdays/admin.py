from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(day.year, str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(date__year=self.value())
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "is_working_day", "note")
    list_filter = (YearListFilter, "is_working_day")
    search_fields = ("name",)
    ordering = ("-date",)
