from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .panels import Panel, PanelItem, PanelMember


class SiteInspection(models.Model):
    """The panel's visit. It may not go ahead when more than 2 experts are absent, or when the
    leader and the deputy are both absent (HN23 规程 第六条(四)): absentees are replaced by a new draw."""

    MAX_ABSENT = 2

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="inspections")
    visited_on = models.DateField(_("date of the visit"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_on"]
        verbose_name = _("site inspection")
        verbose_name_plural = _("site inspections")

    def __str__(self):
        return f"{self.panel} {self.visited_on}"


class InspectionAttendance(models.Model):
    inspection = models.ForeignKey(SiteInspection, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "member"], name="attendance_once_per_member")]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")


class InspectionAssessment(models.Model):
    """The panel's written assessment of one applicant, signed by all present."""

    inspection = models.ForeignKey(SiteInspection, on_delete=models.CASCADE, related_name="assessments")
    item = models.ForeignKey(PanelItem, on_delete=models.PROTECT, related_name="assessments")
    strengths = models.TextField(_("strengths"))
    necessity = models.TextField(_("necessity"))
    problems = models.TextField(_("problems"))
    future_focus = models.TextField(_("focus for the future"))
    recommend_listing = models.BooleanField(_("recommend listing"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="assessment_once_per_item")]
        verbose_name = _("inspection assessment")
        verbose_name_plural = _("inspection assessments")
