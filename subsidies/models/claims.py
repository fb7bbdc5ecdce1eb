"""Claims for event-based awards (POLICY.md §5, §7): a lead unit files the event with the facts
the rule reads and its evidence; the program manager approves, returns or rejects it, and an
approved claim becomes entitlements (`subsidies.services.entitlements.create_from_claim`).

    draft ─submit→ submitted ─approve→ approved
      │              ├─return_for_revision→ returned ─resubmit→ submitted
      │              └─reject→ rejected
      └─withdraw (draft, submitted, returned)→ withdrawn
"""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from institutes.models import PrivateUpload
from institutes.storage import private_storage
from portal.accounts.models import Organization
from portal.workflow import WorkflowModel

from .entitlements import PAYEE_ROLES

# The rule codes the yearly entitlement job computes (subsidies.services.entitlements); never claimed.
YEARLY_RULE_CODES = frozenset({"ZZ23-1", "XX22-1", "SJZ22-3", "SJZ22-4"})


def _files_it(claim, user) -> bool:
    return user.has_perm("subsidies.file_claim", claim)


def _reviews_it(claim, user) -> bool:
    return user.has_perm("subsidies.review_claim", claim)


class ClaimQuerySet(models.QuerySet):
    def for_user(self, user):
        """The claims a user may see at all; every claim view starts here (others' → 404).
        Applicants: their organisation's; program managers: their programs', never drafts."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        if user.has_role("applicant") and user.organization_id:
            visible |= Q(organization_id=user.organization_id)
        if user.has_role("program_manager"):
            visible |= Q(program__in=user.managed_programs.all()) & ~Q(state=Claim.State.DRAFT)
        return self.filter(visible)

    def with_list_data(self):
        return self.select_related("program", "organization", "institute")


class Claim(WorkflowModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    EDITABLE_STATES = (State.DRAFT, State.RETURNED)
    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED)

    reference = models.CharField(_("reference"), max_length=32, unique=True, null=True, blank=True)
    program = models.ForeignKey(
        "institutes.Program", on_delete=models.PROTECT, related_name="claims", verbose_name=_("program")
    )
    rule_code = models.CharField(_("rule"), max_length=16, db_index=True)
    rule_version = models.ForeignKey(
        "subsidies.PolicyRuleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="claims",
        verbose_name=_("rule version"),
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="subsidy_claims", verbose_name=_("claimant")
    )
    institute = models.ForeignKey(
        "institutes.Institute", null=True, blank=True, on_delete=models.PROTECT, related_name="claims",
        verbose_name=_("institute"),
    )
    event_date = models.DateField(_("event date"))
    subject = models.CharField(
        _("subject of the claim"), max_length=200, blank=True,
        help_text=_("What the award is for: the product category, patent, standard, project or issue number."),
    )
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    award_identifier = models.CharField(
        _("identifier of the award"), max_length=120, blank=True,
        help_text=_("For awards paid once per patent, standard, product category or awarded result: its "
                    "official number or name."),
    )
    cap_key = models.CharField(
        max_length=255, blank=True, editable=False, db_index=True,
        help_text="What the rule's cap sums over for this payee (subsidies.awards.award_keys: the total).",
    )
    award_key = models.CharField(
        max_length=255, blank=True, editable=False, db_index=True,
        help_text="The award a payee is paid only once (subsidies.awards.award_keys: the award).",
    )
    quote = models.JSONField(_("calculation"), default=dict, blank=True, editable=False)
    quoted_amount = models.DecimalField(
        _("amount (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True, editable=False
    )
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    decision_reason = models.TextField(_("reason of the last decision"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["program", "state"]), models.Index(fields=["organization", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quoted_amount__isnull=True) | Q(quoted_amount__gte=0), name="claim_amount_not_negative"
            ),
        ]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self):
        return self.reference or _("Claim #%(pk)s") % {"pk": self.pk}

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES

    def payouts(self) -> list[tuple[str, Decimal]]:
        """(payee role, amount) of the last quote."""
        return [(row["payee"], Decimal(row["amount"])) for row in self.quote.get("payouts", [])]

    def payee_organizations(self) -> dict[str, Organization]:
        """{payee role: organisation} (the claimant unless a payee row names another)."""
        named = {row.role: row.organization for row in self.payees.all()}
        roles = [row["payee"] for row in self.quote.get("payouts", [])] or list(named)
        return {role: named.get(role, self.organization) for role in roles}

    # ---- applicant -------------------------------------------------------------------------
    @transition(
        field=state, source=State.DRAFT, target=State.SUBMITTED,
        permission=_files_it, custom={"label": _("Submit")},
    )
    def submit(self, user, comment="", answer=None, version=None):
        self._record_quote(answer, version)
        self.submitted_at = timezone.now()
        return {"amount": str(self.quoted_amount)}

    @transition(
        field=state, source=State.RETURNED, target=State.SUBMITTED,
        permission=_files_it, custom={"label": _("Resubmit")},
    )
    def resubmit(self, user, comment="", answer=None, version=None):
        self._record_quote(answer, version)
        self.submitted_at = timezone.now()
        return {"amount": str(self.quoted_amount)}

    @transition(
        field=state, source=OPEN_STATES, target=State.WITHDRAWN,
        permission=_files_it, custom={"label": _("Withdraw")},
    )
    def withdraw(self, user, comment=""):
        pass

    # ---- program manager -------------------------------------------------------------------
    @transition(
        field=state, source=State.SUBMITTED, target=State.APPROVED,
        permission=_reviews_it, custom={"label": _("Approve")},
    )
    def approve(self, user, comment="", answer=None, version=None):
        self._record_quote(answer, version)
        self._decided(comment)
        return {"amount": str(self.quoted_amount)}

    @transition(
        field=state, source=State.SUBMITTED, target=State.RETURNED,
        permission=_reviews_it, custom={"label": _("Return for revision")},
    )
    def return_for_revision(self, user, comment=""):
        self._decided(comment)

    @transition(
        field=state, source=State.SUBMITTED, target=State.REJECTED,
        permission=_reviews_it, custom={"label": _("Reject")},
    )
    def reject(self, user, comment=""):
        self._decided(comment)

    def _record_quote(self, answer, version):
        if answer is not None:
            self.quote = answer
            self.quoted_amount = sum((amount for _role, amount in self.payouts()), Decimal("0.00"))
        if version is not None:
            self.rule_version = version

    def _decided(self, reason):
        self.decision_reason = reason
        self.decided_at = timezone.now()


class ClaimPayee(models.Model):
    """Who is paid for a payee role of the rule when it is not the claimant: XX22 listing and
    revenue milestones pay the spin-off enterprise and the institute, often two organisations."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="payees")
    role = models.CharField(_("payee role"), max_length=16, choices=PAYEE_ROLES)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("payee organisation")
    )

    class Meta:
        ordering = ["role"]
        constraints = [models.UniqueConstraint(fields=["claim", "role"], name="one_payee_per_claim_role")]
        verbose_name = _("claim payee")
        verbose_name_plural = _("claim payees")

    def __str__(self):
        return f"{self.get_role_display()}: {self.organization}"


def claim_evidence_path(instance, filename):
    return f"claims/{instance.claim_id}/{instance.sha256[:2]}/{instance.sha256}"


class ClaimAttachment(PrivateUpload):
    """Evidence of the event (award certificate, contract, listing notice…), checked by content."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attachments")
    description = models.CharField(_("description"), max_length=200, blank=True)
    file = models.FileField(storage=private_storage, upload_to=claim_evidence_path, max_length=255)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
