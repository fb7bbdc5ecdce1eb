"""The draw (reviews/services/draw.py): reproducible, composed as the program requires, excluding
conflicts with reasons in the log, refusing when too few experts are eligible, and replacing."""
import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from institutes.models import Application, IndustryField, Program
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from reviews.models import Expert, Panel, PanelItem, PanelMember
from reviews.services.draw import NotEnoughExperts, draw_panel, replace_member, reproduce_round
from tests.factories import program_manager
from tests.factories_reviews_panels import (
    FIELD, OTHER_FIELD, PoolExpertFactory, application_in_review, cultivating_unit, employment, pool, rubric_for, tie,
)

pytestmark = pytest.mark.django_db


def draw(code="ZZ23", *, items=None, size=3, seed=None, user=None, purpose=Panel.Purpose.APPLICATION_REVIEW):
    rubric_for(code, purpose)
    return draw_panel(
        program=Program.objects.get(code=code), industry_field=IndustryField.objects.get(code=FIELD),
        purpose=purpose, items=items or [application_in_review(code)], size=size, seed=seed,
        user=user or program_manager(code),
    )


def drawn_ids(panel):
    return sorted(panel.members.values_list("expert_id", flat=True))


def experts(panel):
    return [m.expert for m in panel.members.select_related("expert")]


def nothing_drawn():
    return not Panel.objects.exists() and not PanelMember.objects.exists() and not PanelItem.objects.exists()


# ---- reproducibility and the log --------------------------------------------------------------

def test_the_same_seed_draws_the_same_panel_again():
    pool(management=5, technical=20)
    application = application_in_review()
    manager = program_manager("ZZ23")
    outcomes = []
    for _attempt in range(2):
        with transaction.atomic():
            outcomes.append(drawn_ids(draw(items=[application], seed="2026-panel-seed", user=manager, size=5)))
            transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1]
    assert len(outcomes[0]) == 5


def test_different_seeds_draw_different_panels():
    pool(management=5, technical=20)
    application = application_in_review()
    manager = program_manager("ZZ23")
    panels = set()
    for seed in ("a", "b", "c", "d"):
        with transaction.atomic():
            panels.add(tuple(drawn_ids(draw(items=[application], seed=seed, user=manager, size=5))))
            transaction.set_rollback(True)
    assert len(panels) > 1


def test_a_seed_is_generated_when_none_is_given_and_the_round_reproduces():
    pool(management=3, technical=10)
    panel = draw(size=5)

    (entry,) = panel.draw_log
    assert len(entry["seed"]) == 32
    assert reproduce_round(entry) == entry["chosen"] == [m.expert_id for m in panel.members.order_by("pk")]


def test_a_round_read_back_with_its_keys_reordered_reproduces(django_assert_num_queries):
    """PostgreSQL's jsonb does not keep the order of an object's keys."""
    pool(management=3, technical=10, financial=3)
    (entry,) = draw("HN23", size=5).draw_log
    shuffled = {**entry, "composition": {key: dict(reversed(value.items())) if isinstance(value, dict) else value
                                         for key, value in reversed(entry["composition"].items())},
                "eligible": dict(reversed(entry["eligible"].items()))}

    with django_assert_num_queries(0):
        assert reproduce_round(shuffled) == entry["chosen"]


def test_the_log_and_the_audit_trail_record_eligible_excluded_and_chosen():
    application = application_in_review(participants=1)
    eligible = pool(management=1, technical=3)
    employee = PoolExpertFactory(name="冲突专家", employer_uscc=application.organization.uscc)
    tied = PoolExpertFactory(name="关联专家")
    tie(tied, application.participants.get().uscc, description="兼任顾问")

    panel = draw(items=[application], seed="logged")

    (entry,) = panel.draw_log
    assert (entry["round"], entry["kind"], entry["seed"], entry["size"]) == (1, "draw", "logged", 3)
    assert sorted(pk for ids in entry["eligible"].values() for pk in ids) == sorted(e.pk for e in eligible)
    assert entry["eligible_count"] == 4
    assert {e["expert"]: e["name"] for e in entry["excluded"]} == {employee.pk: "冲突专家", tied.pk: "关联专家"}
    tie_reasons = next(e["reasons"] for e in entry["excluded"] if e["expert"] == tied.pk)
    assert tie_reasons == [{"kind": "tie", "item": application.reference, "organization": "参与单位0",
                            "party": "participant", "detail": "兼任顾问"}]
    assert set(entry["chosen"]) <= {e.pk for e in eligible}
    event = AuditEvent.objects.for_object(panel).get(action="draw")
    assert event.data == {"seed": "logged", "eligible": 4, "excluded": [employee.pk, tied.pk], "chosen": entry["chosen"]}


def test_only_active_experts_of_the_field_are_candidates():
    drawable = pool(management=1, technical=2)
    PoolExpertFactory(kind=Expert.Kind.TECHNICAL, is_active=False)
    PoolExpertFactory(kind=Expert.Kind.TECHNICAL, field_codes=[OTHER_FIELD])

    panel = draw()

    assert drawn_ids(panel) == sorted(e.pk for e in drawable)


