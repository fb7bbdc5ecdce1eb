import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import GET_STATE, FSMField, transition

from portal.accounts.models import Department, Organization, Region
from portal.accounts.validators import validate_uscc
from portal.workflow import WorkflowModel, condition

from .storage import private_storage
from .uploads import inspect_upload
from .vocabulary import LeadUnitCategory, Qualification

MONEY = {"max_digits": 16, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class IndustryField(models.Model):
    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry field")
        verbose_name_plural = _("industry fields")

    def __str__(self):
        return self.name


class Program(models.Model):
    """One policy document's scheme. Everything that varies between programs is data here."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=64)
    authority = models.CharField(_("issuing authority"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    accepts_applications = models.BooleanField(_("accepts applications"), default=True)
    recognises = models.CharField(_("what is recognised"), max_length=200, blank=True)
    lead_unit_categories = models.JSONField(_("lead-unit categories offered"), default=list, blank=True)
    qualifications = models.JSONField(_("qualifications asked"), default=list, blank=True)
    eligibility_rules = models.JSONField(_("eligibility rules"), default=list, blank=True)
    required_plan_fields = models.JSONField(_("plan fields required"), default=list, blank=True)
    recommending_departments = models.JSONField(
        _("district departments that must recommend"), default=list, blank=True
    )
    has_initial_review_parts = models.BooleanField(_("initial review in three parts"), default=False)
    has_expert_panel = models.BooleanField(_("expert panel review"), default=True)
    has_site_inspection = models.BooleanField(_("site inspection"), default=True)
    has_publicity = models.BooleanField(_("public notice"), default=True)
    publicity_working_days = models.PositiveSmallIntegerField(_("public notice working days"), default=5)
    site_inspection_threshold = models.DecimalField(
        _("average score needed for site inspection"), max_digits=5, decimal_places=2, default=Decimal("80")
    )
    cultivation_months = models.PositiveSmallIntegerField(
        _("cultivation period (months)"), null=True, blank=True,
        help_text=_("Set when approval first makes a cultivation unit (HN23)."),
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_programs", verbose_name=_("program managers")
    )
    annual_report_deadline_month = models.PositiveSmallIntegerField(
        _("annual report deadline (month)"), default=3, validators=[MinValueValidator(1)],
        help_text=_("Institutes file the previous year's report by this day each year (default 31 March)."),
    )
    annual_report_deadline_day = models.PositiveSmallIntegerField(
        _("annual report deadline (day)"), default=31, validators=[MinValueValidator(1)],
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")

    def __str__(self):
        return f"{self.code} {self.name}"

    def is_open_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    @property
    def is_open_today(self) -> bool:
        return self.is_open_on(timezone.localdate())

    def category_choices(self):
        return [(code, LeadUnitCategory(code).label) for code in self.lead_unit_categories]

    def qualification_choices(self):
        return [(code, Qualification(code).label) for code in self.qualifications]

    def needs_department(self, department: str) -> bool:
        return department in self.recommending_departments

    def department_labels(self):
        return [Department(code).label for code in self.recommending_departments]

    def annual_report_deadline(self, filing_year: int) -> datetime.date:
        """The day by which the report on `filing_year - 1` is due (ZZ23 第十一条: 每年初)."""
        import calendar

        month = min(max(self.annual_report_deadline_month, 1), 12)
        day = min(max(self.annual_report_deadline_day, 1), calendar.monthrange(filing_year, month)[1])
        return datetime.date(filing_year, month, day)


class ApplicationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The applications a user may see at all; every application view starts here."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        if user.has_role("applicant") and user.organization_id:
            visible |= self._lead_unit_q(user)
        if user.has_role("district") and user.department:
            visible |= self._district_q(user)
        if user.has_role("program_manager"):
            visible |= self._manager_q(user)
        return self.filter(visible)

    def of_lead_unit(self, user):
        return self.filter(self._lead_unit_q(user)) if user.organization_id else self.none()

    def in_district_queue(self, user):
        if not (user.has_role("district") and user.department):
            return self.none()
        return self.filter(self._district_q(user))

    def in_manager_queue(self, user):
        if not user.has_role("program_manager"):
            return self.none()
        return self.filter(self._manager_q(user))

    @staticmethod
    def _lead_unit_q(user):
        return Q(organization_id=user.organization_id)

    @staticmethod
    def _district_q(user):
        programs = [p.pk for p in Program.objects.only("pk", "recommending_departments")
                    if p.needs_department(user.department)]
        return user.region_scope("organization__region") & Q(program_id__in=programs) & ~Q(
            state=Application.State.DRAFT
        )

    @staticmethod
    def _manager_q(user):
        return Q(program__in=user.managed_programs.all()) & ~Q(state=Application.State.DRAFT)

    def with_list_data(self):
        return self.select_related("program", "organization__region", "industry_field")


@condition(_("the program is not accepting applications today"))
def program_accepts_applications(app):
    return app.program.accepts_applications and app.program.is_open_on(timezone.localdate())


@condition(_("the eligibility check has not passed (see the report)"))
def eligibility_passes(app):
    from .eligibility import evaluate

    return evaluate(app).passed


@condition(_("the program has no expert panel stage"))
def program_has_panel(app):
    return app.program.has_expert_panel


@condition(_("the program has an expert panel stage"))
def program_has_no_panel(app):
    return not app.program.has_expert_panel


@condition(_("the program has no site inspection stage"))
def program_has_site_inspection(app):
    return app.program.has_site_inspection


@condition(_("the program has a site inspection stage"))
def program_has_no_site_inspection(app):
    return not app.program.has_site_inspection


@condition(_("the program has no public notice stage"))
def program_has_publicity(app):
    return app.program.has_publicity


@condition(_("the program requires a public notice first"))
def program_has_no_publicity(app):
    return not app.program.has_publicity


@condition(_("the revision deadline has not passed yet"))
def revision_deadline_passed(app):
    return app.revision_deadline is not None and app.revision_deadline < timezone.localdate()


def _perm(name):
    return lambda app, user: user.has_perm(f"institutes.{name}", app)


class Application(WorkflowModel):
    """A lead unit's application to a program, from draft to decision (POLICY.md §3)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting district review")
        RETURNED = "returned", _("Returned for revision")
        RECOMMENDED = "recommended", _("Recommended by district")
        INITIAL_REVIEW = "initial_review", _("Initial review")
        REVISION_REQUESTED = "revision_requested", _("Revision requested")
        EXPERT_REVIEW = "expert_review", _("Expert review")
        SITE_INSPECTION = "site_inspection", _("Site inspection")
        AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
        PUBLICITY = "publicity", _("Public notice")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")
        CANCELLED = "cancelled", _("Cancelled")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    EDITABLE_STATES = (State.DRAFT, State.RETURNED, State.REVISION_REQUESTED)
    CLOSED_STATES = (State.APPROVED, State.REJECTED, State.CANCELLED, State.WITHDRAWN)
    IN_REVIEW_STATES = (
        State.INITIAL_REVIEW, State.EXPERT_REVIEW, State.SITE_INSPECTION, State.AWAITING_DECISION, State.PUBLICITY,
    )

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="applications", verbose_name=_("program"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="applications", verbose_name=_("lead unit")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("reference"), max_length=32, unique=True, null=True, blank=True)
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    title = models.CharField(_("proposed institute name"), max_length=200, blank=True)
    industry_field = models.ForeignKey(
        IndustryField, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("industry field")
    )
    categories = models.JSONField(_("lead-unit categories"), default=list, blank=True)
    is_high_tech = models.BooleanField(Qualification.HIGH_TECH.label, default=False)
    has_provincial_platform = models.BooleanField(Qualification.PROVINCIAL_PLATFORM.label, default=False)
    completed_key_project = models.BooleanField(Qualification.KEY_PROJECT.label, default=False)
    led_award_project = models.BooleanField(Qualification.AWARD_PROJECT.label, default=False)
    has_rd_facilities = models.BooleanField(Qualification.RD_FACILITIES.label, default=False)
    declares_not_dishonest = models.BooleanField(Qualification.NOT_DISHONEST.label, default=False)
    no_violations_3y = models.BooleanField(Qualification.NO_VIOLATIONS.label, default=False)
    carrier_joint_stock = models.BooleanField(Qualification.JOINT_STOCK_CARRIER.label, default=False)
    company_plus_alliance = models.BooleanField(Qualification.COMPANY_PLUS_ALLIANCE.label, default=False)
    has_expert_committee = models.BooleanField(Qualification.EXPERT_COMMITTEE.label, default=False)
    direction = models.TextField(_("research direction"), blank=True)
    targets = models.TextField(_("construction targets"), blank=True)
    roadmap = models.TextField(_("technology roadmap"), blank=True)
    budget = models.DecimalField(_("construction budget (yuan)"), null=True, blank=True, **MONEY)
    rd_staff_count = models.PositiveIntegerField(_("R&D staff"), null=True, blank=True)
    registered_capital = models.DecimalField(_("carrier registered capital (yuan)"), null=True, blank=True, **MONEY)
    experts_to_avoid = models.TextField(
        _("experts to avoid"), blank=True,
        help_text=_("Names of experts who should not review this application, one per line, with the reason."),
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    eligibility_report = models.JSONField(default=dict, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submission_round = models.PositiveSmallIntegerField(default=0, editable=False)
    revision_deadline = models.DateField(_("revision deadline"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["program", "state"]), models.Index(fields=["organization", "state"])]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self):
        return self.reference or self.title or _("Application #%(pk)s") % {"pk": self.pk}

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES

    # ---- applicant ------------------------------------------------------------------------
    @transition(
        field=state, source=EDITABLE_STATES, target=State.SUBMITTED,
        conditions=[program_accepts_applications, eligibility_passes],
        permission=_perm("submit_application"), custom={"label": _("Submit")},
    )
    def submit(self, user, comment="", report=None):
        self.submitted_at = timezone.now()
        self.revision_deadline = None
        self.eligibility_report = report or {}
        self.submission_round += 1

    @transition(
        field=state, source=[State.DRAFT, State.SUBMITTED, State.RETURNED, State.REVISION_REQUESTED],
        target=State.WITHDRAWN, permission=_perm("submit_application"), custom={"label": _("Withdraw")},
    )
    def withdraw(self, user, comment=""):
        pass

    # ---- district bureau -------------------------------------------------------------------
    def has_all_recommendations(self) -> bool:
        signed = set(
            self.district_reviews.filter(
                round=self.submission_round, decision=DistrictReview.Decision.RECOMMEND
            ).values_list("department", flat=True)
        )
        return set(self.program.recommending_departments) <= signed

    @transition(
        field=state, source=State.SUBMITTED,
        target=GET_STATE(
            lambda app, **kwargs: app.State.RECOMMENDED if app.has_all_recommendations() else app.State.SUBMITTED,
            states=[State.RECOMMENDED, State.SUBMITTED],
        ),
        permission=_perm("district_review_application"), custom={"label": _("Recommend")},
    )
    def recommend(self, user, comment="", checklist=None):
        self._record_district_review(user, DistrictReview.Decision.RECOMMEND, comment, checklist)

    @transition(
        field=state, source=State.SUBMITTED, target=State.RETURNED,
        permission=_perm("district_review_application"), custom={"label": _("Return for revision")},
    )
    def return_for_revision(self, user, comment="", checklist=None):
        self._record_district_review(user, DistrictReview.Decision.RETURN, comment, checklist)

    @transition(
        field=state, source=State.SUBMITTED, target=State.REJECTED,
        permission=_perm("district_review_application"), custom={"label": _("Not recommended by district")},
    )
    def reject_at_district(self, user, comment="", checklist=None):
        self._record_district_review(user, DistrictReview.Decision.REJECT, comment, checklist)

    def _record_district_review(self, user, decision, comment, checklist):
        DistrictReview.objects.create(
            application=self, round=self.submission_round, reviewer=user, department=user.department,
            decision=decision,
            checklist=checklist or {}, comment=comment,
        )

    # ---- program manager (screens in the review issue) --------------------------------------
    @transition(
        field=state, source=State.RECOMMENDED, target=State.INITIAL_REVIEW,
        permission=_perm("manage_application"), custom={"label": _("Start initial review")},
    )
    def start_initial_review(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.INITIAL_REVIEW, target=State.REVISION_REQUESTED,
        permission=_perm("manage_application"), custom={"label": _("Request revision")},
    )
    def request_revision(self, user, comment="", deadline=None):
        self.revision_deadline = deadline

    @transition(
        field=state, source=State.REVISION_REQUESTED, target=State.CANCELLED,
        conditions=[revision_deadline_passed],
        permission=_perm("manage_application"), custom={"label": _("Cancel: revision overdue"), "system": True},
    )
    def cancel_overdue(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.INITIAL_REVIEW, target=State.EXPERT_REVIEW, conditions=[program_has_panel],
        permission=_perm("manage_application"), custom={"label": _("Pass initial review")},
    )
    def pass_initial_review(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.INITIAL_REVIEW, target=State.AWAITING_DECISION,
        conditions=[program_has_no_panel],
        permission=_perm("manage_application"), custom={"label": _("Pass initial review")},
    )
    def pass_to_decision(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.EXPERT_REVIEW, target=State.SITE_INSPECTION,
        conditions=[program_has_site_inspection],
        permission=_perm("manage_application"), custom={"label": _("List for site inspection")},
    )
    def list_for_site_inspection(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.EXPERT_REVIEW, target=State.AWAITING_DECISION,
        conditions=[program_has_no_site_inspection],
        permission=_perm("manage_application"), custom={"label": _("Conclude expert review")},
    )
    def conclude_expert_review(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.SITE_INSPECTION, target=State.AWAITING_DECISION,
        permission=_perm("manage_application"), custom={"label": _("Conclude site inspection")},
    )
    def conclude_site_inspection(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.AWAITING_DECISION, target=State.PUBLICITY, conditions=[program_has_publicity],
        permission=_perm("manage_application"), custom={"label": _("Open public notice")},
    )
    def open_publicity(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.PUBLICITY, target=State.APPROVED,
        permission=_perm("manage_application"), custom={"label": _("Approve")},
    )
    def approve(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.AWAITING_DECISION, target=State.APPROVED, conditions=[program_has_no_publicity],
        permission=_perm("manage_application"), custom={"label": _("Approve")},
    )
    def approve_without_publicity(self, user, comment=""):
        pass

    @transition(
        field=state, source=[State.RECOMMENDED, *IN_REVIEW_STATES], target=State.REJECTED,
        permission=_perm("manage_application"), custom={"label": _("Reject")},
    )
    def reject(self, user, comment=""):
        pass


class ApplicationYear(models.Model):
    """One of the three years of finances the eligibility rules read."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    operating_revenue = models.DecimalField(_("operating revenue (yuan)"), **MONEY)
    rd_spending = models.DecimalField(_("R&D spending (yuan)"), **MONEY)
    fiscal_support = models.DecimalField(_("fiscal support received (yuan)"), default=Decimal("0"), **MONEY)

    class Meta:
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["application", "year"], name="one_row_per_application_year"),
            models.CheckConstraint(
                condition=Q(operating_revenue__gte=0) & Q(rd_spending__gte=0) & Q(fiscal_support__gte=0),
                name="application_year_money_not_negative",
            ),
        ]
        verbose_name = _("financial year")
        verbose_name_plural = _("financial years")

    def __str__(self):
        return str(self.year)


class IntellectualProperty(models.Model):
    class Kind(models.TextChoices):
        INVENTION_PATENT = "invention_patent", _("Invention patent")
        SOFTWARE_COPYRIGHT = "software_copyright", _("Software copyright")
        UTILITY_MODEL = "utility_model", _("Utility model patent")
        OTHER = "other", _("Other intellectual property")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="ip_assets")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("registration number"), max_length=64)
    in_field = models.BooleanField(_("in the institute's field"), default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("intellectual property")
        verbose_name_plural = _("intellectual property")

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class ParticipatingUnit(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, validators=[validate_uscc])
    role = models.CharField(_("role in the institute"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["application", "uscc"], name="participant_once_per_application")]
        verbose_name = _("participating unit")
        verbose_name_plural = _("participating units")

    def __str__(self):
        return self.name


class PrivateUpload(models.Model):
    """A file checked by content (`uploads.inspect_upload`) and stored in private storage under its
    SHA-256; the concrete model adds its owner and `file = FileField(upload_to=<path by sha256>)`."""

    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name

    @classmethod
    def store(cls, uploaded_file, user, **fields):
        """Check `uploaded_file` by content, then save it with its name, type, size and hash."""
        inspected = inspect_upload(uploaded_file)
        upload = cls(
            original_name=uploaded_file.name[:255], content_type=inspected.content_type, size=uploaded_file.size,
            sha256=inspected.sha256, uploaded_by=user, **fields,
        )
        upload.file.save(uploaded_file.name, uploaded_file, save=False)
        upload.save()
        return upload

    def delete_with_file_on_commit(self) -> None:
        """Delete the row now and its stored file once the transaction commits."""
        stored, storage = self.file.name, self.file.storage
        self.delete()
        transaction.on_commit(lambda: storage.delete(stored))


def attachment_path(instance, filename):
    return f"applications/{instance.application_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(PrivateUpload):
    class Kind(models.TextChoices):
        BUSINESS_LICENSE = "business_license", _("Business licence")
        HIGH_TECH_CERTIFICATE = "high_tech_certificate", _("High-tech enterprise certificate")
        AUDIT_REPORT = "audit_report", _("Audited financial statements")
        PLATFORM_CERTIFICATE = "platform_certificate", _("Innovation platform certificate")
        IP_CERTIFICATES = "ip_certificates", _("Intellectual property certificates")
        CONSTRUCTION_PLAN = "construction_plan", _("Construction plan")
        COOPERATION_AGREEMENT = "cooperation_agreement", _("Cooperation agreement")
        OTHER = "other", _("Other")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=255)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class DistrictReview(models.Model):
    """A district bureau's first-pass decision; HN23 needs one from industry and one from finance."""

    class Decision(models.TextChoices):
        RECOMMEND = "recommend", _("Recommend")
        RETURN = "return", _("Return for revision")
        REJECT = "reject", _("Not recommended")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="district_reviews")
    round = models.PositiveSmallIntegerField(_("submission round"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.CharField(_("department"), max_length=16, choices=Department.choices)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    checklist = models.JSONField(_("checklist"), default=dict)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "round", "department"], name="one_district_decision_per_department_and_round"
            )
        ]
        verbose_name = _("district review")
        verbose_name_plural = _("district reviews")


