"""What a payee has already received against a rule's cap in the period of an event (POLICY.md §6
"caps accumulate per payee per period"): the `paid_in_period` the engine subtracts from the cap.

Sums the payee's live (not cancelled) entitlements of the same rule code and payee role:
    year   — entitlements of the calendar year of `day` (ZZ23-3, ZZ17-5, ZZ17-10C/E, ZZ17-11 …);
    once   — ever; with a `subject` (the total an award counts against, `Claim.cap_key`: payee, rule,
             level or family, identifier — see `subsidies.awards`) only the claims for that same
             total, plus any entitlement made without a claim (yearly job);
    claim  — what was paid on the claim `claim_id` itself (nothing for a new claim).
"""
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum

from subsidies.models import Claim, Entitlement

ZERO = Decimal("0.00")


def paid_in_period(
    payee_org_id: int, rule_code: str, cap_period: str, day: date, payee_role: str, *,
    subject: str = "", claim_id: int | None = None,
) -> Decimal:
    rows = Entitlement.objects.live().filter(payee_id=payee_org_id, rule_code=rule_code, payee_role=payee_role)
    if cap_period == "year":
        rows = rows.filter(year=day.year)
    elif cap_period == "once":
        if subject:
            rows = rows.filter(Q(claim__cap_key=subject) | Q(claim__isnull=True))
    elif cap_period == "claim":
        if claim_id is None:
            return ZERO
        rows = rows.filter(claim_id=claim_id)
    else:
        raise ValueError(cap_period)
    return rows.aggregate(total=Sum("amount"))["total"] or ZERO


def earlier_claims_for_award(claim) -> list:
    """Other claims, under review or approved, for the same award (`Claim.award_key`) paid to one of
    this claim's payee organisations; the oldest first."""
    if not claim.award_key:
        return []
    organizations = {claim.organization_id, *(row.organization_id for row in claim.payees.all())}
    return list(
        Claim.objects.filter(rule_code=claim.rule_code, award_key=claim.award_key,
                             state__in=(Claim.State.SUBMITTED, Claim.State.APPROVED))
        .filter(Q(organization_id__in=organizations) | Q(payees__organization_id__in=organizations))
        .exclude(pk=claim.pk).select_related("organization").distinct().order_by("submitted_at", "pk")
    )


def received_for_award(claim) -> list:
    """What this claim's payees already received (live entitlements) against the same total: shown
    on the claim so applicant and manager see what a "once" or 合计 award has paid so far."""
    if not claim.cap_key:
        return []
    organizations = {claim.organization_id, *(row.organization_id for row in claim.payees.all())}
    return list(
        Entitlement.objects.live().filter(rule_code=claim.rule_code, claim__cap_key=claim.cap_key,
                                          payee_id__in=organizations)
        .exclude(claim_id=claim.pk).select_related("claim", "payee").order_by("event_date", "pk")
    )
