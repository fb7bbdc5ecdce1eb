"""Reads behind the claim pages: scoped per user, a constant number of queries per page."""
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from institutes.models import Institute
from institutes.selectors_annual import claim_support_bars
from portal.accounts.models import Organization
from subsidies.models import Claim
from subsidies.models.claims import YEARLY_RULE_CODES
from subsidies.scope import offer_reason

from .rules import rules_by_document


def applicant_claims(user):
    if not user.organization_id:
        return Claim.objects.none()
    return Claim.objects.filter(organization_id=user.organization_id).with_list_data().order_by("-updated_at", "-pk")


def manager_queue(user, *, q: str = "", program: str = "", state: str = "", rule: str = ""):
    """The claims of the programs `user` manages, never drafts; submitted ones by default, oldest first."""
    if not user.has_role("program_manager"):
        return Claim.objects.none()
    rows = Claim.objects.filter(program__in=user.managed_programs.all()).exclude(state=Claim.State.DRAFT)
    rows = rows.with_list_data()
    if program:
        rows = rows.filter(program__code=program)
    if rule:
        rows = rows.filter(rule_code=rule)
    if state:
        rows = rows.filter(state=state)
    if q:
        rows = rows.filter(Q(reference__icontains=q) | Q(organization__name__icontains=q) | Q(subject__icontains=q))
    return rows.order_by("submitted_at", "pk")


def claim_for_user(user, pk: int) -> Claim:
    return (
        Claim.objects.for_user(user)
        .with_list_data()
        .select_related("rule_version", "created_by")
        .select_related("program__region", "organization__region", "institute__program", "institute__lead_unit__region")
        .prefetch_related("payees__organization__region", "attachments")
        .get(pk=pk)
    )


@dataclass
class OfferGroup:
    """One document on the claim start page: the rules offered to the unit, and the others with why."""

    document: str
    offered: list = field(default_factory=list)
    not_offered: list = field(default_factory=list)  # [(RuleEntry, reason)]


def claimable_rules(user) -> list[OfferGroup]:
    """The rules `user`'s unit may claim (event-based codes the program's scope covers the unit for;
    the yearly ones are computed), by document, with a reason for each rule not offered
    (`subsidies.scope.offer_reason`). Three queries whatever the number of rules or institutes."""
    from subsidies.models import PolicyRuleVersion

    codes = set(PolicyRuleVersion.objects.quoting().exclude(program=None).values_list("code", flat=True)) - YEARLY_RULE_CODES
    organization = Organization.objects.select_related("region").filter(pk=user.organization_id).first()
    led = list(Institute.objects.filter(lead_unit_id=user.organization_id).select_related(
        "program", "lead_unit__region")) if organization else []
    today = timezone.localdate()
    groups = []
    for group in rules_by_document(codes):
        offers = OfferGroup(document=group.document)
        for entry in group.rules:
            reason = offer_reason(entry.code, organization, led, today) if organization else _(
                "Your account belongs to no organisation.")
            if reason:
                offers.not_offered.append((entry, reason))
            else:
                offers.offered.append(entry)
        groups.append(offers)
    return groups


def rule_offer_reason(user, code: str) -> str:
    """Why `user`'s unit is not offered `code` ("" when it is), as on the start page."""
    organization = Organization.objects.select_related("region").filter(pk=user.organization_id).first()
    if organization is None:
        return _("Your account belongs to no organisation.")
    led = Institute.objects.filter(lead_unit_id=organization.pk).select_related("program", "lead_unit__region")
    return offer_reason(code, organization, list(led), timezone.localdate())


def barred_reasons(program, organization_ids, year: int, institute_id=None) -> list[str]:
    """Why a claim under `program` in `year` is refused, one sentence per bar with its ground and end
    date; empty when nothing bars it. ZZ23 第十三条 "考核结果为不合格的，下一年度不得申请相应财政支持":
    the claim's institute — or, when it names none, the claimant's institutes in `program` — graded
    不合格 for `year - 1`. Other programs and later years are not barred (`claim_support_bars`)."""
    return [bar.message() for bar in claim_support_bars(program, organization_ids, year, institute_id)]
