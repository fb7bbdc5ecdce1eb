"""Entitlements: what one payee is owed under one rule for one event or year (POLICY.md §5–§6).

They come from two sources: an approved claim (`services.entitlements.create_from_claim`) and the
yearly job (`services.entitlements.run_yearly`: ZZ23-1 grade subsidies, XX22-1 creation subsidies,
SJZ22-3/4/5 recognition and cycle awards). `key` makes both idempotent: the same event for the same
payee and role always has the same key, so running the job again finds the row instead of adding
one. A recomputation that changes the amount appends a revision to `history` (old, new, reason,
when) and a line to `trace`.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from portal.accounts.models import Organization
from portal.workflow import WorkflowModel

PAYEE_ROLES = [
    ("institute", _("Institute")),
    ("enterprise", _("Enterprise")),
    ("unit", _("Unit")),
    ("patentee", _("Patentee")),
    ("agency", _("Agency")),
]


def _finance(entitlement, user) -> bool:
    return user.has_perm("subsidies.review_entitlement", entitlement)


class EntitlementQuerySet(models.QuerySet):
    def for_user(self, user):
        """Finance and program managers see the entitlements of their remit; an applicant only its
        own organisation's. Every entitlement view starts here (others' rows → 404)."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        if user.has_role("finance"):  # the programs their paying authority pays (docs/policy-decisions.md, "Finance")
            from .payouts import finance_authority_ids

            visible |= Q(program__region_id__in=finance_authority_ids(user))
        if user.has_role("program_manager"):
            visible |= Q(program__in=user.managed_programs.all())
        if user.has_role("applicant") and user.organization_id:
            visible |= Q(payee_id=user.organization_id)
        return self.filter(visible)

    def with_list_data(self):
        return self.select_related("program", "payee__region", "institute")

    def live(self):
        return self.exclude(state=Entitlement.State.CANCELLED)


