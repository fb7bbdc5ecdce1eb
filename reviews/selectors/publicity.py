"""Reads behind the site-inspection, decision, notice, objection and recognition pages: scoped per
user, aggregates in the database, a constant number of queries per page."""
import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from institutes.models import Application, Institute, RecognitionRequest
from portal.audit.models import AuditEvent
from portal.timeline import TimelineEntry

from ..models import (
    DecisionMeeting, InspectionAssessment, InspectionAttendance, NoticeItem, Objection, Panel, PanelItem, PanelMember,
    PublicNotice, SiteInspection,
)


def _managed_panels(user):
    if not (user.is_authenticated and user.has_role("program_manager")):
        return Panel.objects.none()
    return Panel.objects.filter(program__in=user.managed_programs.all())


# ---- site inspection ------------------------------------------------------------------------------

def inspection_panels(user):
    """Panels of the user's programs with applications on their site-inspection list."""
    listed = Q(items__listed_for_inspection=True)
    return (
        _managed_panels(user)
        .filter(purpose=Panel.Purpose.APPLICATION_REVIEW)
        .filter(Exists(PanelItem.objects.filter(panel=OuterRef("pk"), listed_for_inspection=True)))
        .select_related("program", "industry_field")
        .annotate(
            listed_count=Count("items", filter=listed, distinct=True),
            assessed_count=Count("items__assessments", distinct=True),
            visit_count=Count("inspections", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def inspection_panel(user, pk: int) -> Panel:
    """One panel with what its inspection page shows; Panel.DoesNotExist when not the user's."""
    return (
        _managed_panels(user)
        .select_related("program", "industry_field")
        .prefetch_related(
            Prefetch("members", queryset=PanelMember.objects.filter(status=PanelMember.Status.ACCEPTED)
                     .select_related("expert").order_by("pk"), to_attr="accepted_members"),
            Prefetch("items", queryset=PanelItem.objects.select_related("application__organization")
                     .prefetch_related("assessments").order_by("pk")),
            "inspections",
        )
        .get(pk=pk)
    )


def inspection_for_user(user, pk: int) -> SiteInspection:
    return (
        SiteInspection.objects.for_user(user)
        .select_related("panel__program", "recorded_by")
        .prefetch_related(
            Prefetch("attendance", queryset=InspectionAttendance.objects.select_related("member__expert")),
            Prefetch("assessments", queryset=InspectionAssessment.objects.select_related("item__application")),
        )
        .get(pk=pk)
    )


def listed_item(inspection: SiteInspection, item_pk: int) -> PanelItem:
    return (
        PanelItem.objects.filter(panel_id=inspection.panel_id, listed_for_inspection=True, application__isnull=False)
        .select_related("application__organization", "application__program")
        .get(pk=item_pk)
    )


# ---- decisions ------------------------------------------------------------------------------------

def decision_desk(user):
    """Applications of the user's programs awaiting a decision, with whether a meeting approved them."""
    approved = DecisionMeeting.applications.through.objects.filter(application_id=OuterRef("pk"))
    return (
        Application.objects.in_manager_queue(user)
        .filter(state=Application.State.AWAITING_DECISION)
        .with_list_data()
        .annotate(meeting_approved=Exists(approved))
        .order_by("program__code", "reference", "pk")
    )


def recent_meetings(user, limit: int = 10):
    return (
        DecisionMeeting.objects.for_user(user).select_related("program")
        .annotate(approved_count=Count("applications", distinct=True),
                  not_approved_count=Count("not_approved", distinct=True))
        .order_by("-held_on", "-pk")[:limit]
    )


def meeting_for_user(user, pk: int) -> DecisionMeeting:
    return (
        DecisionMeeting.objects.for_user(user)
        .select_related("program", "recorded_by")
        .prefetch_related(
            Prefetch("applications", queryset=Application.objects.select_related("organization")),
            Prefetch("not_approved", queryset=Application.objects.select_related("organization")),
            "notices",
        )
        .get(pk=pk)
    )


# ---- notices and objections -----------------------------------------------------------------------

def _with_objection_counts(notices):
    return notices.annotate(
        item_count=Count("items", distinct=True),
        objection_count=Count("objections", distinct=True),
        pending_count=Count("objections", filter=Q(objections__state=Objection.State.RECEIVED), distinct=True),
    )


def manager_notices(user, *, state: str = ""):
    rows = _with_objection_counts(PublicNotice.objects.for_user(user).select_related("program")).order_by(
        "-starts_on", "-pk")
    return rows.filter(state=state) if state else rows


def notice_for_manager(user, pk: int) -> PublicNotice:
    return (
        PublicNotice.objects.for_user(user)
        .select_related("program", "meeting", "opened_by")
        .prefetch_related(
            Prefetch("items", queryset=_items_with_subjects()),
            Prefetch("objections", queryset=Objection.objects.select_related("item")),
        )
        .get(pk=pk)
    )


def _items_with_subjects():
    return NoticeItem.objects.select_related("application", "institute").order_by("pk")


def objections_for_user(user, *, state: str = ""):
    rows = Objection.objects.for_user(user).select_related("notice__program", "item", "handled_by")
    return rows.filter(state=state) if state else rows


def objection_for_user(user, pk: int) -> Objection:
    return (
        Objection.objects.for_user(user)
        .select_related("notice__program", "item", "handled_by")
        .prefetch_related(Prefetch("notice__items", queryset=_items_with_subjects()))
        .get(pk=pk)
    )


def objection_history(objection: Objection) -> list[TimelineEntry]:
    """The objection's audit trail for the timeline (an objection is not a state machine)."""
    states = dict(Objection.State.choices)
    return [
        TimelineEntry(event=event, label=event.action_label, from_label=states.get(event.from_state, ""),
                      to_label=states.get(event.to_state, ""))
        for event in AuditEvent.objects.for_object(objection)
    ]


def public_notices(today: datetime.date):
    return (
        PublicNotice.objects.listed_publicly(today)
        .select_related("program")
        .prefetch_related(Prefetch("items", queryset=_items_with_subjects()))
    )


def public_notice(pk: int, today: datetime.date) -> PublicNotice:
    return (
        PublicNotice.objects.published(today)
        .select_related("program")
        .prefetch_related(Prefetch("items", queryset=_items_with_subjects()))
        .get(pk=pk)
    )


# ---- recognition ----------------------------------------------------------------------------------

def _visible_units(user):
    if not user.is_authenticated:
        return Institute.objects.none()
    visible = Q(pk__in=[])
    if user.has_role("applicant") and user.organization_id:
        visible |= Q(lead_unit_id=user.organization_id)
    if user.has_role("program_manager"):
        visible |= Q(program__in=user.managed_programs.all())
    return Institute.objects.filter(visible, cultivation_started_on__isnull=False)


def cultivation_units(user, *, state: str = ""):
    """Cultivation units (HN23) the user may see, with their recognition applications."""
    rows = (
        _visible_units(user)
        .select_related("program", "lead_unit")
        .annotate(has_open_request=Exists(RecognitionRequest.objects.open().filter(institute=OuterRef("pk"))))
        .prefetch_related(Prefetch("recognition_requests",
                                   queryset=RecognitionRequest.objects.order_by("-filed_at", "-pk")))
        .order_by("cultivation_deadline", "pk")
    )
    return rows.filter(state=state) if state else rows


def cultivation_unit(user, pk: int) -> Institute:
    return _visible_units(user).select_related("program", "lead_unit").get(pk=pk)


def recognition_for_user(user, pk: int) -> RecognitionRequest:
    return (
        RecognitionRequest.objects.for_user(user)
        .select_related("institute__program", "institute__lead_unit", "filed_by", "acceptance__recorded_by")
        .prefetch_related("acceptance__checks")
        .get(pk=pk)
    )
