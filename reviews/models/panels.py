from typing import NamedTuple

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from institutes.models import Application, IndustryField, Institute, Program
from portal.workflow import WorkflowModel, condition

from .experts import Expert


def _perm(name):
    return lambda panel, user: user.has_perm(f"reviews.{name}", panel)


@condition(_("the panel needs its full number of accepted experts, a leader and a deputy"))
def panel_is_complete(panel):
    return panel.is_complete()


@condition(_("some experts have not submitted all their scores yet"))
def all_scores_submitted(panel):
    return panel.all_scores_submitted()


class PanelQuerySet(models.QuerySet):
    def for_user(self, user):
        """The panels a user may see at all: a manager those of the programs they manage, an expert
        those they are seated on (invited or accepted)."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        if user.has_role("program_manager"):
            visible |= Q(program__in=user.managed_programs.all())
        if user.has_role("expert"):
            visible |= Q(pk__in=PanelMember.objects.seated().filter(expert__user=user).values("panel"))
        return self.filter(visible)

    def open(self):
        return self.exclude(state=Panel.State.CLOSED)


class Panel(WorkflowModel):
    """3–5 experts drawn for a batch of items (applications, acceptance requests or institutes) in
    one field. The draw is reproducible: `draw_log` keeps each round's seed, candidates, exclusions."""

    class Purpose(models.TextChoices):
        APPLICATION_REVIEW = "application_review", _("Application review")
        ACCEPTANCE = "acceptance", _("Recognition acceptance")
        ANNUAL_EVALUATION = "annual_evaluation", _("Annual evaluation")

    class State(models.TextChoices):
        FORMING = "forming", _("Forming")
        SCORING = "scoring", _("Scoring")
        RANKED = "ranked", _("Scores complete")
        CLOSED = "closed", _("Closed")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="panels", verbose_name=_("program"))
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    industry_field = models.ForeignKey(IndustryField, on_delete=models.PROTECT, verbose_name=_("industry field"))
    rubric = models.ForeignKey("reviews.Rubric", on_delete=models.PROTECT, verbose_name=_("rubric"))
    size = models.PositiveSmallIntegerField(
        _("number of experts"), default=5, validators=[MinValueValidator(3), MaxValueValidator(5)]
    )
    name = models.CharField(_("name"), max_length=200)
    state = FSMField(_("status"), default=State.FORMING, choices=State.choices, protected=True)
    draw_log = models.JSONField(default=list, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PanelQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(size__gte=3, size__lte=5), name="panel_has_3_to_5_experts")]
        verbose_name = _("expert panel")
        verbose_name_plural = _("expert panels")

    def __str__(self):
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED

    def active_members(self):
        return [m for m in self.members.all() if m.status in PanelMember.SEATED_STATUSES]

    def is_complete(self) -> bool:
        seated = self.active_members()
        roles = {m.role for m in seated}
        accepted = [m for m in seated if m.status == PanelMember.Status.ACCEPTED]
        return len(accepted) == self.size and {PanelMember.Role.LEADER, PanelMember.Role.DEPUTY} <= roles

    def all_scores_submitted(self) -> bool:
        """Every seated member has submitted a sheet for every item, except where they declared a
        conflict for that item."""
        from .scoring import ConflictDeclaration, ScoreSheet

        seated = self.members.filter(status__in=PanelMember.SEATED_STATUSES)
        items = self.items.count()
        conflicts = ConflictDeclaration.objects.filter(member__in=seated, item__panel=self, has_conflict=True).count()
        submitted = ScoreSheet.objects.filter(
            item__panel=self, member__in=seated, state=ScoreSheet.State.SUBMITTED
        ).count()
        return items > 0 and submitted >= seated.count() * items - conflicts

    @transition(field=state, source=State.FORMING, target=State.SCORING, conditions=[panel_is_complete],
                permission=_perm("manage_panel"), custom={"label": _("Open scoring")})
    def open_scoring(self, user, comment=""):
        pass

    @transition(field=state, source=State.SCORING, target=State.RANKED, conditions=[all_scores_submitted],
                permission=_perm("manage_panel"), custom={"label": _("Close scoring")})
    def close_scoring(self, user, comment=""):
        pass

    @transition(field=state, source=State.RANKED, target=State.SCORING,
                permission=_perm("lead_panel"), custom={"label": _("Reopen a score")})
    def reopen_scoring(self, user, comment=""):
        pass

    @transition(field=state, source=State.RANKED, target=State.CLOSED,
                permission=_perm("manage_panel"), custom={"label": _("Close the panel")})
    def close(self, user, comment=""):
        pass


