"""Use cases of the application workflow. Views, tasks and tests call these; state changes go
through portal.workflow.transition."""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.services import record_event
from portal.workflow import TransitionRefused, transition

from . import eligibility
from .models import Application, Attachment, DistrictReview, Program


@transaction.atomic
def start_application(user, program: Program) -> Application:
    if not user.has_perm("institutes.add_application") or not user.organization_id:
        raise PermissionDenied
    if not program.accepts_applications or not program.is_open_on(timezone.localdate()):
        raise TransitionRefused(_("The program “%(program)s” is not accepting applications.") % {"program": program.name})
    application = Application.objects.create(program=program, organization=user.organization, created_by=user)
    application.reference = f"{program.code}-{timezone.localdate().year}-{application.pk:06d}"
    application.save(update_fields=["reference"])
    record_event(application, action="create", action_label=_("Draft created"), actor=user, to_state=application.state)
    return application


def ensure_editable(application: Application, user) -> None:
    if not user.has_perm("institutes.change_application", application):
        raise PermissionDenied
    if not application.is_editable:
        raise TransitionRefused(
            _("The application can no longer be changed: its status is “%(state)s”.")
            % {"state": application.get_state_display()}
        )


@transaction.atomic
def save_draft(application: Application, user, form, formsets, *, seen_version: int) -> Application:
    """Save the main form and the inline formsets (already validated) of an editable application.

    `seen_version` is the version the user's form was built from: if a colleague saved, or the
    status changed, since then, nothing is saved and the user is told to reload."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    ensure_editable(locked, user)
    if locked.version != seen_version:
        raise TransitionRefused(_("Someone else changed this application meanwhile. Reload the page and try again."))
    form.save()
    for formset in formsets:
        formset.save()
    Application.objects.filter(pk=application.pk).update(version=F("version") + 1)
    application.version = locked.version + 1
    return application


def check_eligibility(application: Application) -> eligibility.EligibilityReport:
    return eligibility.evaluate(application)


def submit_application(application: Application, user, request=None) -> eligibility.EligibilityReport:
    """Run the program's eligibility rules; submit when every hard criterion passes."""
    report = eligibility.evaluate(application)
    if not report.passed:
        reasons = "; ".join(f"{r.label}: {r.detail}" for r in report.failures)
        raise TransitionRefused(_("The application cannot be submitted. %(reasons)s") % {"reasons": reasons})
    transition(application, "submit", user, request=request, report=report.as_dict())
    return report


def withdraw_application(application: Application, user, comment: str = "", request=None) -> None:
    transition(application, "withdraw", user, comment=comment, request=request)


DISTRICT_ACTIONS = {
    DistrictReview.Decision.RECOMMEND: "recommend",
    DistrictReview.Decision.RETURN: "return_for_revision",
    DistrictReview.Decision.REJECT: "reject_at_district",
}


def record_district_decision(
    application: Application, user, decision: str, *, checklist: dict, comment: str, request=None
) -> None:
    """A district bureau's first-pass decision. Where the program needs several departments to
    recommend (HN23: industry and finance), the application moves on once all have."""
    if decision != DistrictReview.Decision.RECOMMEND and not comment.strip():
        raise TransitionRefused(_("Please give the reason in the comment; the applicant will read it."))
    already = application.district_reviews.filter(round=application.submission_round, department=user.department)
    if already.exists():
        raise TransitionRefused(_("Your department has already recorded its decision on this submission."))
    transition(
        application, DISTRICT_ACTIONS[decision], user, comment=comment, request=request,
        checklist=checklist, data={"department": user.department, "checklist": checklist},
    )


@transaction.atomic
def add_attachment(application: Application, user, uploaded_file, kind: str, request=None) -> Attachment:
    ensure_editable(application, user)
    attachment = Attachment.store(uploaded_file, user, application=application, kind=kind)
    record_event(
        application, action="attach", action_label=_("Attachment added"), actor=user,
        comment=attachment.original_name, request=request,
    )
    return attachment


@transaction.atomic
def remove_attachment(attachment: Attachment, user, request=None) -> None:
    application = attachment.application
    ensure_editable(application, user)
    name = attachment.original_name
    attachment.delete_with_file_on_commit()
    record_event(application, action="detach", action_label=_("Attachment removed"), actor=user, comment=name, request=request)



def cancel_overdue_revisions(today=None) -> int:
    """The scheduled job: applications whose revision deadline has passed are cancelled
    (HN23 规程 第六条(二): 逾期未报…自动取消资格). Idempotent."""
    today = today or timezone.localdate()
    overdue = Application.objects.filter(
        state=Application.State.REVISION_REQUESTED, revision_deadline__lt=today
    ).select_related("program", "organization")
    cancelled = 0
    for application in overdue:
        transition(
            application, "cancel_overdue", None,
            comment=_("Not revised by the deadline %(deadline)s; the application is cancelled.")
            % {"deadline": application.revision_deadline.isoformat()},
        )
        cancelled += 1
    return cancelled
