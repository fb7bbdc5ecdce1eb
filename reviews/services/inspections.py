"""Site inspection of the applications a panel put on its site-inspection list (ZZ23 第十条(三),
HN23 规程 第六条 第三步 4–6).

Once every panel member has confirmed the list, the manager records a visit and who attended it
(recording the first visit moves the listed applications into site inspection), then the panel's
written assessment of each applicant; once every listed applicant is assessed, the applications
move on to the decision. Applications the panel did not list are rejected with a reason."""
import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from institutes.models import Application
from portal.audit.services import record_event
from portal.workflow import TransitionRefused, transition

from ..models import InspectionAssessment, InspectionAttendance, Panel, PanelItem, PanelMember, SiteInspection

WAITING_STATES = (Application.State.EXPERT_REVIEW, Application.State.SITE_INSPECTION)


def awaiting_assessment(panel: Panel) -> QuerySet:
    """Applications on the panel's site-inspection list not assessed yet (still in expert review
    until the first visit is recorded, in site inspection from then on)."""
    return panel.items.filter(
        listed_for_inspection=True, application__state__in=WAITING_STATES, assessments__isnull=True,
    )


def site_list_signed(members: list[PanelMember]) -> bool:
    """Every accepted member confirmed the site-inspection list (规程: 由全体专家组签字确认)."""
    return bool(members) and all(member.site_list_confirmed_at is not None for member in members)


def attendance_refusal(members: list[PanelMember], present_ids: set[int]) -> str | None:
    """Why a visit with this attendance may not go ahead (HN23 规程 第六条 第三步 4: 缺席超过 2 人的
    （专家组组长、副组长不得同时缺席），应重新选取相应的专家补缺), or None when it may."""
    absent = [member for member in members if member.pk not in present_ids]
    if len(absent) > SiteInspection.MAX_ABSENT:
        return _(
            "%(absent)d experts are absent; a site inspection may go ahead with at most %(max)d absent. "
            "Replace the absent experts by a new draw on the panel page, then record the visit."
        ) % {"absent": len(absent), "max": SiteInspection.MAX_ABSENT}
    if {PanelMember.Role.LEADER, PanelMember.Role.DEPUTY} <= {member.role for member in absent}:
        return _(
            "The leader and the deputy leader are both absent, and they may not both be. "
            "Replace one of them by a new draw on the panel page, then record the visit."
        )
    return None


def accepted_members(panel: Panel) -> list[PanelMember]:
    return list(panel.members.filter(status=PanelMember.Status.ACCEPTED).select_related("expert").order_by("pk"))


@transaction.atomic
def record_inspection(
    panel: Panel, *, user, visited_on: datetime.date, location: str, present_member_ids: set[int], request=None,
) -> SiteInspection:
    """Record a visit and the attendance of every accepted panel member; refused, with nothing
    saved, when too many are absent or the leader and the deputy both are."""
    if not user.has_perm("reviews.record_inspection", panel):
        raise PermissionDenied
    if not awaiting_assessment(panel).exists():
        raise TransitionRefused(_("No application of this panel is waiting for a site inspection."))
    if visited_on > timezone.localdate():
        raise TransitionRefused(_("The date of the visit cannot be in the future."))
    members = accepted_members(panel)
    if not site_list_signed(members):
        raise TransitionRefused(_("Every panel member must confirm the site-inspection list before the visit."))
    if not present_member_ids <= {member.pk for member in members}:
        raise TransitionRefused(_("The attendance names someone who is not an accepted member of this panel."))
    refusal = attendance_refusal(members, present_member_ids)
    if refusal:
        raise TransitionRefused(refusal)
    _move_listed_to_inspection(panel, user, request)
    inspection = SiteInspection.objects.create(panel=panel, visited_on=visited_on, location=location, recorded_by=user)
    InspectionAttendance.objects.bulk_create([
        InspectionAttendance(inspection=inspection, member=member, present=member.pk in present_member_ids)
        for member in members
    ])
    absent = [member.expert.name for member in members if member.pk not in present_member_ids]
    record_event(
        panel, action="site_inspection", action_label=_("Site inspection recorded"), actor=user, request=request,
        comment=location, data={"visited_on": visited_on.isoformat(), "absent": absent},
    )
    return inspection