class InstituteQuerySet(models.QuerySet):
    def for_user(self, user):
        """The institutes a user may see in the registry: the applicant's own organisation's; the
        district bureau's regions; the program manager's programs; the city finance bureau all."""
        if not user.is_authenticated:
            return self.none()
        if user.has_role("finance"):
            return self.all()
        visible = Q(pk__in=[])
        if user.has_role("applicant") and user.organization_id:
            visible |= Q(lead_unit_id=user.organization_id)
        if user.has_role("district"):
            visible |= user.region_scope("lead_unit__region")
        if user.has_role("program_manager"):
            visible |= Q(program__in=user.managed_programs.all())
        return self.filter(visible)

    def with_list_data(self):
        return self.select_related("program", "lead_unit__region", "industry_field")


class Institute(WorkflowModel):
    """A recognised institute, or an HN23 cultivation unit (培育单位) on its way to recognition.

    Approval of an application creates it (`institutes.lifecycle.recognise_application`): active at
    once for ZZ23 and SJZ22; for HN23 a cultivation unit whose period ends `cultivation_months` after
    the publication. A cultivation unit is recognised after a passed acceptance and its own public
    notice; a failed acceptance opens 6 months of rectification; failing again, or filing no
    recognition application before the deadline, cancels the cultivation status (HN23 实施方案 三(三),
    规程 第七条). The application rules read it too (3-year ban after revocation, one per field)."""

    class State(models.TextChoices):
        CULTIVATING = "cultivating", _("Cultivating")
        ACTIVE = "active", _("Active")
        RECTIFYING = "rectifying", _("Rectifying")
        REVOKED = "revoked", _("Revoked")
        CANCELLED = "cancelled", _("Cancelled")

    OPERATING_STATES = (State.CULTIVATING, State.ACTIVE, State.RECTIFYING)
    CULTIVATION_STATES = (State.CULTIVATING, State.RECTIFYING)
    RECTIFICATION_MONTHS = 6

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="institutes", verbose_name=_("program"))
    lead_unit = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="institutes", verbose_name=_("lead unit")
    )
    application = models.OneToOneField(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="institute"
    )
    legal_entity = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_person_institutes",
        verbose_name=_("legal entity of the institute"),
        help_text=_("Where the institute is a legal person (法人形式) with its own unified social credit code: "
                    "ZZ23 五（一） pays it, not the lead unit."),
    )
    name = models.CharField(_("name"), max_length=200)
    industry_field = models.ForeignKey(IndustryField, on_delete=models.PROTECT, verbose_name=_("industry field"))
    state = FSMField(_("status"), default=State.ACTIVE, choices=State.choices, protected=True, db_index=True)
    recognized_on = models.DateField(
        _("recognised on"),
        help_text=_("For a cultivation unit: the day it was listed; then the day it was recognised."),
    )
    recognition_document = models.CharField(_("document number"), max_length=64, blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    is_cultivation_unit = models.BooleanField(
        _("cultivation unit"), default=False, editable=False,
        help_text=_("Listed for cultivation (HN23) and not recognised yet."),
    )
    cultivation_started_on = models.DateField(_("cultivation started on"), null=True, blank=True)
    cultivation_deadline = models.DateField(_("cultivation deadline"), null=True, blank=True)
    rectification_deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    objects = InstituteQuerySet.as_manager()

    registered_from_province = models.BooleanField(
        _("registered from a provincial recognition"), default=False, editable=False,
        help_text=_("XX22: recognised by the province and registered here by the program manager."),
    )

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["program", "state"], name="institute_program_state"),
            models.Index(fields=["name", "id"], name="institute_registry_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="revoked", revoked_on__isnull=False) | ~Q(state="revoked"),
                name="revoked_institute_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(state="cultivating") | Q(is_cultivation_unit=True, cultivation_deadline__isnull=False),
                name="cultivation_unit_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(state="rectifying") | Q(rectification_deadline__isnull=False),
                name="rectification_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancelled_on__isnull=False),
                name="cancelled_institute_has_date",
            ),
        ]
        verbose_name = _("institute")
        verbose_name_plural = _("institutes")

    def __str__(self):
        return self.name

    @property
    def payee_organization_id(self) -> int:
        """Who receives the money paid to the institute (ZZ23 五（一）"由市财政给予产业研究院（法人形式）或
        依托牵头单位"): the institute itself where it is a legal person, otherwise its lead unit."""
        return self.legal_entity_id or self.lead_unit_id

    def is_managed_by(self, user) -> bool:
        return bool(
            user is not None and user.is_authenticated and user.has_role("program_manager")
            and user.managed_programs.filter(pk=self.program_id).exists()
        )

    @property
    def current_deadline(self) -> datetime.date | None:
        """The day by which a cultivation unit must file for recognition (or re-acceptance)."""
        if not self.is_cultivation_unit:
            return None
        return self.rectification_deadline if self.state == self.State.RECTIFYING else self.cultivation_deadline

    def has_open_recognition_request(self) -> bool:
        return self.recognition_requests.filter(state__in=RecognitionRequest.OPEN_STATES).exists()

    def may_file_recognition(self, day: datetime.date) -> bool:
        return (
            self.is_cultivation_unit and self.state in self.CULTIVATION_STATES
            and self.current_deadline is not None and day <= self.current_deadline
        )

    def has_lapsed(self) -> bool:
        """Past its cultivation or rectification deadline with no recognition application pending."""
        deadline = self.current_deadline
        return (
            self.state in self.CULTIVATION_STATES and deadline is not None and deadline < timezone.localdate()
            and not self.has_open_recognition_request()
        )

    # ---- cultivation → recognition (HN23 规程 第七条) ----------------------------------------------
    @transition(
        field=state, source=CULTIVATION_STATES, target=State.ACTIVE,
        conditions=[condition(_("it is not a cultivation unit"))(lambda unit: unit.is_cultivation_unit)],
        permission=lambda unit, user: unit.is_managed_by(user), custom={"label": _("Recognise")},
    )
    def recognise(self, user, comment="", recognized_on=None, document_number=""):
        self.recognized_on = recognized_on
        self.recognition_document = document_number
        self.is_cultivation_unit = False
        self.rectification_deadline = None

    @transition(
        field=state, source=State.CULTIVATING, target=State.RECTIFYING,
        permission=lambda unit, user: unit.is_managed_by(user), custom={"label": _("Open rectification")},
    )
    def start_rectification(self, user, comment="", deadline=None):
        self.rectification_deadline = deadline
        return {"rectification_deadline": deadline.isoformat()}

    @transition(
        field=state, source=State.RECTIFYING, target=State.CANCELLED,
        conditions=[condition(_("it is not a cultivation unit"))(lambda unit: unit.is_cultivation_unit)],
        permission=lambda unit, user: unit.is_managed_by(user),
        custom={"label": _("Cancel cultivation: failed again")},
    )
    def cancel_cultivation(self, user, comment="", cancelled_on=None):
        self._cancel(cancelled_on)

    @transition(
        field=state, source=CULTIVATION_STATES, target=State.CANCELLED,
        conditions=[condition(_("the deadline has not passed, or a recognition application is pending"))(
            lambda unit: unit.has_lapsed()
        )],
        permission=lambda unit, user: unit.is_managed_by(user),
        custom={"label": _("Cancel cultivation: deadline passed"), "system": True},
    )
    def cancel_lapsed(self, user, comment=""):
        self._cancel(timezone.localdate())

    def _cancel(self, day):
        self.cancelled_on = day
        self.is_cultivation_unit = False

    # ---- revocation and the HN23 yearly assessment (ZZ23 第十四条; HN23 实施方案 四(五)) ---------------
    @transition(
        field=state, source=OPERATING_STATES, target=State.REVOKED,
        permission=lambda unit, user: unit.is_managed_by(user), custom={"label": _("Revoke")},
    )
    def revoke(self, user, comment="", revoked_on=None):
        self.revoked_on = revoked_on or timezone.localdate()
        self.rectification_deadline = None
        return {"revoked_on": self.revoked_on.isoformat()}

    @transition(
        field=state, source=State.ACTIVE, target=State.RECTIFYING,
        conditions=[condition(_("a cultivation unit is assessed by its acceptance, not the yearly assessment"))(
            lambda unit: not unit.is_cultivation_unit
        )],
        permission=lambda unit, user: unit.is_managed_by(user),
        custom={"label": _("Open rectification: yearly assessment failed"), "system": True},
    )
    def start_annual_rectification(self, user, comment="", deadline=None):
        self.rectification_deadline = deadline
        return {"rectification_deadline": deadline.isoformat()}

    @transition(
        field=state, source=State.RECTIFYING, target=State.ACTIVE,
        conditions=[condition(_("it is a cultivation unit"))(lambda unit: not unit.is_cultivation_unit)],
        permission=lambda unit, user: unit.is_managed_by(user),
        custom={"label": _("Rectification passed"), "system": True},
    )
    def end_annual_rectification(self, user, comment=""):
        self.rectification_deadline = None


