from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .validators import validate_uscc

ROLE_APPLICANT = "applicant"
ROLE_DISTRICT = "district"
ROLE_PROGRAM_MANAGER = "program_manager"
ROLE_EXPERT = "expert"
ROLE_FINANCE = "finance"
ROLES = (ROLE_APPLICANT, ROLE_DISTRICT, ROLE_PROGRAM_MANAGER, ROLE_EXPERT, ROLE_FINANCE)


class Region(models.Model):
    """Province → city → district. `path` holds the codes from the root so a subtree is one prefix."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District / county")

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=128, db_index=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = f"{self.parent.path if self.parent else ''}{self.code}/"
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return self.name if not self.parent else f"{self.parent.full_name}{self.name}"


class Department(models.TextChoices):
    """Which bureau a government user works in; some programs need several to sign off."""

    INDUSTRY = "industry", _("Industry and IT bureau")
    FINANCE = "finance", _("Finance bureau")
    SCIENCE = "science", _("Science and technology bureau")


class Organization(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        UNIVERSITY = "university", _("University")
        RESEARCH_INSTITUTE = "research_institute", _("Research institute")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.ENTERPRISE)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name=_("region"), related_name="+")
    address = models.CharField(_("address"), max_length=255, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    on_dishonesty_list = models.BooleanField(
        _("on the dishonesty list"), default=False,
        help_text=_("Set by staff from the credit system; blocks applications."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class User(AbstractUser):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT,
        related_name="members", verbose_name=_("organisation"),
    )
    regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("regions served"),
        help_text=_("For district bureau staff: the regions whose filings they review."),
    )
    department = models.CharField(_("department"), max_length=16, choices=Department.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        if not self.is_authenticated or not self.pk:
            return frozenset()
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    @cached_property
    def served_region_paths(self) -> tuple[str, ...]:
        return tuple(self.regions.values_list("path", flat=True))

    def region_scope(self, field: str) -> Q:
        """A Q matching rows whose `field` (a Region relation) lies in a region this user serves."""
        paths = self.served_region_paths
        if not paths:
            return Q(pk__in=[])
        query = Q()
        for path in paths:
            query |= Q(**{f"{field}__path__startswith": path})
        return query

    def serves_region(self, region: Region) -> bool:
        return any(region.path.startswith(path) for path in self.served_region_paths)


class Invitation(models.Model):
    """A member of a lead unit invites a colleague; the link registers them into the same unit."""

    VALID_DAYS = 7

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return self.email

    def is_open(self, now) -> bool:
        from datetime import timedelta

        return self.accepted_at is None and now - self.created_at < timedelta(days=self.VALID_DAYS)
