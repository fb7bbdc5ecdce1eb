"""Rule versions kept as data (POLICY.md §5–§7): the calculator's `RuleVersion`, one row each.

The catalog (`subsidies.calculator.catalog`) is loaded into this table by `subsidies.rule_catalog
.load_rules()` (the data migration and the test reference data call it); program managers add
versions (new amounts, caps, windows) and, for HN23, new rule codes in the staff pages. A row is
validated by building its `RuleVersion`, so the engine's own checks apply to what staff enter.

Nothing one person decides alone moves money (docs/policy-decisions.md, “Rule versions
(four-eyes)”): a version a manager proposes quotes nothing until a *second* manager of the program
approves it; a retirement names the version's last day, is proposed by one manager and confirmed
by another, and from then on the version ends on that day (events after it fall to the version
before it; events up to it keep it, so a retirement never changes a quote retroactively).
`PolicyRuleVersionQuerySet.quoting()` (approved, retirement pending, retired — each inside its
window) is the one filter every reader of money uses. Catalog rows are approved (the migration
that added the states, `load_rules`).
"""
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from portal.workflow import WorkflowModel, acting_user, condition, someone_other_than
from subsidies.calculator import CAP_PERIODS, PAYEES, RULE_TYPES, RuleVersion
from subsidies.calculator.labels import RULE_TYPE_LABELS

RULE_TYPE_CHOICES = [(name, name) for name in RULE_TYPES]
CAP_PERIOD_CHOICES = list(CAP_PERIODS.items())


def _manages(obj, user) -> bool:
    return user.has_perm("subsidies.manage_rules", obj)


approver_is_not_proposer = someone_other_than(
    lambda row: row.created_by_id,
    _("the version must be approved by a program manager other than the one who proposed it"))


@condition(_("only the manager who proposed the version can withdraw it; another manager can reject it"))
def withdrawer_is_proposer(row, user=None):
    acting = acting_user(row)
    return acting is not None and acting.pk == row.created_by_id


confirmer_is_not_requester = someone_other_than(
    lambda row: row.retirement_requested_by_id,
    _("the retirement must be confirmed by a program manager other than the one who proposed it"))


@condition(_("the proposed last day has passed: confirming now would change quotes of events already "
             "past; keep the version and propose the retirement again with a later last day"))
def last_day_not_past(row, user=None):
    return row.retirement_last_day is not None and row.retirement_last_day >= timezone.localdate()


class PolicyRuleVersionQuerySet(models.QuerySet):
    def of_code(self, code: str):
        return self.filter(code=code)

    def quoting(self):
        """The versions that quote events inside their windows: approved ones, those whose retirement
        is pending (it changes nothing yet) and retired ones (their window now ends on the last day)."""
        return self.filter(state__in=PolicyRuleVersion.QUOTING)

    def awaiting_decision_of(self, user):
        """Proposals and retirements of `user`'s programs that someone else started: their to-do."""
        return self.managed_by(user).filter(
            Q(state=PolicyRuleVersion.State.PROPOSED) & ~Q(created_by=user)
            | Q(state=PolicyRuleVersion.State.RETIRING) & ~Q(retirement_requested_by=user)
        )

    def managed_by(self, user):
        """The versions of the programs `user` manages (nothing for anyone else)."""
        if not (user.is_authenticated and user.has_role("program_manager")):
            return self.none()
        return self.filter(program__in=user.managed_programs.all())


