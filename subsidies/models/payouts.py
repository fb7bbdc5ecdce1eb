"""Payout batches and their lines, recoveries (追偿) and write-offs (核销), and export files.

A finance user builds a batch from approved entitlements (one line each); a different finance user
approves it (four-eyes, a transition condition); lines are then marked paid or failed with a
reason. A recovery is a negative line linked to the line it recovers; a write-off closes a recovery
that cannot be collected, citing the approving decision (POLICY.md §6 fault tolerance).
Exports (XLSX, CSV) are built by a Celery job into private storage and downloaded when ready.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from institutes.storage import private_storage
from portal.accounts.models import Organization, Region
from portal.workflow import WorkflowModel, condition, someone_other_than


def _finance(obj, user) -> bool:
    return user.has_perm("subsidies.manage_payouts", obj)


approver_is_not_builder = someone_other_than(
    lambda batch: batch.built_by_id, _("the batch must be approved by someone other than the person who built it"))


@condition(_("the batch has no lines"))
def batch_has_lines(batch):
    return batch.line_count > 0


@condition(_("some lines are neither paid nor failed"))
def all_lines_settled(batch):
    return not batch.lines.filter(state=PayoutLine.State.PENDING).exists()


def finance_authority_ids(user) -> tuple[int, ...]:
    """The paying authorities a finance user acts for: the city or province regions among the
    regions their account serves (`User.regions`; docs/policy-decisions.md, "Finance"). Cached on the user
    object for the request. Not finance, or no such region → none."""
    if not user.is_authenticated or not user.has_role("finance"):
        return ()
    cached = getattr(user, "_finance_authority_ids", None)
    if cached is None:
        cached = tuple(user.regions.filter(level__in=[Region.Level.CITY, Region.Level.PROVINCE])
                       .values_list("pk", flat=True))
        user._finance_authority_ids = cached
    return cached


@condition(_("some payees have no approved bank account: see the list above, and have their accounts entered "
             "and approved first"))
def payees_have_accounts(batch):
    return not batch_payees_without_account(batch).exists()


def batch_payees_without_account(batch):
    """The payee organisations of a batch's lines with no approved bank account."""
    return Organization.objects.filter(payout_lines__batch=batch).exclude(
        bank_accounts__state=PayeeAccount.State.APPROVED
    ).distinct().order_by("name")


class PayoutBatchQuerySet(models.QuerySet):
    def for_user(self, user):
        """Finance of the batch's paying authority only: another authority's batch is 404."""
        return self.filter(authority_id__in=finance_authority_ids(user))


