from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from institutes.models import Application


class InitialReviewPart(models.TextChoices):
    """HN23 规程 第六条(二): form, content and legal review. Programs without the three-part
    review (Program.has_initial_review_parts false) record the form review only."""

    FORM = "form", _("Form review")
    CONTENT = "content", _("Content review")
    LEGAL = "legal", _("Legal review")


class InitialReviewRecord(models.Model):
    """One part of the program manager's initial review of one submission round."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="initial_reviews")
    round = models.PositiveSmallIntegerField(_("submission round"))
    part = models.CharField(_("part"), max_length=8, choices=InitialReviewPart.choices)
    passed = models.BooleanField(_("passed"))
    findings = models.TextField(_("findings"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "round", "part"]
        constraints = [
            models.UniqueConstraint(fields=["application", "round", "part"], name="one_initial_review_part_per_round")
        ]
        verbose_name = _("initial review record")
        verbose_name_plural = _("initial review records")

    def __str__(self):
        return f"{self.application} {self.get_part_display()}"
