"""Rules for panels, their draw and the experts' invitations; see reviews/rules.py.

Objects: `Program` for drawing a panel, `Panel` for viewing and managing it, `PanelMember` for
answering an invitation (the expert, or a manager of the program recording an answer given by
phone). Membership is read from the database at each check."""
import rules

from ..models import PanelMember
from .common import is_expert, is_program_manager, manages_program_of


@rules.predicate
def manages_program(user, program):
    return user.managed_programs.filter(pk=program.pk).exists()


@rules.predicate
def seated_on_panel(user, panel):
    return PanelMember.objects.seated().filter(panel_id=panel.pk, expert__user=user).exists()


@rules.predicate
def leads_panel(user, panel):
    return PanelMember.objects.filter(
        panel_id=panel.pk, expert__user=user, role=PanelMember.Role.LEADER, status=PanelMember.Status.ACCEPTED
    ).exists()


@rules.predicate
def is_the_invited_expert(user, member):
    return member.expert.user_id == user.pk


@rules.predicate
def manages_member_program(user, member):
    return user.managed_programs.filter(pk=member.panel.program_id).exists()


rules.add_perm("reviews.add_panel", is_program_manager)
rules.add_perm("reviews.draw_panel", is_program_manager & manages_program)
rules.add_perm("reviews.view_panel", (is_program_manager & manages_program_of) | (is_expert & seated_on_panel))
rules.add_perm("reviews.manage_panel", is_program_manager & manages_program_of)
rules.add_perm("reviews.lead_panel", is_expert & leads_panel)
rules.add_perm("reviews.view_invitations", is_expert)
rules.add_perm(
    "reviews.respond_to_invitation",
    (is_expert & is_the_invited_expert) | (is_program_manager & manages_member_program),
)
