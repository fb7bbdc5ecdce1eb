from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutes.models import IndustryField
from portal.accounts.models import Region
from portal.accounts.validators import validate_uscc


class ExpertQuerySet(models.QuerySet):
    def for_user(self, user):
        """The experts a user may see at all: the pool is kept by the program managers."""
        if user.is_authenticated and user.has_role("program_manager"):
            return self.all()
        return self.none()

    def drawable(self, industry_field):
        """Active experts of a field: the candidates of a draw."""
        return self.filter(is_active=True, fields=industry_field)


class Expert(models.Model):
    """A member of the expert pool. `pool` tells which system the expert comes from: HN23 panels
    draw from the industry expert system *and* the financial expert pool."""

    class Kind(models.TextChoices):
        MANAGEMENT = "management", _("Management")
        TECHNICAL = "technical", _("Technical")
        FINANCIAL = "financial", _("Financial")

    class Pool(models.TextChoices):
        INDUSTRY = "industry", _("Industry expert system")
        FINANCIAL = "financial", _("Financial expert pool")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="expert_profile",
        verbose_name=_("login account"),
    )
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    pool = models.CharField(_("pool"), max_length=16, choices=Pool.choices, default=Pool.INDUSTRY)
    fields = models.ManyToManyField(IndustryField, related_name="experts", verbose_name=_("fields"))
    title = models.CharField(_("professional title"), max_length=64, blank=True)
    employer_name = models.CharField(_("employer"), max_length=200)
    employer_uscc = models.CharField(
        _("employer's unified social credit code"), max_length=18, blank=True, validators=[validate_uscc]
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ExpertQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["is_active", "kind"]), models.Index(fields=["employer_uscc"]),
            models.Index(fields=["name"]),
        ]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self):
        return self.name


class ExpertEmployment(models.Model):
    """A former employer, with dates: an employer of the last 3 years is a conflict."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="employments")
    employer_name = models.CharField(_("employer"), max_length=200)
    employer_uscc = models.CharField(_("unified social credit code"), max_length=18, validators=[validate_uscc])
    started_on = models.DateField(_("from"), null=True, blank=True)
    ended_on = models.DateField(_("until"))

    class Meta:
        ordering = ["-ended_on"]
        indexes = [models.Index(fields=["employer_uscc", "ended_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(started_on__isnull=True) | Q(started_on__lte=models.F("ended_on")),
                name="employment_starts_before_it_ends",
            )
        ]
        verbose_name = _("former employment")
        verbose_name_plural = _("former employments")

    def __str__(self):
        return self.employer_name


class ExpertTie(models.Model):
    """A declared tie to an organisation (shareholding, family, advisory role…): always a conflict."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="ties")
    organization_name = models.CharField(_("organisation"), max_length=200)
    organization_uscc = models.CharField(_("unified social credit code"), max_length=18, validators=[validate_uscc])
    description = models.CharField(_("nature of the tie"), max_length=200)
    declared_on = models.DateField(_("declared on"), auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["organization_uscc"])]
        verbose_name = _("declared tie")
        verbose_name_plural = _("declared ties")

    def __str__(self):
        return self.organization_name
