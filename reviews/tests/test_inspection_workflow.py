"""Site inspection: the attendance rules at their edges (HN23 规程 第六条 第三步 4), the written
assessment of each listed applicant, the applications moving on to the decision once all are
assessed, and the rejection of the applications the panel did not list."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext

from institutes.models import Application
from portal.audit.models import AuditEvent
from portal.workflow import TransitionRefused
from reviews.models import InspectionAssessment, InspectionAttendance, PanelMember, SiteInspection
from reviews.services import inspections as service
from tests.factories import program_manager
from tests.factories_reviews_publicity import listed_panel, members

pytestmark = pytest.mark.django_db
S = Application.State
R = PanelMember.Role
ASSESSMENT = {"strengths": "技术领先", "necessity": "产业急需", "problems": "中试条件不足", "future_focus": "加强中试"}


def record(panel, *, absent=(), user=None, visited_on=None):
    """Record a visit with the members at the given positions (0 = leader, 1 = deputy) absent."""
    seated = members(panel)
    present = {m.pk for i, m in enumerate(seated) if i not in absent}
    return service.record_inspection(
        panel, user=user or program_manager("ZZ23"), visited_on=visited_on or timezone.localdate(),
        location="郑州市高新区", present_member_ids=present,
    )


def assess(inspection, item, *, recommend=True, user=None):
    return service.record_assessment(inspection, item, user=user or program_manager("ZZ23"),
                                     recommend_listing=recommend, **ASSESSMENT)


# ---- attendance ---------------------------------------------------------------------------------

@pytest.mark.parametrize("absent", [(), (4,), (3, 4), (0, 4), (1, 4), (0, 3), (1,)])
def test_a_visit_goes_ahead_with_at_most_two_absent_and_never_both_leader_and_deputy(absent):
    panel, listed, _off = listed_panel()
    inspection = record(panel, absent=absent)
    rows = {row.member.pk: row.present for row in InspectionAttendance.objects.filter(inspection=inspection)}
    assert len(rows) == 5
    assert [i for i, m in enumerate(members(panel)) if not rows[m.pk]] == list(absent)
    for item in listed:
        item.application.refresh_from_db()
        assert item.application.state == S.SITE_INSPECTION
    event = AuditEvent.objects.for_object(panel).get(action="site_inspection")
    assert len(event.data["absent"]) == len(absent)


@pytest.mark.parametrize("absent", [(2, 3, 4), (0, 2, 3), (0, 1, 2, 3, 4)])
def test_three_or_more_absent_is_refused_and_nothing_is_saved(absent):
    panel, listed, _off = listed_panel()
    with pytest.raises(TransitionRefused) as refusal:
        record(panel, absent=absent)
    assert str(len(absent)) in refusal.value.message
    assert not SiteInspection.objects.exists() and not InspectionAttendance.objects.exists()
    listed[0].application.refresh_from_db()
    assert listed[0].application.state == S.EXPERT_REVIEW


def test_leader_and_deputy_both_absent_is_refused_even_with_only_two_absent():
    panel, _listed, _off = listed_panel()
    with pytest.raises(TransitionRefused) as refusal:
        record(panel, absent=(0, 1))
    assert refusal.value.message == gettext(
        "The leader and the deputy leader are both absent, and they may not both be. "
        "Replace one of them by a new draw on the panel page, then record the visit.")
    assert not SiteInspection.objects.exists()


def test_a_three_member_panel_may_miss_two_but_not_its_leader_and_deputy():
    panel, _listed, _off = listed_panel(roles=(R.LEADER, R.DEPUTY, R.MEMBER))
    with pytest.raises(TransitionRefused):
        record(panel, absent=(0, 1))
    assert record(panel, absent=(1, 2)).pk


def test_members_who_declined_are_not_counted():
    panel, _listed, _off = listed_panel()
    declined = members(panel)[4]
    PanelMember.objects.filter(pk=declined.pk).update(status=PanelMember.Status.DECLINED)
    leader, deputy = members(panel)[:2]
    inspection = service.record_inspection(
        panel, user=program_manager("ZZ23"), visited_on=timezone.localdate(), location="现场",
        present_member_ids={leader.pk, deputy.pk},
    )
    assert InspectionAttendance.objects.filter(inspection=inspection, present=False).count() == 2
    assert not InspectionAttendance.objects.filter(inspection=inspection, member=declined).exists()


def test_the_list_must_be_confirmed_by_every_member_first():
    panel, _listed, _off = listed_panel(confirmed=False)
    with pytest.raises(TransitionRefused):
        record(panel)
    assert not SiteInspection.objects.exists()


@pytest.mark.parametrize("problem", ["future", "stranger", "nothing_listed"])
def test_a_bad_visit_is_refused(problem):
    panel, listed, _off = listed_panel(listed=0 if problem == "nothing_listed" else 2)
    manager = program_manager("ZZ23")
    present = {m.pk for m in members(panel)}
    visited_on = timezone.localdate()
    if problem == "future":
        visited_on += datetime.timedelta(days=1)
    if problem == "stranger":
        other, _l, _o = listed_panel()
        present.add(members(other)[0].pk)
    with pytest.raises(TransitionRefused):
        service.record_inspection(panel, user=manager, visited_on=visited_on, location="现场",
                                  present_member_ids=present)
    assert not SiteInspection.objects.filter(panel=panel).exists()


def test_only_a_manager_of_the_program_records_a_visit():
    panel, _listed, _off = listed_panel()
    with pytest.raises(PermissionDenied):
        record(panel, user=program_manager("HN23"))


# ---- assessments ---------------------------------------------------------------------------------

def test_the_applications_move_on_once_every_listed_applicant_is_assessed():
    panel, (first, second), (off,) = listed_panel()
    inspection = record(panel)
    assert assess(inspection, first, recommend=True) == 0
    first.application.refresh_from_db()
    assert first.application.state == S.SITE_INSPECTION
    assert assess(inspection, second, recommend=False) == 2
    for item, expected in ((first, True), (second, False)):
        item.application.refresh_from_db()
        assert item.application.state == S.AWAITING_DECISION
        event = AuditEvent.objects.for_object(item.application).get(action="conclude_site_inspection")
        assert event.data["recommend_listing"] is expected
    off.application.refresh_from_db()
    assert off.application.state == S.EXPERT_REVIEW
    saved = InspectionAssessment.objects.get(item=first)
    assert (saved.strengths, saved.recommend_listing) == ("技术领先", True)


def test_an_applicant_is_assessed_once():
    panel, (first, _second), _off = listed_panel()
    inspection = record(panel)
    assess(inspection, first)
    with pytest.raises(TransitionRefused):
        assess(inspection, first)
    assert InspectionAssessment.objects.count() == 1


def test_an_applicant_off_the_list_or_of_another_panel_cannot_be_assessed():
    panel, _listed, (off,) = listed_panel()
    other, (elsewhere, _x), _o = listed_panel()
    inspection = record(panel)
    for item in (off, elsewhere):
        with pytest.raises(TransitionRefused):
            assess(inspection, item)
    assert not InspectionAssessment.objects.exists()


def test_every_part_of_the_assessment_is_needed():
    panel, (first, _second), _off = listed_panel()
    inspection = record(panel)
    with pytest.raises(TransitionRefused):
        service.record_assessment(inspection, first, user=program_manager("ZZ23"), recommend_listing=True,
                                  **{**ASSESSMENT, "problems": " "})
    assert not InspectionAssessment.objects.exists()


def test_a_withdrawn_listed_application_does_not_hold_the_others_back():
    panel, (first, second), _off = listed_panel()
    inspection = record(panel)
    Application.objects.filter(pk=second.application_id).update(state=S.REJECTED)
    assert assess(inspection, first) == 1
    first.application.refresh_from_db()
    assert first.application.state == S.AWAITING_DECISION


# ---- those not listed ----------------------------------------------------------------------------

def test_applications_not_listed_are_rejected_with_the_reason():
    panel, (listed_item, _second), (off,) = listed_panel()
    assert service.reject_not_listed(panel, user=program_manager("ZZ23"), reason="平均分未达80分") == 1
    off.application.refresh_from_db()
    listed_item.application.refresh_from_db()
    assert (off.application.state, listed_item.application.state) == (S.REJECTED, S.EXPERT_REVIEW)
    assert AuditEvent.objects.for_object(off.application).get(action="reject").comment == "平均分未达80分"
    with pytest.raises(TransitionRefused):
        service.reject_not_listed(panel, user=program_manager("ZZ23"), reason="再次")


def test_rejecting_the_not_listed_needs_a_reason_and_a_confirmed_list():
    panel, _listed, (off,) = listed_panel(confirmed=False)
    manager = program_manager("ZZ23")
    with pytest.raises(TransitionRefused):
        service.reject_not_listed(panel, user=manager, reason="原因")
    PanelMember.objects.filter(panel=panel).update(site_list_confirmed_at=timezone.now())
    with pytest.raises(TransitionRefused):
        service.reject_not_listed(panel, user=manager, reason=" ")
    off.application.refresh_from_db()
    assert off.application.state == S.EXPERT_REVIEW
