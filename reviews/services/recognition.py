"""Recognition after approval.

HN23 (规程 第七条): a cultivation unit applies for recognition before its cultivation deadline; the
manager runs the acceptance on the seven check points and records the panel's written report; a
passed unit goes on its own public notice (reviews.services.publicity) and is then recognised; a
failed one gets 6 months of rectification, and failing again — or letting a deadline pass with no
application pending (the daily job) — cancels its cultivation status.

SJZ22 (四(一)–(二)): a commissioned third party recognises; the manager records its result and
evidence, and the application is approved (it becomes an institute) or rejected."""
import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from institutes import lifecycle
from institutes.models import Application, Institute, RecognitionRequest
from institutes.uploads import inspect_upload
from portal.audit.services import record_event
from portal.notify.services import notify
from portal.workflow import StaleObject, TransitionRefused, transition

from ..models import Panel, PanelItem, ScoreSheet
from ..models.inspections import AcceptanceCheck, AcceptancePoint, AcceptanceReview
from ..models.publicity import ThirdPartyRecognition
from .publicity import failure_message, program_managers


def _detail_url(recognition: RecognitionRequest) -> str:
    return reverse("reviews:recognition_detail", args=[recognition.pk])


# ---- HN23: the cultivation unit applies ----------------------------------------------------------

@transaction.atomic
def file_recognition_request(
    institute: Institute, *, user, summary: str, materials=None, request=None,
) -> RecognitionRequest:
    """A member of the lead unit applies for recognition (or, during rectification, for the
    re-acceptance) before the deadline; one application at a time."""
    if not user.has_perm("reviews.file_recognition", institute):
        raise PermissionDenied
    institute = Institute.objects.select_for_update(of=("self",)).select_related("program").get(pk=institute.pk)
    if not institute.may_file_recognition(timezone.localdate()):
        raise TransitionRefused(_recognition_refusal(institute))
    if institute.has_open_recognition_request():
        raise TransitionRefused(_("A recognition application of this unit is already being handled."))
    if not summary.strip():
        raise TransitionRefused(_("Describe the construction tasks completed."))
    recognition = RecognitionRequest(
        institute=institute, summary=summary.strip(), filed_by=user,
        during_rectification=institute.state == Institute.State.RECTIFYING,
    )
    if materials is not None:
        _attach_materials(recognition, materials)
    recognition.save()
    record_event(recognition, action="file", action_label=_("Recognition application filed"), actor=user,
                 to_state=recognition.state, comment=recognition.materials_name, request=request)
    notify(program_managers(institute.program),
           _("%(name)s has applied for recognition.") % {"name": institute.name}, _detail_url(recognition))
    return recognition


def _recognition_refusal(institute: Institute) -> str:
    if not institute.is_cultivation_unit or institute.state not in Institute.CULTIVATION_STATES:
        return _("Only a cultivation unit can apply for recognition.")
    return _("The deadline %(deadline)s has passed; the unit can no longer apply for recognition.") % {
        "deadline": institute.current_deadline.isoformat()}


def _attach_materials(recognition: RecognitionRequest, uploaded_file) -> None:
    inspected = inspect_upload(uploaded_file)
    recognition.materials_name = uploaded_file.name[:255]
    recognition.materials_content_type = inspected.content_type
    recognition.materials_sha256 = inspected.sha256
    recognition.materials.save(uploaded_file.name, uploaded_file, save=False)


# ---- HN23: the acceptance -------------------------------------------------------------------------

@transaction.atomic
def start_acceptance(recognition: RecognitionRequest, *, user, request=None) -> None:
    transition(recognition, "start_acceptance", user, request=request)
    notify(lifecycle.members_of(recognition.institute.lead_unit_id),
           _("The acceptance of %(name)s has started.") % {"name": recognition.institute.name},
           _detail_url(recognition))


@dataclass(frozen=True)
class AcceptanceScore:
    """The acceptance panel's result: its experts scored the seven check points on the program's
    acceptance rubric with the same engine as application review."""

    panel: Panel
    total: Decimal
    sheets: int
    pass_mark: Decimal

    @property
    def average(self) -> Decimal:
        return (self.total / self.sheets).quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @property
    def passed(self) -> bool:
        return self.total >= self.sheets * self.pass_mark


def acceptance_score(recognition: RecognitionRequest) -> AcceptanceScore | None:
    """The scores of the acceptance panel drawn for this request, once scoring is complete."""
    item = (
        PanelItem.objects.filter(
            institute_id=recognition.institute_id, panel__purpose=Panel.Purpose.ACCEPTANCE,
            panel__state__in=(Panel.State.RANKED, Panel.State.CLOSED), panel__created_at__gte=recognition.filed_at,
        )
        .select_related("panel__rubric")
        .defer("panel__draw_log")
        .order_by("-panel__created_at")
        .first()
    )
    if item is None:
        return None
    sums = item.sheets.filter(state=ScoreSheet.State.SUBMITTED).aggregate(total=Sum("total"), n=Count("pk"))
    if not sums["n"]:
        return None
    return AcceptanceScore(item.panel, sums["total"], sums["n"], item.panel.rubric.pass_mark or Decimal(0))


