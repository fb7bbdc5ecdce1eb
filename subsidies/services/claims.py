"""Use cases of claims: draft, evidence, submit, review (approve / return / reject), withdraw.

Every state change goes through `portal.workflow.transition`. Submitting and approving quote the
claim with the version of the rule in force on the event date (`selectors.rules.version_row_for`)
and what each payee already received against the cap (`selectors.caps.paid_in_period`); a claim
that earns nothing (threshold, "once" rule already paid, cap used up, outside the window) or comes
from a unit barred from fiscal support is refused with the reason. Approval turns the quote into
entitlements (`services.entitlements.create_from_claim`)."""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import Organization, User
from portal.audit.services import record_event
from portal.formatting import yuan_wan
from portal.notify.services import notify
from portal.workflow import TransitionRefused, transition
from subsidies.calculator import QuoteInputError, RuleDefinitionError, quote
from subsidies.models import Claim, ClaimAttachment, ClaimPayee, PolicyRuleVersion
from subsidies.models.claims import YEARLY_RULE_CODES
from subsidies.awards import AwardKeys, award_keys, identifier_of
from subsidies.scope import check_claim
from subsidies.selectors.caps import earlier_claims_for_award, paid_in_period
from subsidies.selectors.claims import barred_reasons
from subsidies.selectors.rules import version_row_for


@dataclass
class ClaimData:
    """What the applicant enters: the event, the facts the rule reads, and who is paid."""

    event_date: object
    subject: str
    facts: dict
    institute: object = None
    payees: dict | None = None  # {payee role: Organization} for roles not paid to the claimant
    award_identifier: str = ""  # the patent, standard, product category … a once-per-thing award is for


# ---- the draft ---------------------------------------------------------------------------------

def claimable_version(code: str) -> PolicyRuleVersion:
    row = PolicyRuleVersion.objects.quoting().filter(code=code).exclude(program=None).order_by("-effective_from").first()
    if row is None or code in YEARLY_RULE_CODES:
        raise TransitionRefused(_("Rule %(rule)s cannot be claimed.") % {"rule": code})
    return row


@transaction.atomic
def create_claim(user, code: str, data: ClaimData, request=None) -> Claim:
    if not user.has_perm("subsidies.add_claim"):
        raise PermissionDenied
    row = claimable_version(code)
    claim = Claim.objects.create(
        program=row.program, rule_code=code, organization=user.organization, created_by=user,
        event_date=data.event_date, subject=data.subject, facts=data.facts, institute=data.institute,
        award_identifier=data.award_identifier,
    )
    claim.reference = f"BZ-{code}-{timezone.localdate().year}-{claim.pk:06d}"
    claim.save(update_fields=["reference"])
    _set_payees(claim, data.payees)
    record_event(claim, action="create", action_label=gettext_lazy("Draft created"), actor=user,
                 to_state=claim.state, request=request)
    return claim


@transaction.atomic
def save_claim(claim: Claim, user, data: ClaimData, *, seen_version: int, request=None) -> Claim:
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    _ensure_editable(locked, user)
    if locked.version != seen_version:
        raise TransitionRefused(_("Someone else changed this claim meanwhile. Reload the page and try again."))
    Claim.objects.filter(pk=claim.pk).update(
        event_date=data.event_date, subject=data.subject, facts=data.facts, institute=data.institute,
        award_identifier=data.award_identifier, version=F("version") + 1, updated_at=timezone.now(),
    )
    _set_payees(claim, data.payees)
    claim.refresh_from_db()
    return claim


def _set_payees(claim: Claim, payees: dict | None) -> None:
    claim.payees.all().delete()
    ClaimPayee.objects.bulk_create([
        ClaimPayee(claim=claim, role=role, organization=organization)
        for role, organization in (payees or {}).items() if organization is not None
    ])


def _ensure_editable(claim: Claim, user) -> None:
    if not user.has_perm("subsidies.file_claim", claim):
        raise PermissionDenied
    if not claim.is_editable:
        raise TransitionRefused(
            _("The claim can no longer be changed: its status is “%(state)s”.") % {"state": claim.get_state_display()}
        )


@transaction.atomic
def add_evidence(claim: Claim, user, uploaded_file, description: str = "", request=None) -> ClaimAttachment:
    """Store one evidence file after checking its content (PDF, image, Word, Excel; size limit)."""
    _ensure_editable(claim, user)
    item = ClaimAttachment.store(uploaded_file, user, claim=claim, description=description)
    record_event(claim, action="add_evidence", action_label=gettext_lazy("Evidence added"), actor=user,
                 data={"file": item.original_name}, request=request)
    return item


