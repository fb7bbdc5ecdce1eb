"""What the portal does with published grades and revocations (ZZ23 第十三、十四条; HN23 实施方案 四(五)).

- 不合格 → that institute may receive no fiscal support of its program in the following year only
  (`selectors_annual.support_bars` / `claim_support_bars`, read by the subsidies app) — an audit event and a notice to the unit;
- 不合格 in two consecutive years (N-1 and N), or no evaluation for a year → a revocation *proposal*
  the program manager confirms with the document reference (or dismisses);
- HN23: a failed yearly assessment opens 6 months of rectification; passing the next one ends it;
  failing again → a revocation proposal;
- the other grounds of 第十四条 → manual revocation with reason and evidence;
- a confirmed revocation revokes the institute through the door (which starts the 3-year ban read by
  `institutes.eligibility`); funds obtained by fraud are flagged for finance's recovery.
"""
import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.services import audit_event, record_event, record_events
from portal.notify.services import notify, notify_each
from portal.workflow import TransitionRefused, transition

from .lifecycle import add_months, members_by_organization, members_of
from .models import AnnualGrade, AnnualReport, Grade, Institute, Revocation
from .uploads import inspect_upload

RECTIFICATION_PROGRAMS = ("HN23",)  # yearly assessment: fail → 6 months' rectification, fail again → revoked


def _members(institute):
    return members_of(institute.lead_unit_id)


def _url(institute) -> str:
    return reverse("institutes:institute_detail", args=[institute.pk])


# ---- published grades ----------------------------------------------------------------------------

@transaction.atomic
def apply_published_grades(grades: list[AnnualGrade], user) -> list[Revocation]:
    """Apply the consequences of a program-year's published grades; returns the revocations proposed.

    Called by the annual evaluation after publishing (B). Idempotent per grade: a proposal that
    exists already is not made twice."""
    proposals = []
    grades = [g for g in grades if g.published_on is not None]
    if not grades:
        return proposals
    ids = [g.institute_id for g in grades]
    institutes = {i.pk: i for i in Institute.objects.select_related("program", "lead_unit").filter(pk__in=ids)}
    years = {g.year for g in grades}
    neighbours = {
        (g.institute_id, g.year): g.grade
        for g in AnnualGrade.objects.published().filter(
            institute_id__in=ids, year__in={y - 1 for y in years} | {y + 1 for y in years}
        )
    }
    fails = []
    for grade in grades:
        institute = institutes[grade.institute_id]
        if institute.state in (Institute.State.REVOKED, Institute.State.CANCELLED):
            continue
        if institute.program.code in RECTIFICATION_PROGRAMS and not institute.is_cultivation_unit:
            proposal = _hn23_assessment(institute, grade, user)
        else:
            proposal = None
            if grade.grade == Grade.FAIL:
                fails.append((institute, grade))
                pair = _consecutive_fail(grade, neighbours)
                if pair:
                    proposal = propose_revocation(
                        institute, Revocation.Grounds.TWO_FAILS, user=user,
                        reason=_("Graded 不合格 in %(first)s and %(second)s.") % {"first": pair[0], "second": pair[1]},
                        facts={"fail_years": list(pair)},
                    )
        if proposal:
            proposals.append(proposal)
    _fail_notices(fails, user)
    proposals.extend(_missing_evaluations(grades, user))
    return proposals


def _consecutive_fail(grade, neighbours) -> tuple[int, int] | None:
    """Years N-1 and N both 不合格 (two fails years apart do not count)."""
    if neighbours.get((grade.institute_id, grade.year - 1)) == Grade.FAIL:
        return grade.year - 1, grade.year
    if neighbours.get((grade.institute_id, grade.year + 1)) == Grade.FAIL:
        return grade.year, grade.year + 1
    return None


def _fail_notices(fails: list, user) -> None:
    """Audit and tell each unit graded 不合格 that it may not claim support next year, in bulk."""
    messages = [
        (institute, grade, _("%(name)s was graded 不合格 for %(year)s: no fiscal support may be claimed for %(next)s.")
         % {"name": institute.name, "year": grade.year, "next": grade.year + 1})
        for institute, grade in fails
    ]
    record_events([
        audit_event(institute, action="graded_fail", action_label=_("Graded 不合格: no fiscal support next year"),
                    actor=user, comment=message, data={"year": grade.year, "barred_year": grade.year + 1})
        for institute, grade, message in messages
    ])
    members = members_by_organization({institute.lead_unit_id for institute, _grade in fails})
    notify_each((members.get(institute.lead_unit_id, []), message, _url(institute)) for institute, _g, message in messages)


