"""PDF notices (通知书) sent to the entitled unit: recognition, annual grade and subsidy, payout.

A `Notice` is one official document about one subject (`subject_key`, unique): it is numbered once
(`document_number`, e.g. 郑工信〔2026〕12号, allocated per issuing authority and year without gaps under
a row lock of `NoticeSerial`), rendered by a Celery job (subsidies.tasks_notices) and stored once in
private storage. It is rendered again only when the data it shows changes: `content_hash` is the
SHA-256 of the rendering context, and a job finding the same hash renders nothing.

Its `state` is a job state (pending → rendered | failed), changed only by the system through
portal.workflow.transition, so every rendering leaves an audit event."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from institutes.models import Institute, Program
from institutes.storage import private_storage
from portal.accounts.models import Organization
from portal.workflow import WorkflowModel

__all__ = ["Notice", "NoticeSerial"]


def notice_path(instance, filename):
    return f"notices/{instance.organization_id}/{instance.pk}/{instance.content_hash}.pdf"


class NoticeSerial(models.Model):
    """The last serial number an issuing authority used in a year; the row is locked while a
    notice takes the next number, in the transaction that creates the notice."""

    abbreviation = models.CharField(_("authority abbreviation"), max_length=32)
    year = models.PositiveSmallIntegerField(_("year"))
    last_serial = models.PositiveIntegerField(_("last serial number"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["abbreviation", "year"], name="one_notice_serial_per_authority_year"),
        ]
        verbose_name = _("notice serial number")
        verbose_name_plural = _("notice serial numbers")

    def __str__(self):
        return f"{self.abbreviation}〔{self.year}〕{self.last_serial}"


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        """Applicants: their own organisation's notices; program managers: their programs';
        finance (which reads every entitlement and payout): all. Everyone else: none."""
        if not user.is_authenticated:
            return self.none()
        visible = Q(pk__in=[])
        if user.has_role("applicant") and user.organization_id:
            visible |= Q(organization_id=user.organization_id)
        if user.has_role("program_manager"):
            visible |= Q(program__in=user.managed_programs.all())
        if user.has_role("finance"):
            visible |= Q(pk__isnull=False)
        return self.filter(visible)

    def with_list_data(self):
        return self.select_related("program", "organization", "institute")


class Notice(WorkflowModel):
    class Kind(models.TextChoices):
        RECOGNITION = "recognition", _("Recognition notice")
        GRADE_SUBSIDY = "grade_subsidy", _("Grade and subsidy notice")
        PAYOUT = "payout", _("Payout notice")

    class State(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        RENDERED = "rendered", _("Ready")
        FAILED = "failed", _("Rendering failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    subject_key = models.CharField(
        _("subject"), max_length=100, unique=True, editable=False,
        help_text=_("What the notice is about, e.g. recognition:institute:12; one notice per subject."),
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="pdf_notices",
                                verbose_name=_("program"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="pdf_notices",
                                     verbose_name=_("entitled unit"))
    institute = models.ForeignKey(Institute, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="pdf_notices", verbose_name=_("institute"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    entitlement_ids = models.JSONField(_("entitlements"), default=list, blank=True, editable=False)
    payout_batch_id = models.PositiveBigIntegerField(
        _("payout batch"), null=True, blank=True, editable=False, db_index=True,
        help_text=_("The payout batch whose paid lines a payout notice reports."),
    )
    payout_line_ids = models.JSONField(_("payout lines"), default=list, blank=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    authority = models.CharField(_("issuing authority"), max_length=200)
    authority_abbreviation = models.CharField(_("authority abbreviation"), max_length=32)
    document_year = models.PositiveSmallIntegerField(_("document year"))
    serial = models.PositiveIntegerField(_("serial number"))
    document_number = models.CharField(_("document number"), max_length=64, unique=True)
    issued_on = models.DateField(_("issued on"))
    state = FSMField(_("status"), default=State.PENDING, choices=State.choices, protected=True, db_index=True)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)
    context = models.JSONField(_("rendered content"), default=dict, blank=True, editable=False)
    file = models.FileField(storage=private_storage, upload_to=notice_path, blank=True, max_length=255)
    size = models.PositiveIntegerField(_("size"), default=0)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    render_count = models.PositiveIntegerField(_("times rendered"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["authority_abbreviation", "document_year", "serial"],
                                    name="one_notice_per_document_serial"),
            models.CheckConstraint(condition=~Q(state="rendered") | ~Q(content_hash=""),
                                   name="rendered_notice_has_hash"),
        ]
        indexes = [models.Index(fields=["organization", "-issued_on"]), models.Index(fields=["program", "kind"])]
        verbose_name = _("PDF notice")
        verbose_name_plural = _("PDF notices")

    def __str__(self):
        return f"{self.document_number} {self.title}"

    @property
    def filename(self) -> str:
        """The download name: the document number and the title, e.g. 郑工信〔2026〕12号 关于….pdf."""
        return f"{self.document_number} {self.title}.pdf".replace("/", "／")

    # ---- the rendering job (system only) ----------------------------------------------------------
    @transition(field=state, source=[State.PENDING, State.RENDERED, State.FAILED], target=State.RENDERED,
                custom={"label": _("Rendered"), "system": True})
    def mark_rendered(self, user, comment="", content_hash="", context=None, pdf=None, rendered_at=None,
                      subject_ids=None):
        self.content_hash = content_hash
        self.context = context or {}
        self.title = self.context.get("title", self.title)[:200]
        for field, ids in (subject_ids or {}).items():
            setattr(self, field, ids)
        self.file = pdf
        self.size = pdf.size
        self.rendered_at = rendered_at
        self.render_count += 1
        self.error = ""
        return {"content_hash": content_hash, "size": self.size}

    @transition(field=state, source=[State.PENDING, State.RENDERED, State.FAILED], target=State.FAILED,
                custom={"label": _("Rendering failed"), "system": True})
    def mark_failed(self, user, comment="", error=""):
        self.error = error[:2000]
        return {"error": self.error}

