"""One rubric-and-scoring engine for application review, recognition acceptance and annual
evaluation: a rubric's criteria and points are data; each panel member fills one sheet per item."""
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from institutes.models import Program
from portal.workflow import WorkflowModel, condition

from .panels import Panel, PanelItem, PanelMember


class Rubric(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="rubrics", verbose_name=_("program"))
    purpose = models.CharField(_("purpose"), max_length=24, choices=Panel.Purpose.choices)
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    pass_mark = models.DecimalField(
        _("pass mark"), max_digits=6, decimal_places=2, null=True, blank=True,
        help_text=_("Average total at or above which an item passes (e.g. 80 for the site-inspection list)."),
    )
    outlier_margin = models.DecimalField(
        _("outlier margin"), max_digits=6, decimal_places=2, default=Decimal(15),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("An expert whose total lies more than this many points from the item's panel mean is flagged."),
    )

    class Meta:
        ordering = ["program", "purpose", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["program", "purpose", "effective_from"], name="one_rubric_version_per_day")
        ]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")

    def __str__(self):
        return self.name

    @property
    def total_points(self) -> Decimal:
        return sum((c.max_points for c in self.criteria.all()), Decimal(0))


class RubricCriterion(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("code"))
    name = models.CharField(_("criterion"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True)
    max_points = models.DecimalField(_("points"), max_digits=6, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0.01"))])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rubric", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["rubric", "code"], name="criterion_code_once_per_rubric")]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self):
        return self.name


class ConflictDeclaration(models.Model):
    """Before any content of an item opens, the expert declares no conflict — or declares one."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="declarations")
    item = models.ForeignKey(PanelItem, on_delete=models.CASCADE, related_name="declarations")
    has_conflict = models.BooleanField(_("has a conflict of interest"))
    statement = models.TextField(_("statement"), blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "item"], name="one_declaration_per_member_item")]
        verbose_name = _("conflict declaration")
        verbose_name_plural = _("conflict declarations")


def _perm(name):
    return lambda sheet, user: user.has_perm(f"reviews.{name}", sheet)


@condition(_("every criterion needs a score"))
def every_criterion_scored(sheet):
    return sheet.scores.count() == sheet.member.panel.rubric.criteria.count()


class ScoreSheet(WorkflowModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", pgettext_lazy("score sheet", "Submitted")

    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="sheets")
    item = models.ForeignKey(PanelItem, on_delete=models.PROTECT, related_name="sheets")
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2, default=Decimal(0))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["item", "member"]
        constraints = [models.UniqueConstraint(fields=["member", "item"], name="one_sheet_per_member_item")]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")

    def __str__(self):
        return f"{self.member.expert} · {self.item}"

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED, conditions=[every_criterion_scored],
                permission=_perm("score_sheet"), custom={"label": _("Submit scores")})
    def submit(self, user, comment=""):
        self.total = sum((s.points for s in self.scores.all()), Decimal(0))
        self.submitted_at = timezone.now()

    @transition(field=state, source=State.SUBMITTED, target=State.DRAFT,
                permission=_perm("reopen_sheet"), custom={"label": _("Reopen scores")})
    def reopen(self, user, comment=""):
        self.submitted_at = None


class Score(models.Model):
    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2,
                                 validators=[MinValueValidator(Decimal(0))])
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(condition=Q(points__gte=0), name="score_not_negative"),
        ]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
