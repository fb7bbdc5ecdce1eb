import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from institutes.models import Application, Institute, Program
from institutes.storage import private_storage
from portal.workflow import WorkflowModel, condition


def _managed_programs_q(user, field: str) -> Q:
    if not (user.is_authenticated and user.has_role("program_manager")):
        return Q(pk__in=[])
    return Q(**{f"{field}__in": user.managed_programs.all()})


class DecisionMeetingQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(_managed_programs_q(user, "program"))


class DecisionMeeting(models.Model):
    """The office meeting (办公会) or city-government decision that a notice follows: the
    applications it approves for the notice, and those it does not approve."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="decision_meetings")
    held_on = models.DateField(_("held on"))
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    minutes = models.TextField(_("minutes"))
    applications = models.ManyToManyField(Application, related_name="decision_meetings", verbose_name=_("applications"))
    not_approved = models.ManyToManyField(
        Application, blank=True, related_name="meetings_not_approving", verbose_name=_("applications not approved")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = DecisionMeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("decision meeting")
        verbose_name_plural = _("decision meetings")

    def __str__(self):
        return f"{self.program.code} {self.held_on}"


def _perm(name):
    return lambda notice, user: user.has_perm(f"reviews.{name}", notice)


@condition(_("the notice period has not ended yet"))
def notice_period_ended(notice):
    return notice.period_has_ended()


@condition(_("some objections have not been handled yet"))
def notice_objections_handled(notice):
    return not notice.objections.filter(state=Objection.State.RECEIVED).exists()


class PublicNoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        """The notices a program manager runs: those of the programs they manage."""
        return self.filter(_managed_programs_q(user, "program"))

    def published(self, today: datetime.date):
        """What the public may read: every notice that has started."""
        return self.filter(starts_on__lte=today)

    def listed_publicly(self, today: datetime.date):
        """The public list: open notices, and those that ended in the last RECENT_DAYS days."""
        recent = today - datetime.timedelta(days=PublicNotice.RECENT_DAYS)
        return self.published(today).filter(Q(state=PublicNotice.State.OPEN) | Q(ends_on__gte=recent))


class PublicNotice(WorkflowModel):
    """A public notice (公示): open from `starts_on` to `ends_on`, the last of its working days.
    Once the period has ended it is closed (by the manager or the daily job); once every objection
    has been handled the manager decides it: the items are approved, or rejected where an objection
    was upheld."""

    RECENT_DAYS = 30

    class Purpose(models.TextChoices):
        LISTING = "listing", _("Applications to approve")
        RECOGNITION = "recognition", _("Cultivation units to recognise")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        DECIDED = "decided", _("Decided")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="notices")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.LISTING)
    meeting = models.ForeignKey(
        DecisionMeeting, null=True, blank=True, on_delete=models.PROTECT, related_name="notices",
        verbose_name=_("decision meeting"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    starts_on = models.DateField(_("starts on"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    ends_on = models.DateField(_("ends on"))
    state = FSMField(_("status"), default=State.OPEN, choices=State.choices, protected=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_on = models.DateField(_("result published on"), null=True, blank=True)
    publication_document = models.CharField(_("document number of the result"), max_length=64, blank=True)

    objects = PublicNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["state", "ends_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="notice_ends_after_it_starts"),
        ]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self):
        return self.title

    def period_has_ended(self, today: datetime.date | None = None) -> bool:
        return (today or timezone.localdate()) > self.ends_on

    def accepts_objections(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.state == self.State.OPEN and self.starts_on <= today <= self.ends_on

    @transition(field=state, source=State.OPEN, target=State.CLOSED, conditions=[notice_period_ended],
                permission=_perm("manage_notice"), custom={"label": _("Close the notice"), "system": True})
    def close(self, user, comment=""):
        pass

    @transition(field=state, source=State.CLOSED, target=State.DECIDED, conditions=[notice_objections_handled],
                permission=_perm("manage_notice"), custom={"label": _("Decide")})
    def decide(self, user, comment="", published_on=None, document_number=""):
        self.published_on = published_on
        self.publication_document = document_number


class NoticeItem(models.Model):
    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        NOT_APPROVED = "not_approved", _("Not approved")

    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="notice_items")
    institute = models.ForeignKey(Institute, null=True, blank=True, on_delete=models.PROTECT, related_name="notice_items")
    published_name = models.CharField(_("name as published"), max_length=200)
    published_lead_unit = models.CharField(_("lead unit as published"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False, institute__isnull=True)
                | Q(application__isnull=True, institute__isnull=False),
                name="notice_item_is_one_thing",
            ),
            models.UniqueConstraint(fields=["notice", "application"], name="application_once_per_notice"),
            models.UniqueConstraint(fields=["notice", "institute"], name="institute_once_per_notice"),
        ]
        verbose_name = _("notice item")
        verbose_name_plural = _("notice items")

    def __str__(self):
        return self.published_name


def objection_attachment_path(instance, filename):
    return f"objections/{instance.notice_id}/{instance.attachment_sha256[:2]}/{instance.attachment_sha256}"


class ObjectionQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(_managed_programs_q(user, "notice__program"))


class Objection(models.Model):
    """An objection filed by anyone, without an account, while a notice is open."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    item = models.ForeignKey(NoticeItem, null=True, blank=True, on_delete=models.PROTECT, related_name="objections",
                             verbose_name=_("concerning"))
    reference = models.CharField(_("reference number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    contact = models.CharField(_("phone or email"), max_length=128)
    text = models.TextField(_("objection"))
    attachment = models.FileField(storage=private_storage, upload_to=objection_attachment_path, blank=True,
                                  max_length=255)
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_content_type = models.CharField(max_length=100, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.RECEIVED)
    response = models.TextField(_("response"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["notice", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="upheld") | Q(item__isnull=False), name="upheld_objection_names_its_item",
            ),
        ]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        return self.reference

    @property
    def program_id(self):
        return self.notice.program_id

    @property
    def is_handled(self) -> bool:
        return self.state != self.State.RECEIVED


def evidence_path(instance, filename):
    return f"recognition-evidence/{instance.application_id}/{instance.evidence_sha256[:2]}/{instance.evidence_sha256}"


class ThirdPartyRecognition(models.Model):
    """SJZ22 四(一)/(二): recognition is done by a third party commissioned by the science bureau;
    the manager records its result and evidence, and the application is approved or rejected."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="third_party_recognition", verbose_name=_("application")
    )
    agency = models.CharField(_("commissioned third party"), max_length=200)
    concluded_on = models.DateField(_("date of the result"))
    recognised = models.BooleanField(_("recognised"))
    summary = models.TextField(_("result and reasons"))
    evidence = models.FileField(storage=private_storage, upload_to=evidence_path, max_length=255)
    evidence_name = models.CharField(_("file name"), max_length=255)
    evidence_content_type = models.CharField(max_length=100)
    evidence_sha256 = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("third-party recognition")
        verbose_name_plural = _("third-party recognitions")

    def __str__(self):
        return f"{self.application} {self.agency}"

    @property
    def program_id(self):
        return self.application.program_id