@transaction.atomic
def record_acceptance(
    recognition: RecognitionRequest, *, user, held_on: datetime.date, results: dict[str, tuple[bool, str]],
    report: str, request=None,
) -> AcceptanceReview:
    """Record the acceptance: the panel's conclusion on each of the seven check points with notes,
    and its written report. It passes when the acceptance panel's average score reaches the
    rubric's pass mark and every point passes; a failure opens rectification (or, during
    rectification, cancels the cultivation status) from today, the day the unit is told."""
    if not user.has_perm("reviews.run_acceptance", recognition):
        raise PermissionDenied
    _ensure_acceptance_complete(recognition, held_on, results, report)
    score = acceptance_score(recognition)
    if score is None:
        raise TransitionRefused(_("The acceptance panel has not finished scoring the seven check points yet."))
    passed = score.passed and all(ok for ok, _notes in results.values())
    review = AcceptanceReview.objects.create(
        recognition_request=recognition, held_on=held_on, report=report.strip(), passed=passed, recorded_by=user,
    )
    AcceptanceCheck.objects.bulk_create([
        AcceptanceCheck(review=review, point=point, passed=results[point][0], notes=results[point][1].strip())
        for point in AcceptancePoint.values
    ])
    today = timezone.localdate()
    institute = recognition.institute
    data = {
        "held_on": held_on.isoformat(), "failed_points": [p for p, (ok, _n) in results.items() if not ok],
        "panel": score.panel.pk, "panel_average": str(score.average), "pass_mark": str(score.pass_mark),
    }
    if passed:
        transition(recognition, "pass_acceptance", user, request=request, decided_on=today, data=data)
        message = _("%(name)s passed the acceptance; a public notice follows.") % {"name": institute.name}
    else:
        reason = _("The acceptance was not passed.")
        transition(recognition, "fail_acceptance", user, request=request, decided_on=today, data=data, comment=reason)
        deadline = lifecycle.apply_failed_acceptance(institute, user=user, failed_on=today, reason=reason,
                                                     request=request)
        message = failure_message(institute, deadline)
    notify(lifecycle.members_of(institute.lead_unit_id), message, _detail_url(recognition))
    return review


def _ensure_acceptance_complete(recognition, held_on, results, report) -> None:
    if recognition.state != RecognitionRequest.State.UNDER_ACCEPTANCE:
        raise TransitionRefused(_("The acceptance can be recorded only once it has started."))
    if set(results) != set(AcceptancePoint.values):
        raise TransitionRefused(_("Record the result of every one of the seven check points."))
    if any(not ok and not notes.strip() for ok, notes in results.values()):
        raise TransitionRefused(_("Say why each failed check point did not pass."))
    if not report.strip():
        raise TransitionRefused(_("Enter the panel's written acceptance report."))
    if not timezone.localtime(recognition.filed_at).date() <= held_on <= timezone.localdate():
        raise TransitionRefused(_("The acceptance date lies between the application and today."))


# ---- HN23: the daily job ---------------------------------------------------------------------------

def cancel_lapsed_cultivation() -> int:
    """The daily job: cancel the cultivation status of every unit past its cultivation or
    rectification deadline with no recognition application pending, and tell the unit. Each unit in
    its own transaction; running it twice changes nothing the second time."""
    cancelled = 0
    for institute in lifecycle.lapsed_units().select_related("program"):
        try:
            _cancel_lapsed(institute)
        except StaleObject:  # changed a moment ago; tomorrow's run sees it again if still lapsed
            continue
        cancelled += 1
    return cancelled


@transaction.atomic
def _cancel_lapsed(institute: Institute) -> None:
    reason = lifecycle.cancel_lapsed(institute)
    notify(lifecycle.members_of(institute.lead_unit_id),
           _("%(name)s: the cultivation status is cancelled. %(reason)s") % {"name": institute.name, "reason": reason},
           reverse("reviews:cultivation_units"))


# ---- SJZ22: third-party recognition -----------------------------------------------------------------

@transaction.atomic
def record_third_party_recognition(
    application: Application, *, user, agency: str, concluded_on: datetime.date, recognised: bool, summary: str,
    evidence, request=None,
) -> ThirdPartyRecognition:
    """Record the commissioned third party's result and its evidence; a recognised application is
    approved and becomes an institute from the date of the result, otherwise it is rejected."""
    if not user.has_perm("reviews.record_recognition", application):
        raise PermissionDenied
    _ensure_third_party_recordable(application, agency, concluded_on, summary)
    inspected = inspect_upload(evidence)
    record = ThirdPartyRecognition(
        application=application, agency=agency.strip(), concluded_on=concluded_on, recognised=recognised,
        summary=summary.strip(), evidence_name=evidence.name[:255], evidence_content_type=inspected.content_type,
        evidence_sha256=inspected.sha256, recorded_by=user,
    )
    record.evidence.save(evidence.name, evidence, save=False)
    record.save()
    comment = f"{record.agency}: {record.summary}"
    if recognised:
        transition(application, "approve_without_publicity", user, request=request, comment=comment)
        lifecycle.recognise_application(application, user=user, recognized_on=concluded_on, request=request)
    else:
        transition(application, "reject", user, request=request, comment=comment)
    return record


def _ensure_third_party_recordable(application, agency, concluded_on, summary) -> None:
    if application.program.has_publicity:
        raise TransitionRefused(_("This program decides after a public notice; record a decision meeting instead."))
    if application.state != Application.State.AWAITING_DECISION:
        raise TransitionRefused(_("The application is “%(state)s”; it is not awaiting a decision.") % {
            "state": application.get_state_display()})
    if ThirdPartyRecognition.objects.filter(application=application).exists():
        raise TransitionRefused(_("The recognition result of this application has already been recorded."))
    if not agency.strip() or not summary.strip():
        raise TransitionRefused(_("Name the third party and summarise its result."))
    if concluded_on > timezone.localdate():
        raise TransitionRefused(_("The date of the result cannot be in the future."))
