"""Rule versions kept as data (POLICY.md §5–§7): the calculator's `RuleVersion`, one row each.

The catalog (`subsidies.calculator.catalog`) is loaded into this table by `subsidies.rule_catalog
.load_rules()` (the data migration and the test reference data call it); program managers add
versions (new amounts, caps, windows) and, for HN23, new rule codes in the staff pages. A row is
validated by building its `RuleVersion`, so the engine's own checks apply to what staff enter.
"""
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from subsidies.calculator import CAP_PERIODS, RULE_TYPES, RuleVersion

RULE_TYPE_CHOICES = [(name, name) for name in RULE_TYPES]
CAP_PERIOD_CHOICES = list(CAP_PERIODS.items())


class PolicyRuleVersionQuerySet(models.QuerySet):
    def of_code(self, code: str):
        return self.filter(code=code)

    def managed_by(self, user):
        """The versions of the programs `user` manages (nothing for anyone else)."""
        if not (user.is_authenticated and user.has_role("program_manager")):
            return self.none()
        return self.filter(program__in=user.managed_programs.all())


class PolicyRuleVersion(models.Model):
    """One version of one rule: code, document article, rule type with its parameters, payees,
    cap period and the window of event dates it applies to. Rows are never edited: a change is a
    new version, so an event keeps the version of its own date."""

    code = models.CharField(_("rule code"), max_length=16, db_index=True)
    document = models.CharField(_("document"), max_length=200)
    article = models.CharField(_("article"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    rule_type = models.CharField(_("rule type"), max_length=32, choices=RULE_TYPE_CHOICES)
    params = models.JSONField(_("parameters"), default=dict, encoder=DjangoJSONEncoder)
    payees = models.JSONField(_("payees"), default=list)
    cap_period = models.CharField(_("cap period"), max_length=8, choices=CAP_PERIOD_CHOICES, default="claim")
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    program = models.ForeignKey(
        "institutes.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="rule_versions",
        verbose_name=_("program"),
    )
    note = models.TextField(_("reason for the version"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    objects = PolicyRuleVersionQuerySet.as_manager()

    class Meta:
        ordering = ["code", "effective_from", "pk"]
        constraints = [
            # Two versions of one code starting the same day would make the choice ambiguous.
            models.UniqueConstraint(fields=["code", "effective_from"], name="one_rule_version_per_code_and_start"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="rule_version_window_in_order",
            ),
        ]
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")

    def __str__(self):
        return f"{self.code} {self.window_label}"

    @property
    def program_code(self) -> str:
        return self.code.split("-", 1)[0]

    @property
    def window_label(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "…"
        return f"{self.effective_from.isoformat()} – {end}"

    @property
    def display_title(self) -> str:
        """The title in the active language (catalog titles are English msgids; staff write Chinese)."""
        return gettext(self.title) if self.title else ""

    def as_rule_version(self) -> RuleVersion:
        """The calculator's RuleVersion of this row; RuleDefinitionError when it does not validate."""
        return RuleVersion(
            code=self.code,
            document=self.document,
            article=self.article,
            title=self.display_title,
            rule_type=self.rule_type,
            params=self.params,
            payees=tuple(self.payees),
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            cap_period=self.cap_period,
        )

    def in_force_on(self, day) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)
