import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, FSMField, transition

from portal.accounts.models import Department, Organization, Region
from portal.accounts.validators import validate_uscc
from portal.workflow import WorkflowModel, condition

from .storage import private_storage
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


def attachment_path(instance, filename):
    return f"applications/{instance.application_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
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
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name


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

    class Meta:
        ordering = ["name"]
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
