from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from institutes.models import Application, Institute, Program
from institutes.storage import private_storage
from portal.workflow import WorkflowModel


class DecisionMeeting(models.Model):
    """The office meeting (办公会) or city-government decision that a notice follows."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="decision_meetings")
    held_on = models.DateField(_("held on"))
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    minutes = models.TextField(_("minutes"))
    applications = models.ManyToManyField(Application, related_name="decision_meetings", verbose_name=_("applications"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("decision meeting")
        verbose_name_plural = _("decision meetings")

    def __str__(self):
        return f"{self.program.code} {self.held_on}"


def _perm(name):
    return lambda notice, user: user.has_perm(f"reviews.{name}", notice)


class PublicNotice(WorkflowModel):
    """A public notice (公示): open from `starts_on` to `ends_on`, the last of its working days."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="notices")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    starts_on = models.DateField(_("starts on"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    ends_on = models.DateField(_("ends on"))
    state = FSMField(_("status"), default=State.OPEN, choices=State.choices, protected=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self):
        return self.title

    @transition(field=state, source=State.OPEN, target=State.CLOSED, permission=_perm("manage_notice"),
                custom={"label": _("Close the notice")})
    def close(self, user, comment=""):
        pass


class NoticeItem(models.Model):
    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="items")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="notice_items")
    institute = models.ForeignKey(Institute, null=True, blank=True, on_delete=models.PROTECT, related_name="notice_items")
    published_name = models.CharField(_("name as published"), max_length=200)
    published_lead_unit = models.CharField(_("lead unit as published"), max_length=200)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False, institute__isnull=True)
                | Q(application__isnull=True, institute__isnull=False),
                name="notice_item_is_one_thing",
            )
        ]
        verbose_name = _("notice item")
        verbose_name_plural = _("notice items")

    def __str__(self):
        return self.published_name


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
    attachment = models.FileField(storage=private_storage, upload_to="objections/%Y/", blank=True, max_length=255)
    attachment_name = models.CharField(max_length=255, blank=True)
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.RECEIVED)
    response = models.TextField(_("response"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self):
        return self.reference