def _hn23_assessment(institute, grade, user) -> Revocation | None:
    """HN23 实施方案 四(五): 考核不合格的给予6个月整改期，整改后仍不合格的撤销称号."""
    failed = grade.grade == Grade.FAIL
    if failed and institute.state == Institute.State.ACTIVE:
        deadline = add_months(grade.published_on, Institute.RECTIFICATION_MONTHS)
        comment = _("Yearly assessment %(year)s not passed: rectification until %(deadline)s.") % {
            "year": grade.year, "deadline": deadline.isoformat()}
        transition(institute, "start_annual_rectification", user, comment=comment, deadline=deadline,
                   data={"year": grade.year})
        notify(_members(institute), f"{institute.name}: {comment}", _url(institute))
        return None
    if failed and institute.state == Institute.State.RECTIFYING:
        return propose_revocation(
            institute, Revocation.Grounds.HN23_FAILED_RECTIFICATION, user=user,
            reason=_("Yearly assessment %(year)s not passed again after rectification.") % {"year": grade.year},
            facts={"year": grade.year},
        )
    if not failed and institute.state == Institute.State.RECTIFYING:
        comment = _("Yearly assessment %(year)s passed: rectification ended.") % {"year": grade.year}
        transition(institute, "end_annual_rectification", user, comment=comment, data={"year": grade.year})
        notify(_members(institute), f"{institute.name}: {comment}", _url(institute))
    return None


def _missing_evaluations(grades, user) -> list[Revocation]:
    """Institutes of the graded programs that were in operation the whole year and took no part:
    no grade for it and no annual report filed for it (未参加年度评估) → proposal. An institute that
    filed its report but was not due for grading (e.g. SJZ22's 3-year cycle) is left alone."""
    proposals = []
    program_of = dict(Institute.objects.filter(pk__in=[g.institute_id for g in grades]).values_list("pk", "program_id"))
    program_years = {(program_of[g.institute_id], g.year) for g in grades}
    for program_id, year in program_years:
        graded = AnnualGrade.objects.filter(year=year).values("institute_id")
        reported = AnnualReport.objects.filter(year=year, submission_round__gt=0).values("institute_id")
        missing = Institute.objects.filter(
            program_id=program_id, state__in=(Institute.State.ACTIVE, Institute.State.RECTIFYING),
            is_cultivation_unit=False, recognized_on__year__lt=year,
        ).exclude(pk__in=graded).exclude(pk__in=reported).select_related("program")
        for institute in missing:
            proposal = propose_revocation(
                institute, Revocation.Grounds.NO_EVALUATION, user=user,
                reason=_("No annual report and no annual evaluation for %(year)s.") % {"year": year},
                facts={"year": year},
            )
            if proposal:
                proposals.append(proposal)
    return proposals


# ---- proposals, confirmation, manual revocation --------------------------------------------------

@transaction.atomic
def propose_revocation(institute, grounds, *, user, reason: str, facts: dict | None = None) -> Revocation | None:
    """Record a revocation proposal for the manager; None if one is pending or decided already."""
    existing = Revocation.objects.filter(institute=institute).first()
    if existing and existing.state != Revocation.State.DISMISSED:
        return None
    if existing:
        transition(existing, "propose_again", None, comment=reason, grounds=grounds, reason=reason, facts=facts)
        revocation = existing
    else:
        revocation = Revocation.objects.create(
            institute=institute, grounds=grounds, reason=reason, facts=facts or {},
            proposed_on=timezone.localdate(), proposed_by=user,
        )
        record_event(revocation, action="propose", action_label=_("Revocation proposed"), actor=user,
                     to_state=revocation.state, comment=reason, data={"grounds": grounds, **(facts or {})})
    record_event(institute, action="revocation_proposed", action_label=_("Revocation proposed"), actor=user,
                 comment=reason, data={"grounds": grounds})
    message = _("Revocation of %(name)s proposed: %(reason)s") % {"name": institute.name, "reason": reason}
    notify(_members(institute), message, _url(institute))
    notify(institute.program.managers.filter(is_active=True), message, _url(institute))
    return revocation


