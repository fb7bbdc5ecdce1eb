"""The program manager's initial review of recommended applications (HN23 规程 第六条(二): form,
content and legal review; one form review for the other programs), revision requests with a
working-day deadline, and rejection."""
import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from institutes.models import Application
from portal.audit.services import record_event
from portal.workdays import working_period_end
from portal.workflow import TransitionRefused, transition

from ..models import InitialReviewPart, InitialReviewRecord

DEFAULT_REVISION_WORKING_DAYS = 10


def parts_for(program) -> list[InitialReviewPart]:
    if program.has_initial_review_parts:
        return [InitialReviewPart.FORM, InitialReviewPart.CONTENT, InitialReviewPart.LEGAL]
    return [InitialReviewPart.FORM]


def current_records(application: Application) -> dict[str, InitialReviewRecord]:
    records = application.initial_reviews.filter(round=application.submission_round).select_related("reviewer")
    return {record.part: record for record in records}


def start_initial_review(application: Application, user, request=None) -> None:
    transition(application, "start_initial_review", user, request=request)


@transaction.atomic
def record_part(application: Application, user, *, part: str, passed: bool, findings: str, request=None):
    """Record (or correct) one part of the initial review of the current submission round."""
    _ensure_reviewing(application, user)
    if part not in parts_for(application.program):
        raise TransitionRefused(_("This program's initial review has no such part."))
    if not passed and not findings.strip():
        raise TransitionRefused(_("Write down the findings when a part does not pass."))
    record, _created = InitialReviewRecord.objects.update_or_create(
        application=application, round=application.submission_round, part=part,
        defaults={"passed": passed, "findings": findings, "reviewer": user},
    )
    record_event(
        application, action="initial_review_part", action_label=_("Initial review recorded"), actor=user,
        comment=findings, data={"part": part, "passed": passed}, request=request,
    )
    return record


def outstanding_parts(application: Application) -> list[InitialReviewPart]:
    records = current_records(application)
    return [part for part in parts_for(application.program) if not (part in records and records[part].passed)]


def pass_initial_review(application: Application, user, request=None) -> None:
    """Every part passed → on to the expert panel (or straight to the decision where the program
    has no panel)."""
    missing = outstanding_parts(application)
    if missing:
        raise TransitionRefused(
            _("These parts of the initial review have not passed yet: %(parts)s")
            % {"parts": "、".join(str(part.label) for part in missing)}
        )
    action = "pass_initial_review" if application.program.has_expert_panel else "pass_to_decision"
    transition(application, action, user, request=request)


def revision_deadline(working_days: int, today: datetime.date | None = None) -> datetime.date:
    """The last day of `working_days` working days counted from tomorrow."""
    today = today or timezone.localdate()
    return working_period_end(today + datetime.timedelta(days=1), working_days)


def request_revision(application: Application, user, *, working_days: int, comment: str, request=None) -> datetime.date:
    if not comment.strip():
        raise TransitionRefused(_("Say what must be revised; the applicant will read it."))
    deadline = revision_deadline(working_days)
    message = _("%(comment)s (revise and resubmit through the district bureau by %(deadline)s)") % {
        "comment": comment.strip(), "deadline": deadline.isoformat(),
    }
    transition(application, "request_revision", user, comment=message, request=request, deadline=deadline,
               data={"deadline": deadline.isoformat(), "working_days": working_days})
    return deadline


def reject_application(application: Application, user, *, comment: str, request=None) -> None:
    if not comment.strip():
        raise TransitionRefused(_("Give the reason for the rejection; the applicant will read it."))
    transition(application, "reject", user, comment=comment, request=request)


def _ensure_reviewing(application: Application, user) -> None:
    if not user.has_perm("institutes.manage_application", application):
        raise PermissionDenied
    if application.state != Application.State.INITIAL_REVIEW:
        raise TransitionRefused(
            _("The initial review can be recorded only while the application is “%(state)s”.")
            % {"state": Application.State.INITIAL_REVIEW.label}
        )