# ---- institute lifecycle -------------------------------------------------------------------------
# HN23 cultivation units apply for recognition; the acceptance itself is recorded by the reviews app.


def recognition_materials_path(instance, filename):
    return f"recognition/{instance.institute_id}/{instance.materials_sha256[:2]}/{instance.materials_sha256}"


def _manages_its_unit(recognition, user) -> bool:
    return recognition.institute.is_managed_by(user)


class RecognitionRequestQuerySet(models.QuerySet):
    def for_user(self, user):
        """Applicants see their lead unit's requests; program managers those of their programs."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        if user.has_role("applicant") and user.organization_id:
            visible |= Q(institute__lead_unit_id=user.organization_id)
        if user.has_role("program_manager"):
            visible |= Q(institute__program__in=user.managed_programs.all())
        return self.filter(visible)

    def open(self):
        return self.filter(state__in=RecognitionRequest.OPEN_STATES)


class RecognitionRequest(WorkflowModel):
    """A cultivation unit's application for recognition (认定申请), filed before its cultivation
    deadline, or during rectification for the re-acceptance (HN23 规程 第七条)."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_ACCEPTANCE = "under_acceptance", _("Under acceptance")
        ACCEPTED = "accepted", _("Passed acceptance")
        FAILED = "failed", _("Not passed")

    OPEN_STATES = (State.SUBMITTED, State.UNDER_ACCEPTANCE, State.ACCEPTED)

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="recognition_requests", verbose_name=_("cultivation unit")
    )
    state = FSMField(_("status"), default=State.SUBMITTED, choices=State.choices, protected=True, db_index=True)
    during_rectification = models.BooleanField(_("re-acceptance after rectification"), default=False)
    summary = models.TextField(_("construction tasks completed"))
    materials = models.FileField(storage=private_storage, upload_to=recognition_materials_path, blank=True,
                                 max_length=255)
    materials_name = models.CharField(_("file name"), max_length=255, blank=True)
    materials_content_type = models.CharField(max_length=100, blank=True)
    materials_sha256 = models.CharField(max_length=64, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    objects = RecognitionRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institute"], condition=Q(state__in=["submitted", "under_acceptance", "accepted"]),
                name="one_open_recognition_request_per_unit",
            )
        ]
        verbose_name = _("recognition application")
        verbose_name_plural = _("recognition applications")

    def __str__(self):
        return _("Recognition application of %(unit)s") % {"unit": self.institute}

    @property
    def program_id(self):
        return self.institute.program_id

    @transition(
        field=state, source=State.SUBMITTED, target=State.UNDER_ACCEPTANCE,
        permission=_manages_its_unit, custom={"label": _("Start acceptance")},
    )
    def start_acceptance(self, user, comment=""):
        pass

    @transition(
        field=state, source=State.UNDER_ACCEPTANCE, target=State.ACCEPTED,
        permission=_manages_its_unit, custom={"label": _("Acceptance passed")},
    )
    def pass_acceptance(self, user, comment="", decided_on=None):
        self.decided_on = decided_on

    @transition(
        field=state, source=State.UNDER_ACCEPTANCE, target=State.FAILED,
        permission=_manages_its_unit, custom={"label": _("Acceptance failed")},
    )
    def fail_acceptance(self, user, comment="", decided_on=None):
        self.decided_on = decided_on

    @transition(
        field=state, source=State.ACCEPTED, target=State.FAILED,
        permission=_manages_its_unit,
        custom={"label": _("Not recognised: objection upheld")},
    )
    def overturn(self, user, comment="", decided_on=None):
        self.decided_on = decided_on


