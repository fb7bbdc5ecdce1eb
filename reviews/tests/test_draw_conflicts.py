"""Conflicts of interest (reviews/conflicts.py): each kind, the 3-year edge, the avoid list, and a
query count that does not grow with the pool."""
import datetime

import pytest

from reviews.conflicts import AVOID_LIST, EMPLOYER, FORMER_EMPLOYER, TIE, find_conflicts, names_on_avoid_list
from reviews.models import Expert
from tests.factories_reviews_panels import (
    PoolExpertFactory, application_in_review, cultivating_unit, employment, pool, tie, uscc,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 15)


def conflicts_of(*items, today=TODAY):
    return find_conflicts(Expert.objects.all(), items, today=today)


def test_an_expert_working_for_the_lead_unit_conflicts():
    application = application_in_review()
    expert = PoolExpertFactory(employer_uscc=application.organization.uscc)
    bystander = PoolExpertFactory()

    found = conflicts_of(application)

    assert set(found) == {expert.pk}
    (reason,) = found[expert.pk]
    assert (reason.kind, reason.party, reason.item) == (EMPLOYER, "lead_unit", application.reference)
    assert application.organization.name in str(reason)
    assert bystander.pk not in found


def test_an_expert_working_for_a_participating_unit_conflicts():
    application = application_in_review(participants=2)
    unit = application.participants.last()
    expert = PoolExpertFactory(employer_uscc=unit.uscc)

    (reason,) = conflicts_of(application)[expert.pk]

    assert (reason.kind, reason.party, reason.organization) == (EMPLOYER, "participant", unit.name)


def test_a_former_employer_counts_until_three_years_after_the_end_to_the_day():
    application = application_in_review(participants=1)
    lead, unit = application.organization.uscc, application.participants.get().uscc
    three_years_ago = datetime.date(2023, 3, 15)
    still = PoolExpertFactory()
    employment(still, lead, ended_on=three_years_ago + datetime.timedelta(days=1))
    no_longer = PoolExpertFactory()
    employment(no_longer, unit, ended_on=three_years_ago)

    found = conflicts_of(application)

    assert set(found) == {still.pk}
    (reason,) = found[still.pk]
    assert (reason.kind, reason.detail) == (FORMER_EMPLOYER, "2023-03-16")


def test_the_three_years_run_from_the_date_the_draw_is_made():
    application = application_in_review()
    expert = PoolExpertFactory()
    employment(expert, application.organization.uscc, ended_on=datetime.date(2023, 3, 16))

    assert expert.pk in conflicts_of(application, today=datetime.date(2026, 3, 15))
    assert expert.pk not in conflicts_of(application, today=datetime.date(2026, 3, 16))


def test_on_29_february_three_years_back_is_28_february():
    application = application_in_review()
    left_on_the_28th, left_on_1_march = PoolExpertFactory(), PoolExpertFactory()
    employment(left_on_the_28th, application.organization.uscc, ended_on=datetime.date(2025, 2, 28))
    employment(left_on_1_march, application.organization.uscc, ended_on=datetime.date(2025, 3, 1))

    assert set(conflicts_of(application, today=datetime.date(2028, 2, 29))) == {left_on_1_march.pk}


def test_a_declared_tie_is_always_a_conflict():
    application = application_in_review(participants=1)
    expert = PoolExpertFactory()
    tie(expert, application.participants.get().uscc, description="配偶任该单位高管")
    unrelated = PoolExpertFactory()
    tie(unrelated, uscc())

    found = conflicts_of(application)

    assert set(found) == {expert.pk}
    (reason,) = found[expert.pk]
    assert (reason.kind, reason.detail) == (TIE, "配偶任该单位高管")
    assert "配偶任该单位高管" in str(reason)


def test_the_avoid_list_names_an_expert_at_the_start_of_a_line():
    named = PoolExpertFactory(name="张三")
    numbered = PoolExpertFactory(name="李四")
    longer_name = PoolExpertFactory(name="王五")
    mentioned = PoolExpertFactory(name="赵六")
    application = application_in_review(experts_to_avoid=(
        "张三 曾与牵头单位存在合作纠纷\n"
        "2、李四：参与单位原负责人\n"
        "王五六 不相关\n"
        "请回避赵六"
    ))

    found = conflicts_of(application)

    assert set(found) == {named.pk, numbered.pk}
    assert [r.kind for r in found[named.pk]] == [AVOID_LIST]
    assert longer_name.pk not in found and mentioned.pk not in found


@pytest.mark.parametrize(("text", "names"), [
    ("张三", {"张三"}),
    ("  张三（郑州大学）理由", {"张三"}),
    ("1. John Smith - former colleague", {"John", "John Smith"}),
    ("（3）买买提·艾力，原因", {"买买提", "买买提·艾力"}),
    ("一、李四;原因", {"李四"}),
    ("", set()),
])
def test_names_a_line_may_begin_with(text, names):
    assert names <= names_on_avoid_list(text)
    assert all(not name.endswith((" ", "，", "（")) for name in names_on_avoid_list(text))


def test_reasons_are_collected_for_every_item_of_the_batch():
    first = application_in_review()
    second = application_in_review(participants=1)
    expert = PoolExpertFactory(employer_uscc=first.organization.uscc)
    tie(expert, second.participants.get().uscc)

    kinds = sorted((r.kind, r.item) for r in conflicts_of(first, second)[expert.pk])

    assert kinds == sorted([(EMPLOYER, first.reference), (TIE, second.reference)])


def test_an_institute_brings_its_lead_unit():
    unit = cultivating_unit()
    expert = PoolExpertFactory(employer_uscc=unit.lead_unit.uscc)

    (reason,) = conflicts_of(unit)[expert.pk]

    assert (reason.kind, reason.item) == (EMPLOYER, unit.name)


def test_the_query_count_does_not_grow_with_the_pool(django_assert_num_queries):
    application = application_in_review(participants=3, experts_to_avoid="某人 原因")
    pool(management=2, technical=2)
    with django_assert_num_queries(6):
        conflicts_of(application)
    for expert in pool(management=10, technical=30):
        employment(expert, uscc(), ended_on=datetime.date(2025, 1, 1))
        tie(expert, application.participants.first().uscc)
    with django_assert_num_queries(6):
        found = conflicts_of(application)
    assert len(found) == 40