def test_experts_with_a_conflict_are_never_drawn():
    application = application_in_review(experts_to_avoid="回避专家 原因")
    free = pool(management=1, technical=2)
    PoolExpertFactory(kind=Expert.Kind.MANAGEMENT, name="回避专家")
    former = PoolExpertFactory(kind=Expert.Kind.MANAGEMENT)
    employment(former, application.organization.uscc, ended_on=application.created_at.date())

    for seed in ("s1", "s2", "s3"):
        with transaction.atomic():
            assert drawn_ids(draw(items=[application], seed=seed)) == sorted(e.pk for e in free)
            transaction.set_rollback(True)


# ---- composition ------------------------------------------------------------------------------

def test_every_panel_holds_a_management_and_a_technical_expert():
    pool(management=1, technical=1)
    PoolExpertFactory.create_batch(30, kind=Expert.Kind.FINANCIAL)
    application = application_in_review()
    manager = program_manager("ZZ23")
    for seed in range(8):
        with transaction.atomic():
            kinds = [e.kind for e in experts(draw(items=[application], seed=str(seed), user=manager))]
            assert kinds.count(Expert.Kind.MANAGEMENT) >= 1 and kinds.count(Expert.Kind.TECHNICAL) >= 1
            transaction.set_rollback(True)


def test_hn23_draws_one_expert_from_the_financial_pool_and_the_rest_from_the_industry_system():
    pool(management=3, technical=10, financial=6, field=FIELD)
    application = application_in_review("HN23")
    manager = program_manager("HN23")
    for seed in range(6):
        with transaction.atomic():
            drawn = experts(draw("HN23", items=[application], seed=str(seed), size=5, user=manager))
            pools = sorted(e.pool for e in drawn)
            assert pools == [Expert.Pool.FINANCIAL] + [Expert.Pool.INDUSTRY] * 4
            kinds = {e.kind for e in drawn if e.pool == Expert.Pool.INDUSTRY}
            assert {Expert.Kind.MANAGEMENT, Expert.Kind.TECHNICAL} <= kinds
            transaction.set_rollback(True)


def test_hn23_without_an_eligible_financial_expert_is_refused_and_nothing_is_drawn():
    pool(management=3, technical=10)
    application = application_in_review("HN23")
    PoolExpertFactory(kind=Expert.Kind.FINANCIAL, pool=Expert.Pool.FINANCIAL, employer_uscc=application.organization.uscc)

    with pytest.raises(NotEnoughExperts) as refusal:
        draw("HN23", items=[application], size=5)

    assert str(Expert.Pool.FINANCIAL.label) in refusal.value.message
    assert nothing_drawn()


# ---- refusals ---------------------------------------------------------------------------------

def test_too_few_eligible_experts_is_refused_and_nothing_is_created():
    pool(management=1, technical=1)
    application = application_in_review()

    with pytest.raises(NotEnoughExperts):
        draw(items=[application], size=3)

    assert nothing_drawn()
    assert not AuditEvent.objects.filter(action="draw").exists()
    assert not Notification.objects.exists()


def test_a_missing_leader_type_is_refused():
    pool(management=0, technical=5)
    with pytest.raises(NotEnoughExperts):
        draw()
    assert nothing_drawn()


@pytest.mark.parametrize("problem", ["not_in_review", "other_program", "other_field", "on_open_panel"])
def test_a_batch_item_that_does_not_belong_is_refused(problem):
    pool(management=2, technical=6)
    application = application_in_review()
    if problem == "not_in_review":
        Application.objects.filter(pk=application.pk).update(state=Application.State.INITIAL_REVIEW)
    elif problem == "other_program":
        application = application_in_review("HN23")
    elif problem == "other_field":
        application = application_in_review(field=OTHER_FIELD)
    else:
        draw(items=[application])
    before = (Panel.objects.count(), PanelMember.objects.count())

    with pytest.raises(TransitionRefused) as refusal:
        draw(items=[application.__class__.objects.get(pk=application.pk)])

    assert application.reference in refusal.value.message
    assert (Panel.objects.count(), PanelMember.objects.count()) == before


def test_an_application_on_a_closed_panel_may_go_on_a_new_one():
    pool(management=2, technical=6)
    application = application_in_review()
    Panel.objects.filter(pk=draw(items=[application]).pk).update(state=Panel.State.CLOSED)

    assert draw(items=[application]).items.get().application_id == application.pk


def test_a_program_without_a_rubric_in_force_is_refused():
    pool(management=2, technical=6)
    with pytest.raises(TransitionRefused) as refusal:
        draw_panel(
            program=Program.objects.get(code="SJZ22"), industry_field=IndustryField.objects.get(code=FIELD),
            purpose=Panel.Purpose.APPLICATION_REVIEW, items=[application_in_review("SJZ22")], size=3,
            user=program_manager("SJZ22"),
        )
    assert "SJZ22" in refusal.value.message
    assert nothing_drawn()


