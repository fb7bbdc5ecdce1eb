"""The ranking: aggregates per item from the database, the outlier flag at its edge (more than 15
points from the item's panel mean), the pass mark at its edge (an average of 80 is proposed, 79.99
is not) — both numbers read from the rubric — and the site-inspection list: marked by the manager
among the proposed items, then confirmed by every accepted member."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from reviews.models import Panel, PanelMember
from reviews.selectors.scoring import ranking, site_list_status
from reviews.services import scoring as services
from tests.factories import program_manager
from tests.factories_reviews_scoring import add_items, declare, make_panel, members, score, set_state

pytestmark = pytest.mark.django_db
D = Decimal


def panel_scored(*rows, code="HN23", purpose=Panel.Purpose.APPLICATION_REVIEW):
    """A 5-expert panel with one item per row of five totals (None: that expert declared a conflict)."""
    panel = make_panel(code, purpose, items=len(rows), manager=program_manager(code, username=f"mgr-{code}"))
    seats, items = members(panel), list(panel.items.order_by("pk"))
    totals = {}
    for item, row in zip(items, rows):
        for seat, total in zip(seats, row):
            if total is None:
                declare(seat, item, conflict=True)
            else:
                totals[(seat, item)] = total
    score(panel, totals)
    return panel, items


def row_of(board, item):
    return next(row for row in board.rows if row.item.pk == item.pk)


def flags(row):
    return [cell.deviates for cell in row.totals]


def test_each_item_gets_average_min_max_spread_and_sheet_count():
    panel, (item,) = panel_scored(["70", "80", "85.5", "90", "94.5"])
    row = ranking(panel).rows[0]
    assert (row.sheets, row.expected) == (5, 5)
    assert (row.average, row.lowest, row.highest, row.spread) == (D(84), D(70), D("94.5"), D("24.5"))
    assert [cell.total for cell in row.totals] == [D(70), D(80), D("85.5"), D(90), D("94.5")]


def test_exactly_15_points_from_the_mean_is_not_flagged_15_01_is():
    panel, (at_edge, beyond, high_edge, high_beyond) = panel_scored(
        ["65", "83.75", "83.75", "83.75", "83.75"],      # mean 80: 65 is 15 below
        ["64.99", "83.75", "83.75", "83.75", "83.76"],   # mean 80: 64.99 is 15.01 below
        ["95", "76.25", "76.25", "76.25", "76.25"],      # mean 80: 95 is 15 above
        ["95.01", "76.25", "76.25", "76.25", "76.24"],   # mean 80: 95.01 is 15.01 above
    )
    board = ranking(panel)
    assert flags(row_of(board, at_edge)) == [False] * 5
    assert flags(row_of(board, beyond)) == [True, False, False, False, False]
    assert flags(row_of(board, high_edge)) == [False] * 5
    assert flags(row_of(board, high_beyond)) == [True, False, False, False, False]


def test_the_outlier_margin_is_the_rubrics():
    panel, (item,) = panel_scored(["70", "82.5", "82.5", "82.5", "82.5"])  # mean 80: 70 is 10 below
    assert flags(ranking(panel).rows[0])[0] is False
    panel.rubric.outlier_margin = D(10)
    panel.rubric.save()
    assert flags(ranking(panel).rows[0])[0] is False
    panel.rubric.outlier_margin = D("9.99")
    panel.rubric.save()
    assert flags(ranking(panel).rows[0])[0] is True


def test_an_average_of_exactly_80_is_proposed_79_99_is_not():
    panel, (exact, below, almost) = panel_scored(
        ["80"] * 5,
        ["79.99"] * 5,
        ["79.99", "80", "80", "80", "80"],  # 79.998: shown rounded as 80.00, still below the mark
    )
    board = ranking(panel)
    assert row_of(board, exact).proposed is True
    assert row_of(board, below).proposed is False
    assert row_of(board, almost).proposed is False
    assert [row.item for row in board.proposed] == [exact]


def test_the_pass_mark_is_the_rubrics_not_the_codes():
    panel, (item,) = panel_scored(["84"] * 5)
    assert ranking(panel).rows[0].proposed
    panel.rubric.pass_mark = D(85)
    panel.rubric.save()
    assert not ranking(panel).rows[0].proposed


def test_a_rubric_without_a_pass_mark_proposes_nothing():
    panel, (item,) = panel_scored(["99"] * 5, code="ZZ23", purpose=Panel.Purpose.ANNUAL_EVALUATION)
    board = ranking(panel)
    assert board.pass_mark is None
    assert board.proposed == []


def test_rows_are_sorted_by_average_and_ties_share_a_rank():
    panel, (low, high, tie_a, tie_b) = panel_scored(["70"] * 5, ["95"] * 5, ["88"] * 5, ["88"] * 5)
    board = ranking(panel)
    assert [row.item for row in board.rows] == [high, tie_a, tie_b, low]
    assert [row.rank for row in board.rows] == [1, 2, 2, 4]


def test_a_declared_conflict_leaves_a_gap_and_is_not_waited_for():
    panel, (item,) = panel_scored(["80", None, "90", "85", "85"])
    board = ranking(panel)
    row = board.rows[0]
    assert (row.sheets, row.expected, row.average) == (4, 4, D(85))
    assert row.totals[1].total is None
    assert board.complete


def test_sheets_of_a_replaced_member_do_not_count():
    panel, (item,) = panel_scored(["20", "80", "80", "80", "80"])
    PanelMember.objects.filter(pk=members(panel)[0].pk).update(status=PanelMember.Status.CONFLICT)
    row = ranking(panel).rows[0]
    assert (row.sheets, row.average, row.lowest) == (4, D(80), D(80))
    assert len(row.totals) == 4


def test_the_ranking_is_incomplete_while_a_sheet_is_missing():
    panel, (item,) = panel_scored(["80"] * 5)
    add_items(panel, 1)
    board = ranking(panel)
    assert not board.complete
    assert (board.submitted, board.expected) == (5, 10)


# ---- closing scoring ----------------------------------------------------------------------------

def test_the_manager_closes_scoring_through_the_door_and_members_are_told(django_capture_on_commit_callbacks):
    panel, _items = panel_scored(["80"] * 5)
    manager = panel.program.managers.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.close_scoring(panel, manager)
    panel.refresh_from_db()
    assert panel.state == Panel.State.RANKED
    assert AuditEvent.objects.for_object(panel).get(action="close_scoring").actor == manager
    assert Notification.objects.filter(url__contains="/ranking/").count() == 5


def test_scoring_cannot_close_while_a_sheet_is_missing():
    panel = make_panel("HN23", items=1)
    with pytest.raises(TransitionRefused):
        services.close_scoring(panel, panel.program.managers.get())
    panel.refresh_from_db()
    assert panel.state == Panel.State.SCORING


# ---- the site-inspection list -------------------------------------------------------------------

@pytest.fixture
def ranked():
    panel, items = panel_scored(["90"] * 5, ["80"] * 5, ["79.99"] * 5)
    return set_state(panel, Panel.State.RANKED), items


def test_the_manager_lists_proposed_items_and_every_member_is_asked_to_confirm(
    ranked, django_capture_on_commit_callbacks
):
    panel, (top, edge, below) = ranked
    with django_capture_on_commit_callbacks(execute=True):
        listed = services.mark_site_list(panel, panel.program.managers.get(), [top.pk, edge.pk])

    assert listed == [top, edge]
    listed = dict(panel.items.values_list("pk", "listed_for_inspection"))
    assert listed == {top.pk: True, edge.pk: True, below.pk: False}
    status = site_list_status(panel)
    assert (status.marked, status.awaiting_signatures, status.confirmed, status.signatories) == (True, True, 0, 5)
    assert Notification.objects.filter(url__contains="/site-list/confirm/").count() == 5
    assert AuditEvent.objects.for_object(panel).get(action="mark_site_list").data["listed"] == [top.pk, edge.pk]


def test_an_item_below_the_pass_mark_cannot_be_listed(ranked):
    panel, (top, edge, below) = ranked
    with pytest.raises(TransitionRefused):
        services.mark_site_list(panel, panel.program.managers.get(), [top.pk, below.pk])
    assert not site_list_status(panel).marked


def test_the_list_is_marked_only_once_scoring_is_closed():
    panel, (item,) = panel_scored(["90"] * 5)
    with pytest.raises(TransitionRefused):
        services.mark_site_list(panel, panel.program.managers.get(), [item.pk])


def test_an_annual_evaluation_panel_has_no_site_list():
    panel, (item,) = panel_scored(["90"] * 5, code="ZZ23", purpose=Panel.Purpose.ANNUAL_EVALUATION)
    set_state(panel, Panel.State.RANKED)
    with pytest.raises(TransitionRefused):
        services.mark_site_list(panel, panel.program.managers.get(), [])


def test_only_a_manager_of_the_program_marks_the_list(ranked):
    panel, (top, _edge, _below) = ranked
    for user in (program_manager("ZZ23"), members(panel)[0].expert.user):
        with pytest.raises(PermissionDenied):
            services.mark_site_list(panel, user, [top.pk])


def test_the_list_awaits_signatures_until_every_member_confirmed(ranked, django_capture_on_commit_callbacks):
    panel, (top, _edge, _below) = ranked
    manager = panel.program.managers.get()
    services.mark_site_list(panel, manager, [top.pk])
    seats = members(panel)
    for seat in seats[:4]:
        services.confirm_site_list(panel, seat.expert.user)
    assert site_list_status(panel).awaiting_signatures

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_site_list(panel, seats[4].expert.user)

    assert site_list_status(panel).signed
    assert list(Notification.objects.filter(recipient=manager).values_list("url", flat=True)) == [
        f"/scoring/panels/{panel.pk}/ranking/"]
    assert AuditEvent.objects.for_object(panel).filter(action="confirm_site_list").count() == 5


def test_a_member_confirms_once_and_only_a_marked_list(ranked):
    panel, (top, _edge, _below) = ranked
    seat = members(panel)[0]
    with pytest.raises(TransitionRefused):
        services.confirm_site_list(panel, seat.expert.user)
    services.mark_site_list(panel, panel.program.managers.get(), [top.pk])
    services.confirm_site_list(panel, seat.expert.user)
    with pytest.raises(TransitionRefused):
        services.confirm_site_list(panel, seat.expert.user)


def test_marking_again_starts_the_signatures_over(ranked):
    panel, (top, edge, _below) = ranked
    manager = panel.program.managers.get()
    services.mark_site_list(panel, manager, [top.pk])
    services.confirm_site_list(panel, members(panel)[0].expert.user)

    services.mark_site_list(panel, manager, [top.pk, edge.pk])

    assert site_list_status(panel).confirmed == 0


def test_a_replaced_member_does_not_sign(ranked):
    panel, (top, _edge, _below) = ranked
    services.mark_site_list(panel, panel.program.managers.get(), [top.pk])
    gone = members(panel)[0]
    PanelMember.objects.filter(pk=gone.pk).update(status=PanelMember.Status.DECLINED)
    with pytest.raises(PermissionDenied):
        services.confirm_site_list(panel, gone.expert.user)
    assert site_list_status(panel).signatories == 4
