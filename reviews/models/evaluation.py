"""Annual evaluation (ZZ23 第十二、十三条; XX22 五(五); SJZ22 四(四); HN23 实施方案 四(五)).

One `AnnualEvaluation` per program and evaluated year: the institutes due are its entries; panels
drawn with `Panel.Purpose.ANNUAL_EVALUATION` score them on the program's rubric; the portal proposes
grades from the averages with the program's cut-offs and 优秀 quota (copied onto the evaluation
from `reviews.grading_rules` when it is opened: data, not code); the manager settles ties at the
quota boundary and any change with a reason, confirms, and publishes — which writes
`institutes.models.AnnualGrade`, the only grade institutes and the other apps ever read."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from institutes.models import Grade, Institute, Program
from portal.workflow import WorkflowModel, condition

from .panels import PanelItem


def _perm(name):
    return lambda evaluation, user: user.has_perm(f"reviews.{name}", evaluation)


@condition(_("every institute due must be on a drawn panel first"))
def every_entry_on_a_panel(evaluation):
    return evaluation.entries.exists() and not evaluation.entries.filter(panel_item__isnull=True).exists()


@condition(_("the panels have not finished scoring: close scoring on every panel first"))
def every_panel_scored(evaluation):
    from .panels import Panel

    open_panels = Panel.objects.filter(items__evaluation_entries__evaluation=evaluation).exclude(
        state__in=(Panel.State.RANKED, Panel.State.CLOSED)
    )
    return evaluation.entries.exists() and not open_panels.exists()


@condition(_("ties at the 优秀 quota boundary must be settled first"))
def ties_settled(evaluation):
    return not evaluation.entries.filter(is_tie=True, tie_settled=False).exists()


@condition(_("more institutes are graded 优秀 than the quota allows"))
def within_quota(evaluation):
    quota = evaluation.excellent_quota_count
    return quota is None or evaluation.entries.filter(final_grade=Grade.EXCELLENT).count() <= quota


@condition(_("every institute needs a grade"))
def every_entry_graded(evaluation):
    return not evaluation.entries.filter(final_grade="").exists()


class AnnualEvaluationQuerySet(models.QuerySet):
    def for_user(self, user):
        """Managers see the evaluations of their programs; finance staff every evaluation (read only)."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        if user.has_role("program_manager"):
            visible |= Q(program__in=user.managed_programs.all())
        if user.has_role("finance"):
            visible |= Q(pk__isnull=False)
        return self.filter(visible)