# ---- annual grades ------------------------------------------------------------------------------
# The published result of a year's evaluation. The reviews app's annual evaluation writes it when the
# program manager publishes the grades; the registry, the consequences (第十三条, 第十四条) and the
# subsidies (ZZ23 grade subsidy, the "no support after 不合格" rule) read it.


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASS = "pass", pgettext_lazy("grade", "Pass")
    FAIL = "fail", pgettext_lazy("grade", "Fail")


class AnnualGradeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_on__isnull=False)


class AnnualGrade(models.Model):
    """One institute's grade for one evaluated year (the year the annual report covers)."""

    institute = models.ForeignKey(Institute, on_delete=models.PROTECT, related_name="grades", verbose_name=_("institute"))
    year = models.PositiveSmallIntegerField(_("evaluated year"))
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the grade differs from the proposal, e.g. a tie at the quota.")
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)

    objects = AnnualGradeQuerySet.as_manager()

    class Meta:
        ordering = ["institute", "-year"]
        constraints = [models.UniqueConstraint(fields=["institute", "year"], name="one_grade_per_institute_year")]
        indexes = [models.Index(fields=["year", "grade"])]
        verbose_name = _("annual grade")
        verbose_name_plural = _("annual grades")

    def __str__(self):
        return f"{self.institute} {self.year} {self.get_grade_display()}"


