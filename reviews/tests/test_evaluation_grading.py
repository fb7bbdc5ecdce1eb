"""Grade proposal: cut-offs applied to the exact mean, the 优秀 quota rounded down (5 → 1, 4 → 0,
10 → 2), ties at the quota boundary flagged; the manager's settling, changes, confirmation and
publication (idempotent), and the institute seeing nothing before publication."""
from decimal import Decimal

import pytest

from institutes.models import AnnualGrade, Grade
from portal.workflow import TransitionRefused
from reviews.grading_rules import grading_for
from reviews.models import AnnualEvaluation, Panel
from reviews.selectors.evaluation import my_grades
from reviews.services import evaluation as services
from reviews.services.evaluation import Scored, grade_by_cut_offs, propose
from tests.factories import applicant, program_manager
from tests.factories_reviews_evaluation import scored_evaluation

E, G, P, F = Grade.EXCELLENT, Grade.GOOD, Grade.PASS, Grade.FAIL
ZZ23 = grading_for("ZZ23")
CUT_OFFS = [(g, Decimal(ZZ23["cut_offs"][g])) for g in (E, G, P)]
GRADES = ZZ23["grades"]


def rows(*means):
    """One sheet per row with the given total, keys 1, 2, 3… in the order given."""
    return [Scored(key, Decimal(str(mean)), 1) for key, mean in enumerate(means, start=1)]


def grades_of(proposals):
    return {p.key: p.grade for p in proposals}


def quota(n):
    return int(Decimal("0.20") * n)


# ---- the quota at its edges ---------------------------------------------------------------------

@pytest.mark.parametrize(("n", "excellent"), [(4, 0), (5, 1), (9, 1), (10, 2), (14, 2), (15, 3)])
def test_at_most_a_fifth_rounded_down_are_excellent(n, excellent):
    proposals = propose(rows(*[99 - i for i in range(n)]), CUT_OFFS, GRADES, quota(n))
    graded = grades_of(proposals)
    assert sum(1 for g in graded.values() if g == E) == excellent
    assert all(graded[k] == E for k in range(1, excellent + 1)), "the best averages keep 优秀"
    assert all(graded[k] == G for k in range(excellent + 1, n + 1)), "the rest drop to 良好"


def test_five_institutes_all_above_90_give_exactly_one_excellent():
    proposals = propose(rows(95, 94, 93, 92, 91), CUT_OFFS, GRADES, quota(5))
    assert [p.grade for p in proposals] == [E, G, G, G, G]
    assert [p.cut_off_grade for p in proposals] == [E] * 5


def test_four_institutes_give_no_excellent_and_no_tie():
    proposals = propose(rows(99, 99, 98, 97), CUT_OFFS, GRADES, quota(4))
    assert [p.grade for p in proposals] == [G] * 4
    assert not any(p.is_tie for p in proposals)


def test_fewer_excellent_than_the_quota_keep_their_grade():
    proposals = propose(rows(95, 80, 70, 50, 40, 30, 20, 10, 85, 88), CUT_OFFS, GRADES, quota(10))
    assert grades_of(proposals) == {1: E, 2: G, 3: P, 4: F, 5: F, 6: F, 7: F, 8: F, 9: G, 10: G}


# ---- ties ----------------------------------------------------------------------------------------

def test_a_tie_straddling_the_boundary_is_flagged_and_nobody_takes_the_place():
    proposals = propose(rows(92, 92, 91, 80, 70), CUT_OFFS, GRADES, quota(5))
    assert grades_of(proposals) == {1: G, 2: G, 3: G, 4: G, 5: P}
    assert {p.key for p in proposals if p.is_tie} == {1, 2}


def test_a_tie_below_a_clear_leader_shares_the_remaining_place():
    proposals = propose(rows(96, 93, 93, 91, *[50] * 6), CUT_OFFS, GRADES, quota(10))
    graded = grades_of(proposals)
    assert graded[1] == E
    assert {p.key for p in proposals if p.is_tie} == {2, 3}
    assert graded[2] == graded[3] == graded[4] == G


def test_a_tie_that_fits_in_the_quota_is_no_tie():
    proposals = propose(rows(95, 95, 91, *[50] * 7), CUT_OFFS, GRADES, quota(10))
    assert grades_of(proposals)[1] == grades_of(proposals)[2] == E
    assert not any(p.is_tie for p in proposals)


