"""Use cases of an institute's life after approval: the approval creates the institute (or the HN23
cultivation unit); a cultivation unit is recognised, goes into rectification, or loses its status
when it fails again or lets its deadline pass (HN23 实施方案 三(三), 规程 第七条).

State changes go through portal.workflow.transition; the reviews app runs the acceptance and the
public notice around these and tells the people concerned."""
import calendar
import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.services import record_event
from portal.notify.services import notify
from portal.workflow import TransitionRefused, transition

from .models import Application, Institute, RecognitionRequest


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the last day of the month when that month is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def members_of(organization_id: int):
    return User.objects.filter(organization_id=organization_id, is_active=True)


def members_by_organization(organization_ids, *, role: str | None = None) -> dict[int, list]:
    """{organisation id: its active users (with `role` when given)}, in one query, for telling many
    units at once."""
    users = User.objects.filter(organization_id__in=list(organization_ids), is_active=True)
    if role:
        users = users.filter(groups__name=role)
    members: dict[int, list] = {}
    for user in users.only("pk", "organization_id", "email"):
        members.setdefault(user.organization_id, []).append(user)
    return members


@transaction.atomic
def recognise_application(
    application: Application, *, user, recognized_on: datetime.date, document_number: str = "", request=None,
) -> Institute:
    """What the approval of `application` creates: a recognised institute (ZZ23, SJZ22), or where the
    program has a cultivation period (HN23) a cultivation unit whose deadline is `cultivation_months`
    after `recognized_on`, the day the list was published."""
    if application.state != Application.State.APPROVED:
        raise TransitionRefused(_("Only an approved application becomes an institute."))
    if Institute.objects.filter(application=application).exists():
        raise TransitionRefused(_("This application has already been recognised."))
    if application.industry_field_id is None:
        raise TransitionRefused(_("The application names no industry field; it cannot be recognised."))
    institute = Institute(
        program=application.program, lead_unit_id=application.organization_id, application=application,
        name=application.title or str(application), industry_field_id=application.industry_field_id,
        recognized_on=recognized_on, recognition_document=document_number,
        **_status_fields(application.program, recognized_on),
    )
    institute.save()
    if institute.is_cultivation_unit:
        label = _("Listed as a cultivation unit")
        message = _("%(name)s is listed as a cultivation unit; apply for recognition by %(deadline)s.") % {
            "name": institute.name, "deadline": institute.cultivation_deadline.isoformat()}
    else:
        label = _("Recognised")
        message = _("%(name)s is recognised.") % {"name": institute.name}
    record_event(
        institute, action="create", action_label=label, actor=user, to_state=institute.state, request=request,
        comment=document_number, data={"application": str(application),
                                       "cultivation_deadline": _iso(institute.cultivation_deadline)},
    )
    notify(members_of(application.organization_id), message,
           reverse("institutes:application_detail", args=[application.pk]))
    return institute


def _status_fields(program, listed_on: datetime.date) -> dict:
    if not program.cultivation_months:
        return {"state": Institute.State.ACTIVE}
    return {
        "state": Institute.State.CULTIVATING,
        "is_cultivation_unit": True,
        "cultivation_started_on": listed_on,
        "cultivation_deadline": add_months(listed_on, program.cultivation_months),
    }


def recognise_institute(
    institute: Institute, *, user, recognized_on: datetime.date, document_number: str = "", request=None,
) -> None:
    """A cultivation unit that passed acceptance and its public notice becomes a recognised centre."""
    transition(
        institute, "recognise", user, request=request, recognized_on=recognized_on, document_number=document_number,
        comment=document_number, data={"recognized_on": recognized_on.isoformat()},
    )


def apply_failed_acceptance(
    institute: Institute, *, user, failed_on: datetime.date, reason: str, request=None,
) -> datetime.date | None:
    """A first failure opens 6 months of rectification (returns its deadline); a failure during
    rectification cancels the cultivation status (returns None) — HN23 实施方案 三(三): 未通过考核验收的，
    给予半年时间整改，经整改仍不能通过考核的…取消其培育资格."""
    if institute.state == Institute.State.CULTIVATING:
        deadline = add_months(failed_on, Institute.RECTIFICATION_MONTHS)
        transition(institute, "start_rectification", user, comment=reason, request=request, deadline=deadline)
        return deadline
    transition(institute, "cancel_cultivation", user, comment=reason, request=request, cancelled_on=failed_on)
    return None


def lapsed_units() -> QuerySet:
    """Cultivation units past their cultivation or rectification deadline with no recognition
    application pending (an application filed in time is decided on its merits)."""
    today = timezone.localdate()
    past_deadline = Q(state=Institute.State.CULTIVATING, cultivation_deadline__lt=today) | Q(
        state=Institute.State.RECTIFYING, rectification_deadline__lt=today
    )
    pending = RecognitionRequest.objects.open().values("institute_id")
    return Institute.objects.filter(past_deadline, is_cultivation_unit=True).exclude(pk__in=pending)


def cancel_lapsed(institute: Institute) -> str:
    """Cancel one lapsed cultivation unit as the system; returns the reason recorded."""
    reason = _("No recognition application was pending when the deadline %(deadline)s passed.") % {
        "deadline": _iso(institute.current_deadline)}
    transition(institute, "cancel_lapsed", None, comment=reason, data={"deadline": _iso(institute.current_deadline)})
    return reason


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""