def _store_evidence(revocation, evidence) -> None:
    inspected = inspect_upload(evidence)
    revocation.evidence_name = evidence.name[:255]
    revocation.evidence_content_type = inspected.content_type
    revocation.evidence_sha256 = inspected.sha256
    revocation.evidence.save(evidence.name, evidence, save=False)


@transaction.atomic
def confirm_revocation(
    revocation: Revocation, user, *, document_reference: str, decided_on: datetime.date | None = None,
    comment: str = "", request=None,
) -> Institute:
    """The manager confirms with the document reference: the institute is revoked (3-year ban)."""
    if not document_reference.strip():
        raise TransitionRefused(_("Give the reference of the revocation document."))
    decided_on = decided_on or timezone.localdate()
    transition(revocation, "confirm", user, comment=comment or revocation.reason, request=request,
               document_reference=document_reference.strip(), decided_on=decided_on)
    institute = revocation.institute
    transition(institute, "revoke", user, comment=f"{document_reference} {revocation.get_grounds_display()}",
               request=request, revoked_on=decided_on,
               data={"grounds": revocation.grounds, "document_reference": document_reference,
                     "funds_obtained_by_fraud": revocation.funds_obtained_by_fraud})
    message = _("The title of %(name)s is revoked (%(document)s): %(grounds)s. The unit may not apply again for 3 years.") % {
        "name": institute.name, "document": document_reference, "grounds": revocation.get_grounds_display()}
    notify(_members(institute), message, _url(institute))
    if revocation.funds_obtained_by_fraud:
        notify(User.objects.filter(groups__name="finance", is_active=True),
               _("Funds obtained by fraud by %(unit)s (%(name)s) are to be recovered: %(document)s.") % {
                   "unit": institute.lead_unit.name, "name": institute.name, "document": document_reference},
               _url(institute))
    return institute


@transaction.atomic
def dismiss_revocation(revocation: Revocation, user, *, comment: str, request=None) -> None:
    if not comment.strip():
        raise TransitionRefused(_("Please give the reason for dismissing the proposal."))
    transition(revocation, "dismiss", user, comment=comment, request=request)
    notify(_members(revocation.institute),
           _("The proposed revocation of %(name)s was dismissed.") % {"name": revocation.institute.name},
           _url(revocation.institute))


@transaction.atomic
def revoke_manually(
    institute: Institute, user, *, grounds: str, reason: str, document_reference: str, evidence,
    funds_obtained_by_fraud: bool = False, decided_on: datetime.date | None = None, request=None,
) -> Revocation:
    """第十四条 (fraud, major violation, accident, misconduct): the manager revokes with reason and evidence."""
    if not user.has_perm("institutes.manage_institute", institute):
        raise PermissionDenied
    if grounds not in Revocation.MANUAL_GROUNDS:
        raise TransitionRefused(_("Choose one of the grounds of article 14."))
    if not reason.strip() or evidence is None:
        raise TransitionRefused(_("Give the reason and attach the evidence."))
    if institute.state not in Institute.OPERATING_STATES:
        raise TransitionRefused(
            _("This cannot be done while the status is “%(state)s”.") % {"state": institute.get_state_display()})
    revocation = Revocation.objects.filter(institute=institute).first()
    if revocation and revocation.state == Revocation.State.CONFIRMED:
        raise TransitionRefused(_("The institute is revoked already."))
    if revocation is None:
        revocation = Revocation(institute=institute, grounds=grounds, reason=reason,
                                proposed_on=timezone.localdate(), proposed_by=user)
    elif revocation.state == Revocation.State.DISMISSED:
        transition(revocation, "propose_again", user, comment=reason, grounds=grounds, reason=reason)
    revocation.grounds = grounds
    revocation.reason = reason
    revocation.funds_obtained_by_fraud = funds_obtained_by_fraud
    _store_evidence(revocation, evidence)
    is_new = revocation.pk is None
    revocation.save()
    if is_new:
        record_event(revocation, action="propose", action_label=_("Revocation proposed"), actor=user,
                     to_state=revocation.state, comment=reason, request=request, data={"grounds": grounds})
    confirm_revocation(revocation, user, document_reference=document_reference, decided_on=decided_on,
                       comment=reason, request=request)
    return revocation