class PolicyRuleVersion(WorkflowModel):
    """One version of one rule: code, document article, rule type with its parameters, payees,
    cap period and the window of event dates it applies to. Its parameters are never edited: a
    change is a new version, so an event keeps the version of its own date; the one later change
    is a confirmed retirement, which ends the window on the agreed last day. Its state moves only
    through `portal.workflow.transition`."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting a second manager")
        APPROVED = "approved", _("Approved")
        RETIRING = "retiring", _("Retirement proposed")
        RETIRED = "retired", _("Retired")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    QUOTING = (State.APPROVED, State.RETIRING, State.RETIRED)
    # States that hold their start date: a rejected or withdrawn version frees it.
    LIVE = (State.PROPOSED, *QUOTING)

    code = models.CharField(_("rule code"), max_length=16, db_index=True)
    document = models.CharField(_("document"), max_length=200)
    article = models.CharField(_("article"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    rule_type = models.CharField(_("rule type"), max_length=32, choices=RULE_TYPE_CHOICES)
    params = models.JSONField(_("parameters"), default=dict, encoder=DjangoJSONEncoder)
    payees = models.JSONField(_("payees"), default=list)
    cap_period = models.CharField(_("cap period"), max_length=8, choices=CAP_PERIOD_CHOICES, default="claim")
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    program = models.ForeignKey(
        "institutes.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="rule_versions",
        verbose_name=_("program"),
    )
    note = models.TextField(_("reason for the version"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)
    state = FSMField(_("status"), default=State.PROPOSED, choices=State.choices, protected=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("approved or rejected by"),
    )
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    retirement_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("retirement proposed by"),
    )
    retirement_reason = models.TextField(_("reason for the retirement"), blank=True)
    retirement_last_day = models.DateField(_("last day the version applies"), null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("retirement confirmed by"),
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    objects = PolicyRuleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["code", "effective_from", "pk"]
        constraints = [
            # Two versions of one code starting the same day would make the choice ambiguous.
            # (Rejected and withdrawn versions free their start date for a new proposal.)
            models.UniqueConstraint(
                fields=["code", "effective_from"],
                condition=Q(state__in=["proposed", "approved", "retiring", "retired"]),
                name="one_live_rule_version_per_code_and_start",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="rule_version_window_in_order",
            ),
        ]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")

    def __str__(self):
        return f"{self.code} {self.window_label}"

    @property
    def program_code(self) -> str:
        return self.code.split("-", 1)[0]

    @property
    def window_label(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "…"
        return f"{self.effective_from.isoformat()} – {end}"

    @property
    def display_title(self) -> str:
        """The title in the active language (catalog titles are English msgids; staff write Chinese)."""
        return gettext(self.title) if self.title else ""

    @property
    def rule_type_label(self) -> str:
        return str(RULE_TYPE_LABELS.get(self.rule_type, self.rule_type))

    @property
    def payees_label(self) -> str:
        return "、".join(str(PAYEES.get(payee, payee)) for payee in self.payees)

    def as_rule_version(self) -> RuleVersion:
        """The calculator's RuleVersion of this row; RuleDefinitionError when it does not validate."""
        return RuleVersion(
            code=self.code,
            document=self.document,
            article=self.article,
            title=self.display_title,
            rule_type=self.rule_type,
            params=self.params,
            payees=tuple(self.payees),
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            cap_period=self.cap_period,
        )

    def in_force_on(self, day) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    @property
    def quotes(self) -> bool:
        return self.state in self.QUOTING

    # ---- four-eyes (docs/policy-decisions.md, “Rule versions (four-eyes)”) ---------------------

    @transition(
        field=state, source=State.PROPOSED, target=State.APPROVED, conditions=[approver_is_not_proposer],
        permission=_manages, custom={"label": _("Approve version")},
    )
    def approve(self, user, comment=""):
        self.decided_by, self.decided_at, self.decision_reason = user, timezone.now(), comment

    @transition(
        field=state, source=State.PROPOSED, target=State.REJECTED, conditions=[approver_is_not_proposer],
        permission=_manages, custom={"label": _("Reject version")},
    )
    def reject(self, user, comment=""):
        self.decided_by, self.decided_at, self.decision_reason = user, timezone.now(), comment

    @transition(
        field=state, source=State.PROPOSED, target=State.WITHDRAWN, conditions=[withdrawer_is_proposer],
        permission=_manages, custom={"label": _("Withdraw proposal")},
    )
    def withdraw(self, user, comment=""):
        self.decision_reason = comment

    @transition(
        field=state, source=State.APPROVED, target=State.RETIRING,
        permission=_manages, custom={"label": _("Propose retirement")},
    )
    def propose_retirement(self, user, comment="", last_day=None):
        self.retirement_requested_by, self.retirement_reason = user, comment
        self.retirement_last_day = last_day
        return {"last_day": last_day.isoformat()}

    @transition(
        field=state, source=State.RETIRING, target=State.RETIRED,
        conditions=[confirmer_is_not_requester, last_day_not_past],
        permission=_manages, custom={"label": _("Confirm retirement")},
    )
    def confirm_retirement(self, user, comment=""):
        """The version ends on the proposed last day: its window's end, old → new, is audited."""
        old_end = self.effective_to
        self.effective_to = self.retirement_last_day
        self.retired_by, self.retired_at = user, timezone.now()
        return {"changes": [{"name": "effective_to", "old": old_end.isoformat() if old_end else None,
                             "new": self.effective_to.isoformat()}]}

    @transition(
        field=state, source=State.RETIRING, target=State.APPROVED,
        permission=_manages, custom={"label": _("Keep the version")},
    )
    def keep(self, user, comment=""):
        """The retirement is withdrawn by its requester or turned down by another manager."""
        self.retirement_requested_by, self.retirement_reason, self.retirement_last_day = None, "", None
