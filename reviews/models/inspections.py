from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutes.models import RecognitionRequest

from .panels import Panel, PanelItem, PanelMember


class SiteInspectionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Site inspections are the program managers' records: those of the programs they manage."""
        if not (user.is_authenticated and user.has_role("program_manager")):
            return self.none()
        return self.filter(panel__program__in=user.managed_programs.all())


class SiteInspection(models.Model):
    """The panel's visit. It may not go ahead when more than 2 experts are absent, or when the
    leader and the deputy are both absent (HN23 规程 第六条(四)): absentees are replaced by a new draw."""

    MAX_ABSENT = 2

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="inspections")
    visited_on = models.DateField(_("date of the visit"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = SiteInspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("site inspection")
        verbose_name_plural = _("site inspections")

    def __str__(self):
        return f"{self.panel} {self.visited_on}"

    @property
    def program_id(self):
        return self.panel.program_id


class InspectionAttendance(models.Model):
    inspection = models.ForeignKey(SiteInspection, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("present"))

    class Meta:
        ordering = ["member__pk"]
        constraints = [models.UniqueConstraint(fields=["inspection", "member"], name="attendance_once_per_member")]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")


class InspectionAssessment(models.Model):
    """The panel's written assessment of one applicant, signed by all present: strengths and
    necessity, problems, focus for the future, and whether to list it (HN23 规程 第六条(六))."""

    inspection = models.ForeignKey(SiteInspection, on_delete=models.CASCADE, related_name="assessments")
    item = models.ForeignKey(PanelItem, on_delete=models.PROTECT, related_name="assessments")
    strengths = models.TextField(_("strengths"))
    necessity = models.TextField(_("necessity"))
    problems = models.TextField(_("problems"))
    future_focus = models.TextField(_("focus for the future"))
    recommend_listing = models.BooleanField(_("recommend listing"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item__pk"]
        constraints = [models.UniqueConstraint(fields=["item"], name="assessment_once_per_item")]
        verbose_name = _("inspection assessment")
        verbose_name_plural = _("inspection assessments")


class AcceptancePoint(models.TextChoices):
    """The seven points an HN23 acceptance checks (规程 第七条 第二步(二)1)."""

    LEGAL_ENTITY = "legal_entity", _(
        "Independent legal person registered, with a board and management team; run as an enterprise")
    ROADMAP = "roadmap", _(
        "Technology roadmap being carried out; progress on common key technologies; public services to the industry")
    RD_TEAM = "rd_team", _(
        "Stable R&D team; IP and technology-transfer mechanism; pilot-test and testing capability")
    INVESTMENT = "investment", _("Members' assets transferred or capital paid in as agreed; R&D investment in place")
    PLAN = "plan", _("Medium- and long-term plan and construction plan adopted and carried out")
    EXPERT_COMMITTEE = "expert_committee", _("Expert committee set up and working")
    ALLIANCE = "alliance", _("Industry (technology innovation) alliance formed, or the existing one changed")


class AcceptanceReview(models.Model):
    """The acceptance (考核验收) of a cultivation unit's recognition application: the panel's result
    on each of the seven points and its written report. It passes when every point passes."""

    recognition_request = models.OneToOneField(
        RecognitionRequest, on_delete=models.PROTECT, related_name="acceptance",
        verbose_name=_("recognition application"),
    )
    held_on = models.DateField(_("date of the acceptance"))
    report = models.TextField(_("written acceptance report"))
    passed = models.BooleanField(_("passed"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")

    def __str__(self):
        return f"{self.recognition_request} {self.held_on}"


class AcceptanceCheck(models.Model):
    review = models.ForeignKey(AcceptanceReview, on_delete=models.CASCADE, related_name="checks")
    point = models.CharField(_("check point"), max_length=24, choices=AcceptancePoint.choices)
    passed = models.BooleanField(_("passed"))
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "point"], name="acceptance_point_once_per_review"),
            models.CheckConstraint(
                condition=Q(point__in=AcceptancePoint.values), name="acceptance_point_is_known",
            ),
        ]
        verbose_name = _("acceptance check")
        verbose_name_plural = _("acceptance checks")