class Entitlement(WorkflowModel):
    class Source(models.TextChoices):
        CLAIM = "claim", _("Claim")
        YEARLY = "yearly", _("Yearly run")

    class State(models.TextChoices):
        COMPUTED = "computed", _("Computed")
        HELD = "held", _("On hold")
        APPROVED = "approved", _("Approved for payment")
        BATCHED = "batched", _("In a payout batch")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Payment failed")
        CANCELLED = "cancelled", _("Cancelled")

    # States in which a recomputation may still change the amount.
    OPEN_STATES = (State.COMPUTED, State.HELD, State.APPROVED)

    program = models.ForeignKey(
        "institutes.Program", on_delete=models.PROTECT, related_name="entitlements", verbose_name=_("program")
    )
    rule_code = models.CharField(_("rule"), max_length=16, db_index=True)
    rule_version = models.ForeignKey(
        "subsidies.PolicyRuleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements",
        verbose_name=_("rule version"),
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    claim = models.ForeignKey(
        "subsidies.Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements",
        verbose_name=_("claim"),
    )
    institute = models.ForeignKey(
        "institutes.Institute", null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements",
        verbose_name=_("institute"),
    )
    payee = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="entitlements", verbose_name=_("payee")
    )
    payee_role = models.CharField(_("payee role"), max_length=16, choices=PAYEE_ROLES)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    event_date = models.DateField(_("event date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    trace = models.JSONField(_("calculation"), default=list, blank=True)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    history = models.JSONField(
        _("revisions"), default=list, blank=True,
        help_text=_("Each recomputation that changed the amount: old, new, reason, when."),
    )
    key = models.CharField(_("key"), max_length=120, unique=True)
    state = FSMField(_("status"), default=State.COMPUTED, choices=State.choices, protected=True, db_index=True)
    hold_reason = models.TextField(_("reason for hold"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EntitlementQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "program", "payee__name", "pk"]
        indexes = [
            models.Index(fields=["program", "year", "state"]),
            models.Index(fields=["payee", "rule_code", "year"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="entitlement_amount_not_negative"),
        ]
        permissions = [("review_entitlement", "Can review entitlements")]
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")

    def __str__(self):
        return f"{self.rule_code} {self.year} {self.key}"  # no relation: audit events name many at once

    @transition(
        field=state, source=[State.COMPUTED, State.HELD], target=State.APPROVED,
        permission=_finance, custom={"label": _("Approve")},
    )
    def approve(self, user, comment=""):
        self.approved_by = user
        self.hold_reason = ""

    @transition(
        field=state, source=[State.COMPUTED, State.APPROVED], target=State.HELD,
        permission=_finance, custom={"label": _("Hold")},
    )
    def hold(self, user, comment=""):
        self.hold_reason = comment

    @transition(
        field=state, source=State.HELD, target=State.COMPUTED,
        permission=_finance, custom={"label": _("Release hold")},
    )
    def release(self, user, comment=""):
        self.hold_reason = ""

    @transition(
        field=state, source=State.APPROVED, target=State.BATCHED,
        permission=_finance, custom={"label": _("Add to payout batch"), "hidden": True},
    )
    def add_to_batch(self, user, comment="", batch=None):
        return {"batch": batch.pk if batch else None}

    @transition(
        field=state, source=State.BATCHED, target=State.APPROVED,
        permission=_finance, custom={"label": _("Remove from payout batch"), "hidden": True},
    )
    def remove_from_batch(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.BATCHED, target=State.PAID,
        permission=_finance, custom={"label": _("Mark paid"), "hidden": True},
    )
    def mark_paid(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.BATCHED, target=State.FAILED,
        permission=_finance, custom={"label": _("Mark failed"), "hidden": True},
    )
    def mark_failed(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.FAILED, target=State.APPROVED,
        permission=_finance, custom={"label": _("Pay again")},
    )
    def retry(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.APPROVED, target=State.COMPUTED,
        permission=_finance, custom={"label": _("Recomputed: review again"), "system": True},
    )
    def recompute(self, user, comment=""):
        self.approved_by = None

    @transition(
        field=state, source=OPEN_STATES, target=State.CANCELLED,
        permission=_finance, custom={"label": _("Cancel"), "system": True},
    )
    def cancel(self, user, comment="", reasons=None):
        """`reasons` ({pk: why}) lets one bulk cancellation give each row its own reason."""
        if reasons and self.pk in reasons:
            return {"reason": reasons[self.pk]}


class EntitlementRun(WorkflowModel):
    """One run of the yearly job for a program and year, and what it did."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    program = models.ForeignKey(
        "institutes.Program", on_delete=models.PROTECT, related_name="entitlement_runs", verbose_name=_("program")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    state = FSMField(_("status"), default=State.QUEUED, choices=State.choices, protected=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    skipped = models.JSONField(_("skipped"), default=list, blank=True)
    conflicts = models.JSONField(_("changes not applied"), default=list, blank=True)
    rule_source = models.CharField(_("rule versions used"), max_length=16, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("entitlement run")
        verbose_name_plural = _("entitlement runs")

    def __str__(self):
        return f"{self.program.code} {self.year}"

    @transition(field=state, source=[State.QUEUED, State.DONE, State.FAILED], target=State.RUNNING,
                custom={"label": _("Start"), "system": True})
    def start(self, user, comment=""):
        pass

    @transition(field=state, source=State.RUNNING, target=State.DONE, custom={"label": _("Finish"), "system": True})
    def finish(self, user, comment="", result=None):
        from django.utils import timezone

        for name, value in (result or {}).items():
            setattr(self, name, value)
        self.finished_at = timezone.now()
        return {"created": self.created, "updated": self.updated, "skipped": len(self.skipped)}

    @transition(field=state, source=[State.QUEUED, State.RUNNING], target=State.FAILED,
                custom={"label": _("Run failed"), "system": True})
    def fail(self, user, comment=""):
        from django.utils import timezone

        self.error = comment
        self.finished_at = timezone.now()
