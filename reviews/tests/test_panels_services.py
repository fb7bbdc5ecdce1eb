"""A drawn panel until scoring opens: invitations answered (a decline draws a replacement), the
leader and the deputy appointed, scoring opened through the workflow door."""
import pytest
from django.core.exceptions import PermissionDenied

from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from reviews.models import Expert, Panel, PanelMember
from reviews.services.panels import appoint_roles, open_scoring, respond_to_invitation
from tests.factories import UserFactory, program_manager
from tests.factories_reviews_panels import PoolExpertFactory, drawn_panel, give_account

pytestmark = pytest.mark.django_db


def seat(panel, kind):
    return panel.members.select_related("expert__user").filter(expert__kind=kind).first()


def accept_all(panel):
    for member in panel.members.select_related("expert__user"):
        respond_to_invitation(member, member.expert.user, True)


def test_an_expert_accepts_their_invitation():
    panel = drawn_panel()
    member = seat(panel, Expert.Kind.MANAGEMENT)

    assert respond_to_invitation(member, member.expert.user, True) is None

    member.refresh_from_db()
    assert member.status == PanelMember.Status.ACCEPTED and member.responded_at is not None
    assert AuditEvent.objects.for_object(panel).get(action="accept_invitation").actor == member.expert.user


def test_a_decline_draws_a_replacement_and_tells_the_managers(django_capture_on_commit_callbacks):
    panel = drawn_panel()
    manager = panel.created_by
    member = seat(panel, Expert.Kind.TECHNICAL)
    PoolExpertFactory(kind=Expert.Kind.TECHNICAL, account=True, name="候补专家")

    with django_capture_on_commit_callbacks(execute=True):
        replacement = respond_to_invitation(member, member.expert.user, False, "出国访问")

    member.refresh_from_db()
    assert (member.status, member.response_reason) == (PanelMember.Status.DECLINED, "出国访问")
    assert replacement.replaces_id == member.pk and replacement.status == PanelMember.Status.INVITED
    panel.refresh_from_db()
    assert panel.draw_log[-1]["kind"] == "replacement" and panel.draw_log[-1]["reason"] == "出国访问"
    told = Notification.objects.get(recipient=manager)
    assert member.expert.name in told.message
    assert Notification.objects.filter(recipient=replacement.expert.user).exists()


def test_a_declared_conflict_is_recorded_as_such():
    panel = drawn_panel()
    member = seat(panel, Expert.Kind.TECHNICAL)
    PoolExpertFactory(kind=Expert.Kind.TECHNICAL)

    respond_to_invitation(member, member.expert.user, False, "与牵头单位有合作", conflict=True)

    member.refresh_from_db()
    assert member.status == PanelMember.Status.CONFLICT


def test_a_decline_stands_when_no_replacement_can_be_drawn(django_capture_on_commit_callbacks):
    panel = drawn_panel(size=3)
    Expert.objects.exclude(panel_seats__panel=panel).update(is_active=False)
    member = seat(panel, Expert.Kind.MANAGEMENT)

    with django_capture_on_commit_callbacks(execute=True):
        assert respond_to_invitation(member, member.expert.user, False, "身体原因") is None

    member.refresh_from_db()
    assert member.status == PanelMember.Status.DECLINED
    assert panel.members.count() == 3
    assert Notification.objects.filter(recipient=panel.created_by).exists()


def test_a_decline_needs_a_reason():
    panel = drawn_panel()
    member = seat(panel, Expert.Kind.TECHNICAL)
    with pytest.raises(TransitionRefused):
        respond_to_invitation(member, member.expert.user, False, " ")
    member.refresh_from_db()
    assert member.status == PanelMember.Status.INVITED


def test_an_invitation_is_answered_once():
    panel = drawn_panel()
    member = seat(panel, Expert.Kind.TECHNICAL)
    respond_to_invitation(member, member.expert.user, True)
    with pytest.raises(TransitionRefused):
        respond_to_invitation(member, member.expert.user, False, "改变主意")
    member.refresh_from_db()
    assert member.status == PanelMember.Status.ACCEPTED


def test_only_the_invited_expert_or_the_manager_answers():
    panel = drawn_panel()
    member = seat(panel, Expert.Kind.TECHNICAL)
    other_expert = give_account(PoolExpertFactory())
    with pytest.raises(PermissionDenied):
        respond_to_invitation(member, other_expert, True)
    with pytest.raises(PermissionDenied):
        respond_to_invitation(member, program_manager("HN23"), True)

    respond_to_invitation(member, panel.created_by, True)
    member.refresh_from_db()
    assert member.status == PanelMember.Status.ACCEPTED