class PanelItemKind(NamedTuple):
    """What a panel of one purpose reviews: the model, the states its items must be in when they are
    put on it, and whether they must (True) or must not (False) be cultivation units."""

    model: type
    states: tuple
    cultivation_unit: bool | None = None

    def filters(self) -> dict:
        if self.cultivation_unit is None:
            return {"state__in": self.states}
        return {"state__in": self.states, "is_cultivation_unit": self.cultivation_unit}

    def accepts(self, item) -> bool:
        return item.state in self.states and (
            self.cultivation_unit is None or item.is_cultivation_unit == self.cultivation_unit
        )


# A rectifying institute is a cultivation unit after a failed acceptance (it goes back to an acceptance
# panel), or an HN23 centre after a failed yearly assessment (it is assessed again).
PANEL_ITEM_KINDS = {
    Panel.Purpose.APPLICATION_REVIEW: PanelItemKind(Application, (Application.State.EXPERT_REVIEW,)),
    Panel.Purpose.ACCEPTANCE: PanelItemKind(
        Institute, (Institute.State.CULTIVATING, Institute.State.RECTIFYING), cultivation_unit=True),
    Panel.Purpose.ANNUAL_EVALUATION: PanelItemKind(
        Institute, (Institute.State.ACTIVE, Institute.State.RECTIFYING), cultivation_unit=False),
}


class PanelItem(models.Model):
    """One thing the panel scores: an application, a cultivation unit's acceptance, an institute's year."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="panel_items")
    institute = models.ForeignKey(Institute, null=True, blank=True, on_delete=models.PROTECT, related_name="panel_items")
    listed_for_inspection = models.BooleanField(_("on the site-inspection list"), null=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False, institute__isnull=True)
                | Q(application__isnull=True, institute__isnull=False),
                name="panel_item_is_one_thing",
            ),
            models.UniqueConstraint(fields=["panel", "application"], name="application_once_per_panel"),
            models.UniqueConstraint(fields=["panel", "institute"], name="institute_once_per_panel"),
        ]
        verbose_name = _("panel item")
        verbose_name_plural = _("panel items")

    def __str__(self):
        return str(self.application or self.institute)

    @property
    def lead_unit(self):
        return self.application.organization if self.application_id else self.institute.lead_unit

    @property
    def subject(self):
        """The application or institute this item is about."""
        return self.application if self.application_id else self.institute


class PanelMemberQuerySet(models.QuerySet):
    def seated(self):
        return self.filter(status__in=PanelMember.SEATED_STATUSES)


class PanelMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        DEPUTY = "deputy", _("Deputy leader")
        MEMBER = "member", _("Member")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CONFLICT = "conflict", _("Declared a conflict")

    SEATED_STATUSES = (Status.INVITED, Status.ACCEPTED)

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="panel_seats")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.INVITED)
    draw_round = models.PositiveSmallIntegerField(_("draw round"), default=1)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    responded_at = models.DateTimeField(null=True, blank=True)
    response_reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the expert declined or declared a conflict, or was replaced."),
    )
    site_list_confirmed_at = models.DateTimeField(_("site-inspection list confirmed at"), null=True, blank=True)

    objects = PanelMemberQuerySet.as_manager()

    class Meta:
        ordering = ["panel", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["panel", "expert"], name="expert_once_per_panel"),
            models.UniqueConstraint(
                fields=["panel", "role"], condition=Q(role__in=["leader", "deputy"], status__in=["invited", "accepted"]),
                name="one_leader_and_one_deputy_per_panel",
            ),
        ]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")

    def __str__(self):
        return f"{self.expert} ({self.get_role_display()})"