# ---- annual reports (ZZ23 第十一条) ---------------------------------------------------------------
# From the year after recognition each institute files, early every year, the report on the previous
# year: summary, this year's plan and budget, and the figures the evaluation reads. The district
# industry and finance bureaus both pass it, then the program manager accepts it.

COUNT = {"default": 0, "validators": [MinValueValidator(0)]}


class AnnualReportQuerySet(models.QuerySet):
    def for_user(self, user):
        """The reports a user may see at all: the lead unit's own (drafts too); the district bureaus
        (industry, finance) of the unit's region and the managers of its program once filed;
        the city finance bureau, read-only, once filed."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        filed = ~Q(state=AnnualReport.State.DRAFT)
        if user.has_role("applicant") and user.organization_id:
            visible |= Q(institute__lead_unit_id=user.organization_id)
        if user.has_role("district") and user.department in AnnualReport.REVIEWING_DEPARTMENTS:
            visible |= user.region_scope("institute__lead_unit__region") & filed
        if user.has_role("program_manager"):
            visible |= Q(institute__program__in=user.managed_programs.all()) & filed
        if user.has_role("finance"):
            visible |= filed
        return self.filter(visible)

    def accepted(self):
        return self.filter(state=AnnualReport.State.ACCEPTED)

    def with_list_data(self):
        return self.select_related("institute__program", "institute__lead_unit__region", "institute__industry_field")


def _report_perm(name):
    return lambda report, user: user.has_perm(f"institutes.{name}", report)


class AnnualReport(WorkflowModel):
    """One institute's annual report on `year` (filed early in `year + 1`)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting district review")
        DISTRICT_PASSED = "district_passed", _("Passed by the district")
        ACCEPTED = "accepted", _("Accepted by the program manager")
        RETURNED = "returned", _("Returned for revision")

    EDITABLE_STATES = (State.DRAFT, State.RETURNED)
    FILED_STATES = (State.SUBMITTED, State.DISTRICT_PASSED, State.ACCEPTED)
    REVIEWING_DEPARTMENTS = (Department.INDUSTRY, Department.FINANCE)

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="annual_reports", verbose_name=_("institute")
    )
    year = models.PositiveSmallIntegerField(_("reported year"))
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    summary = models.TextField(_("work summary of the reported year"), blank=True)
    plan = models.TextField(_("work plan for this year"), blank=True)
    budget = models.DecimalField(_("budget for this year (yuan)"), null=True, blank=True, **MONEY)
    budget_notes = models.TextField(_("budget breakdown"), blank=True)
    rd_spending = models.DecimalField(_("R&D spending (yuan)"), null=True, blank=True, **MONEY)
    funding_input = models.DecimalField(_("funding input (yuan)"), null=True, blank=True, **MONEY)
    new_achievements = models.PositiveIntegerField(_("new S&T achievements"), **COUNT)
    technologies_transferred = models.PositiveIntegerField(_("technologies transferred"), **COUNT)
    invention_patents = models.PositiveIntegerField(_("invention patents"), **COUNT)
    standards = models.PositiveIntegerField(_("standards drafted"), **COUNT)
    spin_offs = models.PositiveIntegerField(_("spin-off enterprises"), **COUNT)
    talents_introduced = models.PositiveIntegerField(_("talents brought in"), **COUNT)
    submission_round = models.PositiveSmallIntegerField(default=0, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    is_overdue = models.BooleanField(_("overdue"), default=False, db_index=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["institute", "year"], name="one_annual_report_per_institute_year"),
            models.CheckConstraint(
                condition=(Q(budget__gte=0) | Q(budget__isnull=True)) & (Q(rd_spending__gte=0) | Q(rd_spending__isnull=True))
                & (Q(funding_input__gte=0) | Q(funding_input__isnull=True)),
                name="annual_report_money_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="annual_report_queue")]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")

    def __str__(self):
        return _("Annual report %(year)s of %(institute)s") % {"year": self.year, "institute": self.institute}

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES

    @property
    def program_id(self):
        return self.institute.program_id

    def has_all_district_passes(self) -> bool:
        passed = set(
            self.reviews.filter(
                round=self.submission_round, decision=AnnualReportReview.Decision.PASS
            ).values_list("department", flat=True)
        )
        return set(self.REVIEWING_DEPARTMENTS) <= passed

    @transition(
        field=state, source=EDITABLE_STATES, target=State.SUBMITTED,
        permission=_report_perm("submit_annual_report"), custom={"label": _("Submit")},
    )
    def submit(self, user, comment=""):
        self.submitted_at = timezone.now()
        self.submission_round += 1

    @transition(
        field=state, source=State.SUBMITTED,
        target=GET_STATE(
            lambda report, **kwargs: (
                report.State.DISTRICT_PASSED if report.has_all_district_passes() else report.State.SUBMITTED
            ),
            states=[State.DISTRICT_PASSED, State.SUBMITTED],
        ),
        permission=_report_perm("district_review_annual_report"), custom={"label": _("Pass the report")},
    )
    def district_pass(self, user, comment=""):
        self._record_review(user, AnnualReportReview.Decision.PASS, comment)

    @transition(
        field=state, source=State.SUBMITTED, target=State.RETURNED,
        permission=_report_perm("district_review_annual_report"), custom={"label": _("Return for revision")},
    )
    def district_return(self, user, comment=""):
        self._record_review(user, AnnualReportReview.Decision.RETURN, comment)

    def _record_review(self, user, decision, comment):
        AnnualReportReview.objects.create(
            report=self, round=self.submission_round, reviewer=user, department=user.department,
            decision=decision, comment=comment,
        )

    @transition(
        field=state, source=State.DISTRICT_PASSED, target=State.ACCEPTED,
        permission=_report_perm("manage_annual_report"), custom={"label": _("Accept the report")},
    )
    def accept(self, user, comment=""):
        self.accepted_on = timezone.localdate()

    @transition(
        field=state, source=State.DISTRICT_PASSED, target=State.RETURNED,
        permission=_report_perm("manage_annual_report"), custom={"label": _("Return for revision")},
    )
    def manager_return(self, user, comment=""):
        pass


class AnnualReportReview(models.Model):
    """A district bureau's decision on one submission round of a report; industry and finance each."""

    class Decision(models.TextChoices):
        PASS = "pass", _("Pass the report")
        RETURN = "return", _("Return for revision")

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveSmallIntegerField(_("submission round"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.CharField(_("department"), max_length=16, choices=Department.choices)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "round", "department"], name="one_report_decision_per_department_and_round"
            )
        ]
        verbose_name = _("annual report review")
        verbose_name_plural = _("annual report reviews")