class AnnualEvaluation(WorkflowModel):
    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("evaluation", "Open")
        SCORING = "scoring", pgettext_lazy("evaluation", "Scoring")
        PROPOSED = "proposed", _("Grades proposed")
        CONFIRMED = "confirmed", _("Grades confirmed")
        PUBLISHED = "published", _("Grades published")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="annual_evaluations",
                                verbose_name=_("program"))
    year = models.PositiveSmallIntegerField(_("evaluated year"))
    state = FSMField(_("status"), default=State.OPEN, choices=State.choices, protected=True, db_index=True)
    grading = models.JSONField(
        _("grading rules"), default=dict,
        help_text=_("Grades, cut-offs, 优秀 quota and targets copied from the program's grading rules when opened."),
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)

    objects = AnnualEvaluationQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "program"]
        constraints = [models.UniqueConstraint(fields=["program", "year"], name="one_evaluation_per_program_year")]
        verbose_name = _("annual evaluation")
        verbose_name_plural = _("annual evaluations")

    def __str__(self):
        return _("%(program)s annual evaluation %(year)s") % {"program": self.program.code, "year": self.year}

    # ---- the rules copied on opening ---------------------------------------------------------
    @property
    def grades(self) -> list[str]:
        return list(self.grading.get("grades") or [g.value for g in Grade])

    @property
    def cut_offs(self) -> list[tuple[str, Decimal]]:
        """(grade, minimum average), best grade first; the last grade of `grades` has no minimum."""
        cut = self.grading.get("cut_offs") or {}
        return [(grade, Decimal(cut[grade])) for grade in self.grades if grade in cut]

    @property
    def excellent_quota(self) -> Decimal | None:
        quota = self.grading.get("excellent_quota")
        return None if quota is None or Grade.EXCELLENT not in self.grades else Decimal(str(quota))

    def quota_for(self, n: int) -> int | None:
        """At most floor(quota × n) institutes may be 优秀 (5 → 1, 4 → 0, 10 → 2)."""
        quota = self.excellent_quota
        return None if quota is None else int(quota * n)  # int() of a non-negative Decimal rounds down

    @property
    def excellent_quota_count(self) -> int | None:
        return self.quota_for(self.entries.count())

    # ---- the workflow ---------------------------------------------------------------------------
    @transition(field=state, source=State.OPEN, target=State.SCORING, conditions=[every_entry_on_a_panel],
                permission=_perm("manage_evaluation"), custom={"label": _("Start scoring")})
    def start_scoring(self, user, comment=""):
        pass

    @transition(field=state, source=State.SCORING, target=State.PROPOSED, conditions=[every_panel_scored],
                permission=_perm("manage_evaluation"), custom={"label": _("Propose grades")})
    def propose(self, user, comment="", proposed_at=None):
        self.proposed_at = proposed_at

    @transition(field=state, source=State.PROPOSED, target=State.CONFIRMED,
                conditions=[every_entry_graded, ties_settled, within_quota],
                permission=_perm("manage_evaluation"), custom={"label": _("Confirm grades")})
    def confirm(self, user, comment="", confirmed_at=None):
        self.confirmed_at = confirmed_at

    @transition(field=state, source=State.CONFIRMED, target=State.PUBLISHED,
                permission=_perm("manage_evaluation"), custom={"label": _("Publish grades")})
    def publish(self, user, comment="", published_on=None):
        self.published_on = published_on


class EvaluationEntry(models.Model):
    """One institute due in the evaluation: its panel item, the panel's average, the grade the
    portal proposes and the grade the manager confirms."""

    evaluation = models.ForeignKey(AnnualEvaluation, on_delete=models.CASCADE, related_name="entries")
    institute = models.ForeignKey(Institute, on_delete=models.PROTECT, related_name="evaluation_entries",
                                  verbose_name=_("institute"))
    panel_item = models.ForeignKey(PanelItem, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="evaluation_entries")
    year_of_institute = models.PositiveSmallIntegerField(
        _("year of the institute"), default=1, help_text=_("1 for the year it was recognised in."),
    )
    shortfalls = models.JSONField(
        _("target shortfalls"), default=list, blank=True,
        help_text=_("Targets the accepted annual report does not reach, shown to the panel (XX22)."),
    )
    agreement_targets = models.TextField(
        _("annual construction agreement targets"), blank=True,
        help_text=_("HN23: the tasks of the year's construction agreement the centre is assessed against."),
    )
    sheet_count = models.PositiveSmallIntegerField(_("score sheets"), default=0)
    score_sum = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True, editable=False)
    average_score = models.DecimalField(_("average score"), max_digits=6, decimal_places=2, null=True, blank=True)
    cut_off_grade = models.CharField(_("grade by cut-offs"), max_length=16, choices=Grade.choices, blank=True)
    proposed_grade = models.CharField(_("proposed grade"), max_length=16, choices=Grade.choices, blank=True)
    final_grade = models.CharField(_("final grade"), max_length=16, choices=Grade.choices, blank=True)
    is_tie = models.BooleanField(_("tied at the 优秀 quota boundary"), default=False)
    tie_settled = models.BooleanField(_("tie settled"), default=False)
    override_reason = models.TextField(_("reason for the change"), blank=True)

    class Meta:
        ordering = ["evaluation", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "institute"], name="institute_once_per_evaluation"),
            models.CheckConstraint(
                condition=Q(final_grade="") | Q(final_grade=models.F("proposed_grade")) | ~Q(override_reason=""),
                name="changed_grade_has_reason",
            ),
        ]
        verbose_name = _("evaluation entry")
        verbose_name_plural = _("evaluation entries")

    def __str__(self):
        return f"{self.evaluation} · {self.institute}"

    @property
    def is_changed(self) -> bool:
        return bool(self.final_grade) and self.final_grade != self.proposed_grade