def test_the_manager_appoints_a_management_leader_and_a_technical_deputy(django_capture_on_commit_callbacks):
    panel = drawn_panel()
    accept_all(panel)
    leader, deputy = seat(panel, Expert.Kind.MANAGEMENT), seat(panel, Expert.Kind.TECHNICAL)

    with django_capture_on_commit_callbacks(execute=True):
        appoint_roles(panel, panel.created_by, leader, deputy)

    roles = dict(panel.members.values_list("pk", "role"))
    assert roles[leader.pk] == PanelMember.Role.LEADER and roles[deputy.pk] == PanelMember.Role.DEPUTY
    assert sorted(roles.values()).count(PanelMember.Role.MEMBER) == 1
    assert AuditEvent.objects.for_object(panel).get(action="appoint_roles").data == {
        "leader": leader.expert_id, "deputy": deputy.expert_id}
    assert Notification.objects.filter(recipient__in=[leader.expert.user, deputy.expert.user]).count() == 2


def test_appointing_again_moves_the_roles():
    panel = drawn_panel(size=4)
    accept_all(panel)
    managers = list(panel.members.select_related("expert").filter(expert__kind=Expert.Kind.MANAGEMENT))
    technical = seat(panel, Expert.Kind.TECHNICAL)
    appoint_roles(panel, panel.created_by, managers[0], technical)

    appoint_roles(panel, panel.created_by, managers[1], technical)

    roles = dict(panel.members.values_list("pk", "role"))
    assert (roles[managers[0].pk], roles[managers[1].pk]) == (PanelMember.Role.MEMBER, PanelMember.Role.LEADER)


@pytest.mark.parametrize("mistake", ["technical_leader", "same_expert", "not_accepted"])
def test_wrong_appointments_are_refused(mistake):
    panel = drawn_panel()
    management, technical = seat(panel, Expert.Kind.MANAGEMENT), seat(panel, Expert.Kind.TECHNICAL)
    if mistake != "not_accepted":
        accept_all(panel)
    leader, deputy = {
        "technical_leader": (technical, management), "same_expert": (management, management),
        "not_accepted": (management, technical),
    }[mistake]

    with pytest.raises(TransitionRefused):
        appoint_roles(panel, panel.created_by, leader, deputy)

    assert set(panel.members.values_list("role", flat=True)) == {PanelMember.Role.MEMBER}


def test_appointing_needs_the_manager_of_the_program():
    panel = drawn_panel()
    accept_all(panel)
    with pytest.raises(PermissionDenied):
        appoint_roles(panel, program_manager("HN23"), seat(panel, Expert.Kind.MANAGEMENT), seat(panel, Expert.Kind.TECHNICAL))


def test_scoring_opens_only_on_a_complete_panel(django_capture_on_commit_callbacks):
    panel = drawn_panel()
    manager = panel.created_by
    with pytest.raises(TransitionRefused):
        open_scoring(panel, manager)
    accept_all(panel)
    panel.refresh_from_db()
    with pytest.raises(TransitionRefused):
        open_scoring(panel, manager)
    appoint_roles(panel, manager, seat(panel, Expert.Kind.MANAGEMENT), seat(panel, Expert.Kind.TECHNICAL))
    panel.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        open_scoring(panel, manager)

    panel.refresh_from_db()
    assert panel.state == Panel.State.SCORING
    event = AuditEvent.objects.for_object(panel).get(action="open_scoring")
    assert (event.from_state, event.to_state, event.actor) == (Panel.State.FORMING, Panel.State.SCORING, manager)
    assert Notification.objects.filter(message__contains=panel.name).count() == 3


def test_an_expert_cannot_open_scoring():
    panel = drawn_panel()
    accept_all(panel)
    appoint_roles(panel, panel.created_by, seat(panel, Expert.Kind.MANAGEMENT), seat(panel, Expert.Kind.TECHNICAL))
    panel.refresh_from_db()
    with pytest.raises(PermissionDenied):
        open_scoring(panel, UserFactory(role="expert"))
    panel.refresh_from_db()
    assert panel.state == Panel.State.FORMING