@transaction.atomic
def remove_evidence(item: ClaimAttachment, user, request=None) -> None:
    _ensure_editable(item.claim, user)
    record_event(item.claim, action="remove_evidence", action_label=gettext_lazy("Evidence removed"), actor=user,
                 data={"file": item.original_name}, request=request)
    item.file.delete(save=False)
    item.delete()


# ---- quoting -------------------------------------------------------------------------------------

def keys_of(claim: Claim, version, facts: dict) -> AwardKeys:
    """The award and total keys of the claim (`subsidies.awards`): payee, rule, level and the
    award's official identifier, never the subject the applicant types."""
    milestones = tuple(_milestones_crossed(version.params, facts)) if version.rule_type == "milestones" else ()
    enterprise_id = payee_ids(claim, version.payees).get("enterprise")
    return award_keys(claim.rule_code, version, facts, identifier=claim.award_identifier,
                      enterprise_id=enterprise_id, milestones=milestones)


def _money(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _milestones_crossed(params: dict, facts: dict) -> list:
    value, previous = _money(facts.get(params["fact"])), _money(facts.get(params["previous_fact"]))
    if value is None or previous is None:
        return []
    return [t["above"] for t in params["thresholds"] if previous <= t["above"] < value]


def _facts_for_quote(claim: Claim, version) -> dict:
    """The claim's facts; for milestone rules the previous peak is at least the highest value already
    claimed and approved, so a milestone is paid once even if an earlier claim is forgotten."""
    facts = dict(claim.facts)
    if version.rule_type != "milestones":
        return facts
    fact, previous_fact = version.params["fact"], version.params["previous_fact"]
    earlier = (
        Claim.objects.filter(organization_id=claim.organization_id, rule_code=claim.rule_code,
                             state=Claim.State.APPROVED).exclude(pk=claim.pk).values_list("facts", flat=True)
    )
    peaks = [_money(item.get(fact)) for item in earlier]
    peaks = [peak for peak in peaks if peak is not None]
    given = _money(facts.get(previous_fact))
    if peaks and given is not None and max(peaks) > given:
        facts[previous_fact] = str(max(peaks))
    return facts


def payee_ids(claim: Claim, roles) -> dict[str, int]:
    named = {row.role: row.organization_id for row in claim.payees.all()}
    return {role: named.get(role, claim.organization_id) for role in roles}


def quote_claim(claim: Claim) -> tuple[dict, PolicyRuleVersion]:
    """The engine's answer for the claim now (caps as paid so far) and the version row it used.
    Bad facts raise TransitionRefused with the engine's message."""
    row = version_row_for(claim.rule_code, claim.event_date)
    if row is None:
        versions = [r.as_rule_version() for r in PolicyRuleVersion.objects.quoting().of_code(claim.rule_code)]
        answer = quote({"rule": claim.rule_code, "date": claim.event_date}, versions)
        return answer, None
    version = row.as_rule_version()
    facts = _facts_for_quote(claim, version)
    _check_identifier(claim)
    keys = keys_of(claim, version, facts)
    paid = {
        role: paid_in_period(org_id, claim.rule_code, version.cap_period, claim.event_date, role,
                             subject=keys.total, claim_id=claim.pk)
        for role, org_id in payee_ids(claim, version.payees).items()
    }
    payload = {
        "rule": claim.rule_code, "date": claim.event_date, "facts": facts,
        "paid_in_period": paid if len(paid) > 1 else next(iter(paid.values())),
    }
    try:
        answer = quote(payload, [version])
    except (QuoteInputError, RuleDefinitionError) as error:
        raise TransitionRefused(_("The facts of the claim do not fit the rule: %(reason)s") % {"reason": error})
    claim.cap_key, claim.award_key = keys.total, keys.award  # saved with the transition recording the quote
    return answer, row


def _check_identifier(claim: Claim) -> None:
    identifier = identifier_of(claim.rule_code)
    error = identifier.error(claim.award_identifier) if identifier else None
    if error:
        raise TransitionRefused(
            _("%(error)s Edit the claim to enter it.") % {"error": error}
        )


def _check_not_awarded(claim: Claim, row) -> None:
    """A "once" award already paid, or claimed by another claim under review, is refused with the
    earlier claim named: a new description does not make a new award (POLICY.md §6)."""
    if row is None or row.cap_period != "once":
        return
    earlier = earlier_claims_for_award(claim)
    if earlier:
        first = earlier[0]
        raise TransitionRefused(
            _("This award was already claimed by %(unit)s in claim %(reference)s (%(state)s, %(amount)s); "
              "a “once” award is paid once per payee, whatever the description. Withdraw this claim, or "
              "change the level or identifier if it is really another award.")
            % {"unit": first.organization.name, "reference": first.reference, "state": first.get_state_display(),
               "amount": yuan_wan(first.quoted_amount or 0)}
        )


def preview(claim: Claim) -> tuple[dict | None, str]:
    """(answer, error) for showing the applicant what the claim would earn now; never raises."""
    try:
        answer, row = quote_claim(claim)
        _check_not_awarded(claim, row)
    except TransitionRefused as refusal:
        return None, refusal.message
    return answer, ""


def _due(claim: Claim) -> tuple[dict, PolicyRuleVersion]:
    answer, row = quote_claim(claim)
    _check_not_awarded(claim, row)
    if not answer["eligible"]:
        trace = answer["trace"]
        steps = " ".join(trace[1:] if len(trace) > 1 else trace)  # the steps after the rule's description
        raise TransitionRefused(_("No award is due. %(steps)s") % {"steps": steps})
    return answer, row


def _check_not_barred(claim: Claim) -> None:
    """Refused, with the ground and the end date, when the claim's institute (or the claimant's
    institute in the claim's program) was graded 不合格 for last year (ZZ23 第十三条 "下一年度不得申请
    相应财政支持"): that program's support this year only."""
    reasons = barred_reasons(claim.program_id, {claim.organization_id}, timezone.localdate().year,
                             institute_id=claim.institute_id)
    if reasons:
        raise TransitionRefused(" ".join(reasons))


# ---- the workflow -------------------------------------------------------------------------------

def _url(claim):
    return reverse("subsidies:claim_detail", args=[claim.pk])


@transaction.atomic
def submit_claim(claim: Claim, user, request=None) -> dict:
    """Submit (or resubmit) a draft or returned claim after quoting it; the managers are notified."""
    if not user.has_perm("subsidies.file_claim", claim):
        raise PermissionDenied
    action = "resubmit" if claim.state == Claim.State.RETURNED else "submit"
    if claim.state not in (Claim.State.DRAFT, Claim.State.RETURNED):
        transition(claim, action, user, request=request)  # refused with the status message
    _check_not_barred(claim)
    check_claim(claim)  # program scope and evidence (subsidies.scope)
    answer, row = _due(claim)
    transition(claim, action, user, request=request, answer=answer, version=row)
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Claim %(reference)s (%(rule)s) from %(unit)s awaits your review.") % {
            "reference": claim.reference, "rule": claim.rule_code, "unit": claim.organization.name}
    notify(claim.program.managers.all(), message, _url(claim))
    return answer