def _move_listed_to_inspection(panel: Panel, user, request) -> None:
    items = panel.items.filter(
        listed_for_inspection=True, application__state=Application.State.EXPERT_REVIEW
    ).select_related("application__program")
    for item in items:
        transition(item.application, "list_for_site_inspection", user, request=request, data={"panel": panel.pk})


@transaction.atomic
def record_assessment(
    inspection: SiteInspection, item: PanelItem, *, user, strengths: str, necessity: str, problems: str,
    future_focus: str, recommend_listing: bool, request=None,
) -> int:
    """Record the panel's written assessment of one listed applicant. When it is the last one the
    panel owed, every assessed application moves on to the decision; returns how many did (0 while
    some are still to be assessed)."""
    if not user.has_perm("reviews.record_inspection", inspection):
        raise PermissionDenied
    # One assessment of a panel at a time, so that whoever records the last one sees all the others.
    Panel.objects.select_for_update().filter(pk=inspection.panel_id).first()
    application = _assessable_application(inspection, item)
    texts = {"strengths": strengths, "necessity": necessity, "problems": problems, "future_focus": future_focus}
    if not all(value.strip() for value in texts.values()):
        raise TransitionRefused(_("Every part of the written assessment is needed."))
    InspectionAssessment.objects.create(
        inspection=inspection, item=item, recommend_listing=recommend_listing, recorded_by=user,
        **{name: value.strip() for name, value in texts.items()},
    )
    record_event(
        application, action="site_assessment", action_label=_("Site inspection assessment recorded"),
        actor=user, request=request, comment=_recommendation(recommend_listing),
        data={"inspection": inspection.pk, "recommend_listing": recommend_listing},
    )
    if awaiting_assessment(inspection.panel).exists():
        return 0
    return _conclude(inspection.panel, user, request)


def _assessable_application(inspection: SiteInspection, item: PanelItem) -> Application:
    if item.panel_id != inspection.panel_id or not item.listed_for_inspection or item.application_id is None:
        raise TransitionRefused(_("This applicant is not on the panel's site-inspection list."))
    if InspectionAssessment.objects.filter(item=item).exists():
        raise TransitionRefused(_("The panel's assessment of this applicant has already been recorded."))
    application = Application.objects.get(pk=item.application_id)
    if application.state != Application.State.SITE_INSPECTION:
        raise TransitionRefused(
            _("The application is “%(state)s”; it is not awaiting a site inspection.")
            % {"state": application.get_state_display()}
        )
    return application


def _conclude(panel: Panel, user, request) -> int:
    assessments = InspectionAssessment.objects.filter(
        item__panel=panel, item__application__state=Application.State.SITE_INSPECTION
    ).select_related("item__application__program")
    for assessment in assessments:
        transition(
            assessment.item.application, "conclude_site_inspection", user, request=request,
            comment=_recommendation(assessment.recommend_listing),
            data={"recommend_listing": assessment.recommend_listing},
        )
    return len(assessments)


def _recommendation(recommend_listing: bool) -> str:
    if recommend_listing:
        return _("The site inspection panel recommends listing.")
    return _("The site inspection panel does not recommend listing.")


@transaction.atomic
def reject_not_listed(panel: Panel, *, user, reason: str, request=None) -> int:
    """Reject, with the reason the applicants will read, the panel's applications that did not make
    the site-inspection list; returns how many."""
    if not user.has_perm("reviews.record_inspection", panel):
        raise PermissionDenied
    if not reason.strip():
        raise TransitionRefused(_("Give the reason; the applicants will read it."))
    if not site_list_signed(accepted_members(panel)):
        raise TransitionRefused(_("Every panel member must confirm the site-inspection list first."))
    items = list(
        panel.items.filter(listed_for_inspection=False, application__state=Application.State.EXPERT_REVIEW)
        .select_related("application__program")
    )
    if not items:
        raise TransitionRefused(_("No application of this panel is waiting to be rejected."))
    for item in items:
        transition(item.application, "reject", user, comment=reason.strip(), request=request)
    return len(items)
