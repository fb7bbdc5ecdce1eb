"""Rules for the expert's side of scoring and for the ranking; see reviews/rules.py.

Objects: `PanelItem` for declaring and opening an item, `ScoreSheet` for scoring and reopening,
`Panel` for the progress page, the ranking and the site-inspection list. Every predicate reads the
membership from the database, so a member replaced a moment ago loses access at once."""
import rules

from ..models import ConflictDeclaration, Panel, PanelMember
from .common import is_expert, is_program_manager

ASSIGNED_PANEL_STATES = (Panel.State.SCORING, Panel.State.RANKED)
RANKED_PANEL_STATES = (Panel.State.RANKED, Panel.State.CLOSED)


def _accepted_seats(user, panel_id):
    return PanelMember.objects.filter(panel_id=panel_id, expert__user=user, status=PanelMember.Status.ACCEPTED)


@rules.predicate
def manages_panel_program(user, panel):
    return user.managed_programs.filter(pk=panel.program_id).exists()


@rules.predicate
def manages_item_program(user, item):
    return user.managed_programs.filter(pk=item.panel.program_id).exists()


@rules.predicate
def sits_on_panel(user, panel):
    return _accepted_seats(user, panel.pk).exists()


@rules.predicate
def leads_panel(user, panel):
    return _accepted_seats(user, panel.pk).filter(role=PanelMember.Role.LEADER).exists()


@rules.predicate
def panel_is_ranked(user, panel):
    return panel.state in RANKED_PANEL_STATES


@rules.predicate
def sits_on_item_panel_while_assigned(user, item):
    return item.panel.state in ASSIGNED_PANEL_STATES and _accepted_seats(user, item.panel_id).exists()


@rules.predicate
def declared_no_conflict_on_item(user, item):
    return ConflictDeclaration.objects.filter(
        item=item, has_conflict=False, member__panel_id=item.panel_id, member__expert__user=user,
        member__status=PanelMember.Status.ACCEPTED,
    ).exists()


@rules.predicate
def owns_sheet(user, sheet):
    return sheet.member.status == PanelMember.Status.ACCEPTED and sheet.member.expert.user_id == user.pk


@rules.predicate
def sheet_panel_is_scoring(user, sheet):
    return sheet.member.panel.state == Panel.State.SCORING


@rules.predicate
def sheet_declared_no_conflict(user, sheet):
    return ConflictDeclaration.objects.filter(
        member_id=sheet.member_id, item_id=sheet.item_id, has_conflict=False
    ).exists()


@rules.predicate
def leads_sheet_panel(user, sheet):
    return _accepted_seats(user, sheet.member.panel_id).filter(role=PanelMember.Role.LEADER).exists()


manager_of_panel = is_program_manager & manages_panel_program
assigned_item_member = is_expert & sits_on_item_panel_while_assigned

rules.add_perm("reviews.view_assignments", is_expert)
rules.add_perm("reviews.declare_interests", assigned_item_member)
rules.add_perm(
    "reviews.view_item_content",
    (assigned_item_member & declared_no_conflict_on_item) | (is_program_manager & manages_item_program),
)
rules.add_perm("reviews.score_sheet", is_expert & owns_sheet & sheet_panel_is_scoring & sheet_declared_no_conflict)
rules.add_perm("reviews.reopen_sheet", is_expert & leads_sheet_panel)
rules.add_perm("reviews.view_scoring_progress", manager_of_panel | (is_expert & leads_panel))
rules.add_perm("reviews.view_ranking", manager_of_panel | (is_expert & sits_on_panel & panel_is_ranked))
rules.add_perm("reviews.manage_ranking", manager_of_panel)
rules.add_perm("reviews.confirm_site_list", is_expert & sits_on_panel)