@transaction.atomic
def approve_claim(claim: Claim, user, comment: str = "", request=None) -> list:
    """Approve with the amount quoted now (caps as paid so far) and create the entitlements."""
    from subsidies.services.entitlements import create_from_claim

    if not user.has_perm("subsidies.review_claim", claim):
        raise PermissionDenied
    if claim.state != Claim.State.SUBMITTED:
        transition(claim, "approve", user, request=request)  # refused with the status message
    _check_not_barred(claim)
    check_claim(claim)  # program scope and evidence (subsidies.scope)
    _lock_payees(claim)
    answer, row = _due(claim)
    transition(claim, "approve", user, comment=comment, request=request, answer=answer, version=row)
    entitlements = create_from_claim(claim, user)
    _tell_applicant(claim, gettext_lazy("Claim %(reference)s was approved: %(amount)s."))
    return entitlements


def _lock_payees(claim: Claim) -> None:
    """Two managers approving claims of the same payee at once are served one after the other, so
    the second sees the first's entitlements against the cap and the "once" award."""
    ids = sorted({claim.organization_id, *(row.organization_id for row in claim.payees.all())})
    list(Organization.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Give the reason; the applicant reads it."))
    return reason


@transaction.atomic
def return_claim(claim: Claim, user, reason: str, request=None) -> None:
    transition(claim, "return_for_revision", user, comment=_require_reason(reason), request=request)
    _tell_applicant(claim, gettext_lazy("Claim %(reference)s was returned for revision: %(reason)s"))


@transaction.atomic
def reject_claim(claim: Claim, user, reason: str, request=None) -> None:
    transition(claim, "reject", user, comment=_require_reason(reason), request=request)
    _tell_applicant(claim, gettext_lazy("Claim %(reference)s was rejected: %(reason)s"))


@transaction.atomic
def withdraw_claim(claim: Claim, user, comment: str = "", request=None) -> None:
    transition(claim, "withdraw", user, comment=comment, request=request)


def _tell_applicant(claim: Claim, message) -> None:
    """Every active applicant account of the claimant is told of a decision."""
    with translation.override(settings.LANGUAGE_CODE):
        text = message % {
            "reference": claim.reference, "amount": yuan_wan(claim.quoted_amount or 0),
            "reason": claim.decision_reason,
        }
    members = User.objects.filter(organization_id=claim.organization_id, is_active=True, groups__name="applicant")
    notify(members, text, _url(claim))
