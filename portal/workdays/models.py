from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A staff-entered day status that wins over the chinese_calendar library for its date.

    Used for years the library does not cover yet and for corrections to years it does.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_("Ticked for a working day (including a weekend made a working day), clear for a day off."),
    )
    name = models.CharField(_("name"), max_length=64, blank=True, help_text=_("Holiday name, e.g. 春节."))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        status = _("working day") if self.is_working_day else _("day off")
        return f"{self.date:%Y-%m-%d} {self.name or status}"