def report_attachment_path(instance, filename):
    return f"annual_reports/{instance.report_id}/{instance.sha256[:2]}/{instance.sha256}"


class AnnualReportAttachment(PrivateUpload):
    """Evidence for a report's figures; checked by content like the applications' attachments."""

    class Kind(models.TextChoices):
        FINANCIAL_STATEMENT = "financial_statement", _("R&D spending and funding statements")
        ACHIEVEMENTS = "achievements", _("S&T achievements and transfer contracts")
        PATENTS_STANDARDS = "patents_standards", _("Patent and standard certificates")
        TALENT = "talent", _("Talent and spin-off records")
        OTHER = "other", _("Other")

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    file = models.FileField(storage=private_storage, upload_to=report_attachment_path, max_length=255)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("annual report attachment")
        verbose_name_plural = _("annual report attachments")


# ---- revocation (ZZ23 第十四条; HN23 实施方案 四(五)) -------------------------------------------------


def revocation_evidence_path(instance, filename):
    return f"revocations/{instance.institute_id}/{instance.evidence_sha256[:2]}/{instance.evidence_sha256}"


def _manages_revoked_unit(revocation, user) -> bool:
    return revocation.institute.is_managed_by(user)


class Revocation(WorkflowModel):
    """The revocation of an institute's title: proposed by the portal (two 不合格 years in a row, no
    report or evaluation for a year, HN23 failed again after rectification) or by the manager for the
    other grounds of 第十四条; confirmed by the manager with the document reference, which revokes
    the institute (through the door)."""

    class Grounds(models.TextChoices):
        TWO_FAILS = "two_fails", _("Graded 不合格 two years in a row")
        NO_EVALUATION = "no_evaluation", _("No annual report or evaluation for a year")
        FRAUD = "fraud", _("Serious fraud in the application or evaluation")
        VIOLATION = "violation", _("Major violation punished by the authorities")
        ACCIDENT = "accident", _("Serious safety or environmental accident")
        MISCONDUCT = "misconduct", _("Serious research misconduct")
        HN23_FAILED_RECTIFICATION = "hn23_failed_rectification", _("Failed the yearly assessment again after rectification")

    AUTOMATIC_GROUNDS = (Grounds.TWO_FAILS, Grounds.NO_EVALUATION, Grounds.HN23_FAILED_RECTIFICATION)
    MANUAL_GROUNDS = (Grounds.FRAUD, Grounds.VIOLATION, Grounds.ACCIDENT, Grounds.MISCONDUCT)

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Revocation awaiting decision")
        CONFIRMED = "confirmed", _("Revocation confirmed")
        DISMISSED = "dismissed", _("Revocation dismissed")

    institute = models.OneToOneField(
        Institute, on_delete=models.PROTECT, related_name="revocation", verbose_name=_("institute")
    )
    grounds = models.CharField(_("grounds"), max_length=32, choices=Grounds.choices)
    state = FSMField(_("status"), default=State.PROPOSED, choices=State.choices, protected=True, db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True, editable=False)
    proposed_on = models.DateField(_("proposed on"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_reference = models.CharField(_("document reference"), max_length=64, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evidence = models.FileField(
        _("evidence"), storage=private_storage, upload_to=revocation_evidence_path, blank=True, max_length=255
    )
    evidence_name = models.CharField(_("file name"), max_length=255, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    funds_obtained_by_fraud = models.BooleanField(
        _("funds obtained by fraud"), default=False,
        help_text=_("Funds were obtained by fraud: finance records their recovery (追偿)."),
    )

    class Meta:
        ordering = ["-proposed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="confirmed") | (Q(decided_on__isnull=False) & ~Q(document_reference="")),
                name="confirmed_revocation_has_document",
            ),
        ]
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")

    def __str__(self):
        return _("Revocation of %(institute)s") % {"institute": self.institute}

    @transition(
        field=state, source=State.PROPOSED, target=State.CONFIRMED,
        permission=_manages_revoked_unit, custom={"label": _("Confirm revocation")},
    )
    def confirm(self, user, comment="", document_reference="", decided_on=None):
        self.document_reference = document_reference
        self.decided_on = decided_on or timezone.localdate()
        self.decided_by = user
        return {"document_reference": document_reference, "decided_on": self.decided_on.isoformat()}

    @transition(
        field=state, source=State.PROPOSED, target=State.DISMISSED,
        permission=_manages_revoked_unit, custom={"label": _("Dismiss the proposal")},
    )
    def dismiss(self, user, comment=""):
        self.decided_on = timezone.localdate()
        self.decided_by = user

    @transition(
        field=state, source=State.DISMISSED, target=State.PROPOSED,
        permission=_manages_revoked_unit, custom={"label": _("Propose again"), "system": True},
    )
    def propose_again(self, user, comment="", grounds="", reason="", facts=None):
        self.grounds = grounds or self.grounds
        self.reason = reason
        self.facts = facts or {}
        self.proposed_on = timezone.localdate()
        self.proposed_by = user
        self.decided_on = None
        self.decided_by = None
        return {"grounds": self.grounds}