class PayoutBatch(WorkflowModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("Built, awaiting approval")
        APPROVED = "approved", _("Approved")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("built by")
    )
    built_at = models.DateTimeField(_("built at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    total = models.DecimalField(_("total (yuan)"), max_digits=18, decimal_places=2, default=0)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    authority = models.ForeignKey(
        Region, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("paying authority"),
        help_text=_("The region of the programs whose money the batch pays; its finance bureau pays."),
    )

    objects = PayoutBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-built_at", "-pk"]
        permissions = [("manage_payouts", "Can manage payout batches")]
        verbose_name = _("payout batch")
        verbose_name_plural = _("payout batches")

    def __str__(self):
        return self.reference

    @property
    def authority_name(self) -> str:
        from subsidies.notices.authorities import paying_authority_name

        return paying_authority_name(self.authority)

    @transition(
        field=state, source=State.DRAFT, target=State.APPROVED,
        conditions=[batch_has_lines, approver_is_not_builder, payees_have_accounts],
        permission=_finance, custom={"label": _("Approve batch")},
    )
    def approve(self, user, comment=""):
        from django.utils import timezone

        self.approved_by = user
        self.approved_at = timezone.now()

    @transition(
        field=state, source=State.DRAFT, target=State.CANCELLED,
        permission=_finance, custom={"label": _("Cancel batch")},
    )
    def cancel(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.APPROVED, target=State.CLOSED, conditions=[all_lines_settled],
        permission=_finance, custom={"label": _("Close batch")},
    )
    def close(self, user, comment=""):
        pass


class PayoutLineQuerySet(models.QuerySet):
    def for_user(self, user):
        """Finance of the paying authority of the line's program."""
        return self.filter(program__region_id__in=finance_authority_ids(user))

    def with_list_data(self):
        return self.select_related("program", "payee", "district")


class PayoutLine(WorkflowModel):
    """One payment to one payee (positive), or a recovery (追偿, negative, `recovers` the original)."""

    class Kind(models.TextChoices):
        PAYOUT = "payout", _("Payout")
        RECOVERY = "recovery", _("Recovery")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(
        PayoutBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="lines", verbose_name=_("batch")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PAYOUT)
    entitlement = models.ForeignKey(
        "subsidies.Entitlement", null=True, blank=True, on_delete=models.PROTECT, related_name="payout_lines",
        verbose_name=_("entitlement"),
    )
    recovers = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="recovery_lines",
        verbose_name=_("recovers payout line"),
    )
    program = models.ForeignKey("institutes.Program", on_delete=models.PROTECT, related_name="+")
    payee = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="payout_lines")
    district = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    rule_code = models.CharField(_("rule"), max_length=16)
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2)
    state = FSMField(_("status"), default=State.PENDING, choices=State.choices, protected=True, db_index=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    voucher_number = models.CharField(_("voucher number"), max_length=40, blank=True,
                                      help_text=_("The accounting voucher (凭证号) of the payment or recovery."))
    failure_reason = models.TextField(_("reason for failure"), blank=True)

    objects = PayoutLineQuerySet.as_manager()

    class Meta:
        ordering = ["program__code", "district__path", "payee__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="payout", amount__gt=0) | Q(kind="recovery", amount__lt=0, recovers__isnull=False)),
                name="payout_positive_recovery_negative_and_linked",
            ),
            models.UniqueConstraint(
                fields=["batch", "entitlement"], condition=Q(entitlement__isnull=False),
                name="entitlement_once_per_batch",
            ),
        ]
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")

    def __str__(self):
        return f"{self.rule_code} {self.year} {self.amount}"

    @transition(
        field=state, source=State.PENDING, target=State.PAID,
        conditions=[
            condition(_("the batch is not approved"))(
                lambda line: line.batch_id is None or line.batch.state == PayoutBatch.State.APPROVED
            ),
            condition(_("the recovery has not been approved by a second finance officer"))(
                lambda line: line.kind != PayoutLine.Kind.RECOVERY or line.recovery.state == Recovery.State.DUE
            ),
        ],
        permission=_finance, custom={"label": _("Mark paid")},
    )
    def mark_paid(self, user, comment="", day=None, voucher_number=""):
        self.settled_on = day
        self.voucher_number = voucher_number
        return {"amount": str(self.amount), "paid_on": str(day), "voucher_number": voucher_number}

    @transition(
        field=state, source=State.PENDING, target=State.FAILED,
        conditions=[condition(_("the batch is not approved"))(
            lambda line: line.batch_id is None or line.batch.state == PayoutBatch.State.APPROVED
        )],
        permission=_finance, custom={"label": _("Mark failed")},
    )
    def mark_failed(self, user, comment="", day=None):
        self.settled_on = day
        self.failure_reason = comment
        return {"amount": str(self.amount)}


class RecoveryQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(original_line__program__region_id__in=finance_authority_ids(user))


approver_is_not_recorder = someone_other_than(
    lambda recovery: recovery.recorded_by_id,
    _("the recovery must be approved by a finance officer other than the one who recorded it"))
approver_is_not_write_off_proposer = someone_other_than(
    lambda recovery: getattr(getattr(recovery, "written_off_by", None), "recorded_by_id", None),
    _("the write-off must be approved by a finance officer other than the one who proposed it"))


