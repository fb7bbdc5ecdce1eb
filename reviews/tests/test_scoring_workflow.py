"""The expert's side through the services: declaration before anything opens, a conflict keeps the
item closed, points within each criterion's range, submission through the door locks the sheet,
and only the panel leader reopens it — with a reason, in the audit trail, the expert told."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from reviews.models import ConflictDeclaration, Panel, PanelItem, Score, ScoreSheet
from reviews.selectors import scoring as selectors
from reviews.services import scoring as services
from reviews.services.scoring import ScoreEntry
from tests.factories import program_manager
from tests.factories_reviews_scoring import (
    declare, expert_user, leader, make_panel, members, score, score_everything, set_state,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel():
    return make_panel("HN23", items=2, manager=program_manager("HN23", username="hn23-manager"))


@pytest.fixture
def seat(panel):
    """An ordinary (non-leader) member of the panel."""
    return members(panel)[2]


def first_item(panel) -> PanelItem:
    return panel.items.order_by("pk").first()


def entries_for(sheet, *points):
    criteria = selectors.criteria_of(sheet)
    return {c.pk: ScoreEntry(points=Decimal(p) if p is not None else None, comment=f"意见{i}")
            for i, (c, p) in enumerate(zip(criteria, points))}


def full_marks(sheet):
    return entries_for(sheet, *[c.max_points for c in selectors.criteria_of(sheet)])


def open_sheet(seat, item) -> ScoreSheet:
    services.declare_interests(item, seat.expert.user, has_conflict=False)
    return ScoreSheet.objects.get(member=seat, item=item)


# ---- declaration ----------------------------------------------------------------------------

def test_declaring_no_conflict_opens_a_draft_sheet_and_is_audited(panel, seat):
    item = first_item(panel)
    user = seat.expert.user
    assert not user.has_perm("reviews.view_item_content", item)

    services.declare_interests(item, user, has_conflict=False)

    assert user.has_perm("reviews.view_item_content", item)
    assert ScoreSheet.objects.get(member=seat, item=item).state == ScoreSheet.State.DRAFT
    event = AuditEvent.objects.for_object(panel).get(action="declare_no_conflict")
    assert (event.actor, event.data["item"]) == (user, item.pk)


def test_declaring_a_conflict_closes_that_item_only_and_tells_the_managers(
    panel, seat, django_capture_on_commit_callbacks
):
    item, other = panel.items.order_by("pk")
    user = seat.expert.user

    with django_capture_on_commit_callbacks(execute=True):
        services.declare_interests(item, user, has_conflict=True, statement="三年内曾在牵头单位任职")

    assert not user.has_perm("reviews.view_item_content", item)
    assert not ScoreSheet.objects.filter(member=seat, item=item).exists()
    seat.refresh_from_db()
    assert seat.status == seat.Status.ACCEPTED  # still seated for the other items
    assert user.has_perm("reviews.declare_interests", other)
    note = Notification.objects.get(recipient__username="hn23-manager")
    assert "三年内曾在牵头单位任职" in note.message and seat.expert.name in note.message
    assert AuditEvent.objects.for_object(panel).get(action="declare_conflict").comment == "三年内曾在牵头单位任职"


def test_a_conflict_needs_a_statement(panel, seat):
    with pytest.raises(TransitionRefused):
        services.declare_interests(first_item(panel), seat.expert.user, has_conflict=True, statement="   ")
    assert not ConflictDeclaration.objects.exists()


def test_a_declaration_is_made_once(panel, seat):
    item = first_item(panel)
    services.declare_interests(item, seat.expert.user, has_conflict=False)
    with pytest.raises(TransitionRefused):
        services.declare_interests(item, seat.expert.user, has_conflict=True, statement="改口")
    assert ConflictDeclaration.objects.get().has_conflict is False


def test_an_expert_off_the_panel_cannot_declare(panel):
    with pytest.raises(PermissionDenied):
        services.declare_interests(first_item(panel), expert_user(), has_conflict=False)
    assert not ConflictDeclaration.objects.exists()


def test_declarations_close_with_scoring(panel, seat):
    set_state(panel, Panel.State.RANKED)
    with pytest.raises(TransitionRefused):
        services.declare_interests(first_item(panel), seat.expert.user, has_conflict=False)


def test_a_conflict_blocks_scoring_of_that_item(panel, seat):
    item = first_item(panel)
    declare(seat, item, conflict=True)
    stray = ScoreSheet.objects.create(member=seat, item=item)  # a sheet that should never have been opened

    assert not seat.expert.user.has_perm("reviews.score_sheet", stray)
    with pytest.raises(PermissionDenied):
        services.save_scores(stray, seat.expert.user, full_marks(stray))
    assert not Score.objects.exists()


# ---- scoring --------------------------------------------------------------------------------

def test_a_draft_keeps_partial_scores_and_blank_points_clear_a_criterion(panel, seat):
    sheet = open_sheet(seat, first_item(panel))
    services.save_scores(sheet, seat.expert.user, entries_for(sheet, "10", "15.5"))
    services.save_scores(sheet, seat.expert.user, entries_for(sheet, None, "16"))

    assert list(sheet.scores.values_list("points", "comment")) == [(Decimal("16.00"), "意见1")]
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.DRAFT


@pytest.mark.parametrize("points", ["-0.01", "15.01", "7.123"])
def test_the_service_refuses_points_outside_the_criterion_and_saves_nothing(panel, seat, points):
    """HN23 key industry takes 0–15 points with two decimals; the forms check first, the service again."""
    sheet = open_sheet(seat, first_item(panel))
    services.save_scores(sheet, seat.expert.user, entries_for(sheet, "1", "1"))

    with pytest.raises(TransitionRefused):
        services.save_scores(sheet, seat.expert.user, entries_for(sheet, points, "20"))
    assert list(sheet.scores.values_list("points", flat=True)) == [Decimal(1), Decimal(1)]


def test_the_service_accepts_exactly_the_maximum(panel, seat):
    sheet = open_sheet(seat, first_item(panel))
    services.save_scores(sheet, seat.expert.user, entries_for(sheet, "15.00"))
    assert sheet.scores.get().points == Decimal(15)


def test_submit_computes_the_total_and_locks_the_sheet(panel, seat):
    sheet = open_sheet(seat, first_item(panel))
    user = seat.expert.user

    services.submit_scores(sheet, user, entries_for(sheet, "12", "18", "20.5", "25", "8"))

    sheet.refresh_from_db()
    assert (sheet.state, sheet.total) == (ScoreSheet.State.SUBMITTED, Decimal("83.50"))
    event = AuditEvent.objects.for_object(sheet).get(action="submit")
    assert event.data["scores"]["carrier"] == "18"
    with pytest.raises(TransitionRefused):
        services.save_scores(sheet, user, full_marks(sheet))
    with pytest.raises(TransitionRefused):
        services.submit_scores(sheet, user, full_marks(sheet))
    assert sheet.scores.get(criterion__code="carrier").points == Decimal(18)


def test_submit_needs_every_criterion_and_then_saves_nothing(panel, seat):
    sheet = open_sheet(seat, first_item(panel))
    with pytest.raises(TransitionRefused):
        services.submit_scores(sheet, seat.expert.user, entries_for(sheet, "12", "18", "20", "25"))
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.DRAFT
    assert not sheet.scores.exists()


def test_only_the_sheets_own_expert_scores_it(panel, seat):
    sheet = open_sheet(seat, first_item(panel))
    for intruder in (leader(panel).expert.user, program_manager("HN23"), expert_user()):
        with pytest.raises(PermissionDenied):
            services.save_scores(sheet, intruder, full_marks(sheet))
    assert not sheet.scores.exists()


def test_scoring_stops_when_the_panel_leaves_scoring(panel, seat):
    sheet = open_sheet(seat, first_item(panel))
    set_state(panel, Panel.State.RANKED)
    with pytest.raises(PermissionDenied):
        services.save_scores(sheet, seat.expert.user, full_marks(sheet))


def test_the_managers_hear_when_the_last_sheet_is_in(panel, django_capture_on_commit_callbacks):
    seats, items = members(panel), list(panel.items.order_by("pk"))
    score(panel, {(m, i): 80 for m in seats for i in items if (m, i) != (seats[4], items[1])})
    sheet = open_sheet(seats[4], items[1])

    with django_capture_on_commit_callbacks(execute=True):
        services.submit_scores(sheet, seats[4].expert.user, full_marks(sheet))

    assert Notification.objects.filter(recipient__username="hn23-manager", url__contains="/ranking/").count() == 1


# ---- other experts' scores stay hidden until everyone has submitted ---------------------------

def test_others_scores_are_hidden_until_every_expert_submitted_for_the_item(panel, seat):
    item = first_item(panel)
    seats = members(panel)
    score(panel, {(m, item): 85 for m in seats if m != seat})
    assert not selectors.item_progress(item).complete

    sheet = open_sheet(seat, item)
    services.submit_scores(sheet, seat.expert.user, full_marks(sheet))

    assert selectors.item_progress(item) == selectors.ItemProgress(expected=5, submitted=5)


def test_a_member_with_a_conflict_is_not_waited_for(panel, seat):
    item = first_item(panel)
    declare(seat, item, conflict=True)
    score(panel, {(m, item): 85 for m in members(panel) if m != seat})
    assert selectors.item_progress(item) == selectors.ItemProgress(expected=4, submitted=4)


# ---- reopening --------------------------------------------------------------------------------

@pytest.fixture
def submitted(panel, seat):
    sheet = open_sheet(seat, first_item(panel))
    services.submit_scores(sheet, seat.expert.user, full_marks(sheet))
    sheet.refresh_from_db()
    return sheet


def test_the_leader_reopens_with_a_reason_audited_and_the_expert_told(
    panel, seat, submitted, django_capture_on_commit_callbacks
):
    chief = leader(panel).expert.user
    with django_capture_on_commit_callbacks(execute=True):
        services.reopen_sheet(submitted, chief, reason="载体得分与评审意见不一致，请复核")

    submitted.refresh_from_db()
    assert (submitted.state, submitted.submitted_at) == (ScoreSheet.State.DRAFT, None)
    event = AuditEvent.objects.for_object(submitted).get(action="reopen")
    assert (event.actor, event.comment) == (chief, "载体得分与评审意见不一致，请复核")
    assert Notification.objects.get(recipient=seat.expert.user, url__contains="/score/").message.endswith("请复核")
    services.save_scores(submitted, seat.expert.user, entries_for(submitted, "10"))  # editable again


def test_no_one_but_the_leader_reopens(panel, submitted):
    deputy = members(panel)[1].expert.user
    for user in (submitted.member.expert.user, deputy, program_manager("HN23"), expert_user()):
        with pytest.raises(PermissionDenied):
            services.reopen_sheet(submitted, user, reason="请复核")
    submitted.refresh_from_db()
    assert submitted.state == ScoreSheet.State.SUBMITTED
    assert not AuditEvent.objects.filter(action="reopen").exists()


def test_reopening_needs_a_reason(panel, submitted):
    with pytest.raises(TransitionRefused):
        services.reopen_sheet(submitted, leader(panel).expert.user, reason="  ")
    submitted.refresh_from_db()
    assert submitted.state == ScoreSheet.State.SUBMITTED


def test_a_draft_cannot_be_reopened(panel, seat):
    sheet = open_sheet(seat, first_item(panel))
    with pytest.raises(TransitionRefused):
        services.reopen_sheet(sheet, leader(panel).expert.user, reason="请复核")


def test_reopening_in_a_ranked_panel_reopens_scoring_and_withdraws_the_site_list():
    panel = make_panel("HN23", items=2)
    score_everything(panel)
    set_state(panel, Panel.State.RANKED)
    services.mark_site_list(panel, panel.program.managers.get(), [first_item(panel).pk])
    services.confirm_site_list(panel, members(panel)[0].expert.user)
    sheet = ScoreSheet.objects.filter(item__panel=panel).order_by("pk").last()

    services.reopen_sheet(sheet, leader(panel).expert.user, reason="发现计分错误")

    panel.refresh_from_db()
    assert panel.state == Panel.State.SCORING
    assert AuditEvent.objects.for_object(panel).get(action="reopen_scoring").comment == "发现计分错误"
    assert not selectors.site_list_status(panel).marked
    assert not panel.members.filter(site_list_confirmed_at__isnull=False).exists()


def test_a_closed_panel_cannot_be_reopened():
    panel = make_panel("HN23", items=1)
    score_everything(panel)
    set_state(panel, Panel.State.CLOSED)
    sheet = ScoreSheet.objects.filter(item__panel=panel).first()
    with pytest.raises(TransitionRefused):
        services.reopen_sheet(sheet, leader(panel).expert.user, reason="请复核")
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.SUBMITTED