def test_a_manager_of_another_program_may_not_draw():
    pool(management=2, technical=6)
    with pytest.raises(PermissionDenied):
        draw(user=program_manager("HN23"))
    assert nothing_drawn()


def test_a_panel_has_three_to_five_experts():
    pool(management=3, technical=10)
    with pytest.raises(TransitionRefused):
        draw(size=6)
    assert nothing_drawn()


def test_an_acceptance_panel_reviews_cultivation_units():
    pool(management=2, technical=6, financial=1)
    unit = cultivating_unit()
    conflicted = PoolExpertFactory(kind=Expert.Kind.TECHNICAL, employer_uscc=unit.lead_unit.uscc)

    panel = draw("HN23", items=[unit], purpose=Panel.Purpose.ACCEPTANCE, size=4)

    assert panel.items.get().institute_id == unit.pk
    assert conflicted.pk not in drawn_ids(panel)
    assert panel.rubric.purpose == Panel.Purpose.ACCEPTANCE


def test_the_drawn_experts_with_an_account_are_invited(django_capture_on_commit_callbacks):
    pool(management=1, technical=2, accounts=True)
    with django_capture_on_commit_callbacks(execute=True):
        panel = draw()
    invited = {m.expert.user_id for m in panel.members.select_related("expert")}
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == invited
    assert all(panel.name in n.message for n in Notification.objects.all())


# ---- replacement ------------------------------------------------------------------------------

def test_a_replacement_excludes_everyone_drawn_for_the_panel():
    pool(management=2, technical=4)
    panel = draw(size=3, seed="first")
    first_three = drawn_ids(panel)
    manager = panel.created_by
    technical = panel.members.filter(expert__kind=Expert.Kind.TECHNICAL).first()

    replacement = replace_member(technical, manager, reason="出差无法参加")
    second = replace_member(replacement, manager, reason="身体原因")
    third = replace_member(second, manager, reason="另有安排")

    technical.refresh_from_db()
    assert (technical.status, technical.response_reason) == (PanelMember.Status.DECLINED, "出差无法参加")
    assert replacement.replaces_id == technical.pk and replacement.draw_round == 2
    drawn = [replacement.expert_id, second.expert_id, third.expert_id]
    assert len(set(drawn)) == 3 and not set(drawn) & set(first_three)
    panel.refresh_from_db()
    assert [r["kind"] for r in panel.draw_log] == ["draw", "replacement", "replacement", "replacement"]
    assert panel.draw_log[1]["previously_drawn"] == first_three
    assert panel.draw_log[1]["replaces"] == technical.expert_id
    assert all(reproduce_round(r) == r["chosen"] for r in panel.draw_log)
    assert AuditEvent.objects.for_object(panel).filter(action="replace_member").count() == 3


def test_replacing_the_financial_expert_of_an_hn23_panel_draws_another_financial_expert():
    pool(management=2, technical=6, financial=3)
    panel = draw("HN23", size=5)
    financial = panel.members.get(expert__pool=Expert.Pool.FINANCIAL)

    replacement = replace_member(financial, panel.created_by, reason="利益冲突", status=PanelMember.Status.CONFLICT)

    assert Expert.objects.get(pk=replacement.expert_id).pool == Expert.Pool.FINANCIAL
    financial.refresh_from_db()
    assert financial.status == PanelMember.Status.CONFLICT


def test_a_replacement_that_cannot_be_drawn_changes_nothing():
    pool(management=1, technical=2)
    panel = draw(size=3)
    member = panel.members.first()
    log = panel.draw_log

    with pytest.raises(NotEnoughExperts):
        replace_member(member, panel.created_by, reason="无法参加")

    member.refresh_from_db()
    panel.refresh_from_db()
    assert member.status == PanelMember.Status.INVITED
    assert panel.draw_log == log and panel.members.count() == 3


def test_a_replacement_needs_a_reason_and_the_manager_of_the_program():
    pool(management=2, technical=4)
    panel = draw()
    member = panel.members.first()
    with pytest.raises(TransitionRefused):
        replace_member(member, panel.created_by, reason="  ")
    with pytest.raises(PermissionDenied):
        replace_member(member, program_manager("HN23"), reason="原因")
    assert panel.members.count() == 3


def test_a_member_replaced_once_is_not_replaced_again():
    pool(management=2, technical=5)
    panel = draw()
    member = panel.members.first()
    replace_member(member, panel.created_by, reason="无法参加")
    member.refresh_from_db()
    with pytest.raises(TransitionRefused):
        replace_member(member, panel.created_by, reason="再次")
    assert panel.members.count() == 4


def test_a_closed_panel_is_not_changed():
    pool(management=2, technical=5)
    panel = draw()
    Panel.objects.filter(pk=panel.pk).update(state=Panel.State.CLOSED)
    with pytest.raises(TransitionRefused):
        replace_member(panel.members.first(), panel.created_by, reason="无法参加")
    assert panel.members.count() == 3