class Recovery(WorkflowModel):
    """追偿: money to be recovered from a payee, e.g. funds obtained by fraud (ZZ23 第十四条).
    Four-eyes: recorded by one finance officer, it takes effect (becomes due) only once a different
    one approves it; a write-off (核销) is proposed by one and approved by another."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Recorded, awaiting approval")
        DUE = "due", _("Recovery due")
        RECOVERED = "recovered", _("Recovered")
        WRITE_OFF_PROPOSED = "write_off_proposed", _("Write-off awaiting approval")
        WRITTEN_OFF = "written_off", _("Written off")
        REJECTED = "rejected", _("Rejected")

    original_line = models.ForeignKey(
        PayoutLine, on_delete=models.PROTECT, related_name="recoveries", verbose_name=_("original payout line")
    )
    line = models.OneToOneField(
        PayoutLine, on_delete=models.PROTECT, related_name="recovery", verbose_name=_("recovery line")
    )
    institute = models.ForeignKey(
        "institutes.Institute", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("institute"),
    )
    revocation = models.ForeignKey(
        "institutes.Revocation", null=True, blank=True, on_delete=models.PROTECT, related_name="recoveries",
        verbose_name=_("revocation"),
    )
    amount = models.DecimalField(_("amount to recover (yuan)"), max_digits=16, decimal_places=2)
    reason = models.TextField(_("reason"))
    decision_document = models.CharField(_("decision document number"), max_length=120, blank=True)
    state = FSMField(_("status"), default=State.PROPOSED, choices=State.choices, protected=True, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = RecoveryQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive")]
        verbose_name = _("recovery")
        verbose_name_plural = _("recoveries")

    def __str__(self):
        return _("Recovery from %(payee)s") % {"payee": self.original_line.payee}

    @transition(field=state, source=State.PROPOSED, target=State.DUE, conditions=[approver_is_not_recorder],
                permission=_finance, custom={"label": _("Approve recovery")})
    def approve(self, user, comment=""):
        from django.utils import timezone

        self.approved_by = user
        self.approved_at = timezone.now()
        return {"amount": str(self.amount), "recorded_by": self.recorded_by_id}

    @transition(field=state, source=State.PROPOSED, target=State.REJECTED, conditions=[approver_is_not_recorder],
                permission=_finance, custom={"label": _("Reject recovery")})
    def reject(self, user, comment=""):
        return {"amount": str(self.amount)}

    @transition(field=state, source=State.DUE, target=State.RECOVERED, permission=_finance,
                custom={"label": _("Mark recovered"), "hidden": True})
    def mark_recovered(self, user, comment=""):
        return {"amount": str(self.amount)}

    @transition(field=state, source=State.DUE, target=State.WRITE_OFF_PROPOSED, permission=_finance,
                custom={"label": _("Propose write-off")})
    def propose_write_off(self, user, comment=""):
        return {"amount": str(self.amount)}

    @transition(field=state, source=State.WRITE_OFF_PROPOSED, target=State.WRITTEN_OFF,
                conditions=[approver_is_not_write_off_proposer], permission=_finance,
                custom={"label": _("Approve write-off")})
    def write_off(self, user, comment=""):
        from django.utils import timezone

        proposal = self.written_off_by
        proposal.approved_by = user
        proposal.approved_at = timezone.now()
        proposal.save(update_fields=["approved_by", "approved_at"])
        return {"amount": str(proposal.amount), "decision_document": proposal.decision_document,
                "proposed_by": proposal.recorded_by_id}


def decision_path(instance, filename):
    return f"writeoffs/{instance.sha256[:2]}/{instance.sha256}"


class WriteOff(models.Model):
    """核销: an uncollectable recovery closed by an approving decision (ZZ23 (十三), XX22 (六))."""

    recovery = models.OneToOneField(Recovery, on_delete=models.PROTECT, related_name="written_off_by")
    amount = models.DecimalField(_("amount written off (yuan)"), max_digits=16, decimal_places=2)
    reason = models.TextField(_("reason"))
    decision_document = models.CharField(_("approving decision document number"), max_length=120)
    decided_on = models.DateField(_("decided on"))
    decision_file = models.FileField(storage=private_storage, upload_to=decision_path, blank=True, max_length=255)
    sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive")]
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")

    def __str__(self):
        return self.decision_document


def export_path(instance, filename):
    return f"payout-exports/{instance.batch_id}/{filename}"


class ExportFile(WorkflowModel):
    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    class State(models.TextChoices):
        QUEUED = "queued", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="exports")
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    state = FSMField(_("status"), default=State.QUEUED, choices=State.choices, protected=True)
    file = models.FileField(storage=private_storage, upload_to=export_path, blank=True, max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("export file")
        verbose_name_plural = _("export files")

    def __str__(self):
        return f"{self.batch} {self.format}"

    @property
    def filename(self) -> str:
        return f"{self.batch.reference}.{self.format}"

    @transition(field=state, source=State.QUEUED, target=State.READY, custom={"label": _("Ready"), "system": True})
    def finish(self, user, comment=""):
        from django.utils import timezone

        self.finished_at = timezone.now()

    @transition(field=state, source=State.QUEUED, target=State.FAILED, custom={"label": _("Failed"), "system": True})
    def fail(self, user, comment=""):
        from django.utils import timezone

        self.error = comment
        self.finished_at = timezone.now()


class PayeeAccountQuerySet(models.QuerySet):
    def for_user(self, user):
        """Finance of an authority whose programs pay in the organisation's region (the province
        finance sees the province), and the organisation's own users. Nobody else."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        authorities = finance_authority_ids(user)
        if authorities:
            paths = Region.objects.filter(pk__in=authorities).values_list("path", flat=True)
            for path in paths:
                visible |= Q(organization__region__path__startswith=path)
        if user.organization_id:
            visible |= Q(organization_id=user.organization_id)
        return self.filter(visible)