def test_ties_below_the_boundary_are_not_flagged():
    proposals = propose(rows(97, 93, 93, 80, 60), CUT_OFFS, GRADES, quota(5))
    assert not any(p.is_tie for p in proposals)
    assert grades_of(proposals) == {1: E, 2: G, 3: G, 4: G, 5: P}


def test_equal_means_from_different_sheet_counts_are_a_tie():
    tied = [Scored(1, Decimal("184"), 2), Scored(2, Decimal("276"), 3), Scored(3, Decimal("70"), 1),
            Scored(4, Decimal("70"), 1), Scored(5, Decimal("70"), 1)]
    assert {p.key for p in propose(tied, CUT_OFFS, GRADES, 1) if p.is_tie} == {1, 2}


# ---- cut-offs at their boundary -----------------------------------------------------------------------

@pytest.mark.parametrize(("mean", "grade"), [
    ("90", E), ("89.99", G), ("75", G), ("74.99", P), ("60", P), ("59.99", F), ("0", F), ("100", E),
])
def test_cut_offs_are_reached_at_exactly_the_boundary(mean, grade):
    assert grade_by_cut_offs(Scored(1, Decimal(mean), 1), CUT_OFFS, F) == grade


def test_a_mean_that_rounds_to_90_but_is_below_it_is_not_excellent():
    row = Scored(1, Decimal("269.99"), 3)  # 89.9966…: shown 89.99 (cut), never 90.00
    (proposal,) = propose([row], CUT_OFFS, GRADES, None)
    assert proposal.grade == G
    assert proposal.average == Decimal("89.99")


def test_hn23_only_passes_or_fails_and_has_no_quota():
    rules = grading_for("HN23")
    cut = [(g, Decimal(v)) for g, v in rules["cut_offs"].items()]
    proposals = propose(rows(99, 60, 59.99), cut, rules["grades"], None)
    assert [p.grade for p in proposals] == [P, P, F]


def test_an_item_without_sheets_gets_no_grade():
    (proposal,) = propose([Scored(1, None, 0)], CUT_OFFS, GRADES, 0)
    assert proposal.grade == "" and proposal.average is None


# ---- the service: propose, settle, change, confirm, publish ------------------------------------------------


@pytest.fixture
def consequences(monkeypatch):
    calls = []
    monkeypatch.setattr("institutes.consequences.apply_published_grades",
                        lambda grades, user: calls.append((sorted(g.pk for g in grades), user)) or [])
    return calls


def _manager_of(ev):
    return ev.opened_by


def _entries(ev):
    return list(ev.entries.select_related("institute").order_by("-average_score", "pk"))


@pytest.mark.django_db
@pytest.mark.parametrize(("n", "excellent"), [(5, 1), (4, 0), (10, 2)])
def test_proposing_keeps_the_quota_in_the_database(n, excellent):
    ev = scored_evaluation([95 - i for i in range(n)])
    services.propose_grades(ev, _manager_of(ev))
    ev.refresh_from_db()
    assert ev.state == AnnualEvaluation.State.PROPOSED
    assert ev.entries.filter(final_grade=E).count() == excellent
    assert ev.entries.filter(proposed_grade=E).count() == excellent
    best = ev.entries.order_by("-average_score").first()
    assert best.average_score == Decimal("95.00") and best.sheet_count == 3


@pytest.mark.django_db
def test_proposing_waits_for_every_panel_to_finish_scoring():
    ev = scored_evaluation([95, 90, 80, 70, 60])
    Panel.objects.filter(items__evaluation_entries__evaluation=ev).update(state=Panel.State.SCORING)
    with pytest.raises(TransitionRefused):
        services.propose_grades(ev, _manager_of(ev))
    assert AnnualEvaluation.objects.get(pk=ev.pk).state == AnnualEvaluation.State.SCORING