account_approver_is_not_proposer = someone_other_than(
    lambda account: account.proposed_by_id,
    _("bank details must be approved by a finance officer other than the person who proposed them"))


class PayeeAccount(WorkflowModel):
    """A payee organisation's bank account (户名, 开户行, 账号). Proposed by the organisation's user or
    a finance officer, in force only once a different finance officer approves it; the approved one
    before it is then superseded. Only finance and the organisation itself see it."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting approval")
        APPROVED = "approved", _("In force")
        SUPERSEDED = "superseded", _("Superseded")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="bank_accounts",
                                     verbose_name=_("organisation"))
    holder = models.CharField(_("account name"), max_length=200)
    bank = models.CharField(_("bank and branch"), max_length=200)
    number = models.CharField(_("account number"), max_length=40)
    reason = models.TextField(_("reason for the change"), blank=True)
    state = FSMField(_("status"), default=State.PROPOSED, choices=State.choices, protected=True, db_index=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("proposed by"))
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = PayeeAccountQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=Q(state="approved"),
                                    name="one_account_in_force_per_payee"),
            models.UniqueConstraint(fields=["organization"], condition=Q(state="proposed"),
                                    name="one_account_proposal_per_payee"),
            models.CheckConstraint(condition=Q(number__regex=r"^[0-9]+$"), name="account_number_digits_only"),
        ]
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self):
        return f"{self.holder} {self.bank} {self.number}"

    @transition(field=state, source=State.PROPOSED, target=State.APPROVED,
                conditions=[account_approver_is_not_proposer], permission=_finance,
                custom={"label": _("Approve bank details")})
    def approve(self, user, comment=""):
        from django.utils import timezone

        self.approved_by = user
        self.approved_at = timezone.now()

    @transition(field=state, source=State.PROPOSED, target=State.REJECTED,
                conditions=[account_approver_is_not_proposer], permission=_finance,
                custom={"label": _("Reject bank details")})
    def reject(self, user, comment=""):
        pass

    @transition(field=state, source=State.APPROVED, target=State.SUPERSEDED, permission=_finance,
                custom={"label": _("Superseded"), "hidden": True})
    def supersede(self, user, comment=""):
        pass