@pytest.mark.django_db
def test_a_tie_must_be_settled_with_a_reason_within_the_quota_before_confirming(consequences):
    ev = scored_evaluation([92, 92, 85, 80, 70])
    manager = _manager_of(ev)
    services.propose_grades(ev, manager)
    first, second = [e for e in _entries(ev) if e.is_tie]
    with pytest.raises(TransitionRefused):
        services.confirm_grades(AnnualEvaluation.objects.get(pk=ev.pk), manager)
    with pytest.raises(TransitionRefused):
        services.settle_ties(ev, manager, [first.pk], reason="  ")
    with pytest.raises(TransitionRefused):
        services.settle_ties(ev, manager, [first.pk, second.pk], reason="两家均优秀")
    services.settle_ties(ev, manager, [second.pk], reason="成果转化收入更高")

    second.refresh_from_db(), first.refresh_from_db()
    assert (second.final_grade, first.final_grade) == (E, G)
    assert second.override_reason == first.override_reason == "成果转化收入更高"
    services.confirm_grades(AnnualEvaluation.objects.get(pk=ev.pk), manager)
    assert AnnualEvaluation.objects.get(pk=ev.pk).state == AnnualEvaluation.State.CONFIRMED


@pytest.mark.django_db
def test_a_changed_grade_needs_a_reason_and_never_exceeds_the_quota():
    ev = scored_evaluation([95, 94, 85, 80, 70])
    manager = _manager_of(ev)
    services.propose_grades(ev, manager)
    top, runner_up, *_rest, last = _entries(ev)
    with pytest.raises(TransitionRefused):
        services.change_grade(runner_up, manager, E, reason="")
    with pytest.raises(TransitionRefused):
        services.change_grade(runner_up, manager, E, reason="专家组建议")
    services.change_grade(last, manager, G, reason="复核后调整")
    services.change_grade(top, manager, G, reason="存在数据问题")
    services.change_grade(runner_up, manager, E, reason="顺延")
    assert ev.entries.filter(final_grade=E).get().pk == runner_up.pk
    with pytest.raises(TransitionRefused):
        services.change_grade(last, manager, "no-such-grade", reason="x")


@pytest.mark.django_db
def test_four_institutes_can_never_be_given_excellent():
    ev = scored_evaluation([99, 98, 97, 96])
    manager = _manager_of(ev)
    services.propose_grades(ev, manager)
    with pytest.raises(TransitionRefused):
        services.change_grade(_entries(ev)[0], manager, E, reason="表现突出")
    assert not ev.entries.filter(final_grade=E).exists()


@pytest.mark.django_db
def test_publishing_writes_grades_once_and_calls_the_consequences_once(consequences):
    ev = scored_evaluation([95, 90, 80, 70, 50], year=2024)
    manager = _manager_of(ev)
    owner = applicant(organization=ev.entries.order_by("pk").first().institute.lead_unit)
    services.propose_grades(ev, manager)
    services.confirm_grades(AnnualEvaluation.objects.get(pk=ev.pk), manager)
    assert list(my_grades(owner)) == []
    assert not AnnualGrade.objects.exists()

    grades = services.publish_grades(AnnualEvaluation.objects.get(pk=ev.pk), manager)
    again = services.publish_grades(AnnualEvaluation.objects.get(pk=ev.pk), manager)

    assert len(grades) == 5 and AnnualGrade.objects.count() == 5
    assert sorted(g.pk for g in again) == sorted(g.pk for g in grades)
    assert len(consequences) == 1 and consequences[0][1] == manager
    assert sorted(AnnualGrade.objects.values_list("grade", flat=True)) == sorted([E, G, G, P, F])
    assert all(g.published_on and g.year == 2024 for g in AnnualGrade.objects.all())
    assert [g.year for g in my_grades(owner)] == [2024]
    ev.refresh_from_db()
    assert ev.state == AnnualEvaluation.State.PUBLISHED and ev.published_on


@pytest.mark.django_db
def test_publishing_updates_an_existing_unpublished_grade_row(consequences):
    ev = scored_evaluation([95, 90, 80, 70, 50], year=2024)
    institute = ev.entries.order_by("pk").first().institute
    AnnualGrade.objects.create(institute=institute, year=2024, grade=F)
    manager = _manager_of(ev)
    services.propose_grades(ev, manager)
    services.confirm_grades(AnnualEvaluation.objects.get(pk=ev.pk), manager)
    services.publish_grades(AnnualEvaluation.objects.get(pk=ev.pk), manager)
    assert AnnualGrade.objects.get(institute=institute, year=2024).grade == E


@pytest.mark.django_db
def test_only_a_manager_of_the_program_may_grade():
    from django.core.exceptions import PermissionDenied

    ev = scored_evaluation([95, 90, 80, 70, 50])
    with pytest.raises(PermissionDenied):
        services.propose_grades(ev, program_manager("HN23"))
