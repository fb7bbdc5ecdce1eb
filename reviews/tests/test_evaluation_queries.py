"""The evaluation pages cost the same number of queries for a handful of institutes as for many."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.services import evaluation as services
from tests.factories import UserFactory, applicant
from tests.factories_reviews_evaluation import accepted_report, evaluation, published_grades, scored_evaluation

pytestmark = pytest.mark.django_db


def _count(client, user, url):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get(url)  # warm up: the unread count is cached from the first page on, as for a user
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _proposed(n, year):
    ev = scored_evaluation([60 + (i * 37) % 40 for i in range(n)], year=year)
    services.propose_grades(ev, ev.opened_by)
    for entry in ev.entries.select_related("institute")[:3]:
        accepted_report(entry.institute, year)
    return ev


def test_the_grading_page_costs_the_same_for_5_and_40_institutes(client):
    small, large = _proposed(5, 2023), _proposed(40, 2024)
    url = lambda ev: reverse("reviews:evaluation_detail", args=[ev.pk])  # noqa: E731
    assert _count(client, small.opened_by, url(small)) == _count(client, large.opened_by, url(large))


def test_the_grading_page_of_an_open_evaluation_costs_the_same_at_two_sizes(client):
    small, large = evaluation(year=2022, n=3), evaluation(year=2023, n=30)
    assert _count(client, small.opened_by, reverse("reviews:evaluation_detail", args=[small.pk])) == _count(
        client, large.opened_by, reverse("reviews:evaluation_detail", args=[large.pk]))


def test_the_grading_page_for_finance_costs_the_same_at_two_sizes(client):
    small, large = _proposed(5, 2021), _proposed(25, 2022)
    finance = UserFactory(role="finance", department="finance")
    assert _count(client, finance, reverse("reviews:evaluation_detail", args=[small.pk])) == _count(
        client, finance, reverse("reviews:evaluation_detail", args=[large.pk]))


def test_the_evaluation_list_costs_the_same_for_1_and_4_evaluations(client):
    first = evaluation(year=2023, n=2)
    manager = first.opened_by
    one = _count(client, manager, reverse("reviews:evaluation_list"))
    for year in (2024, 2025, 2026):
        evaluation(year=year, n=3, manager=manager)
    assert _count(client, manager, reverse("reviews:evaluation_list")) == one


def test_my_grades_costs_the_same_for_1_and_6_grades(client):
    from tests.factories_reviews_evaluation import institutes

    owner = applicant()
    (first,) = institutes(1, organization=owner.organization)
    published_grades([first], 2023, ["good"])
    one = _count(client, owner, reverse("reviews:my_grades"))
    more = institutes(5, organization=owner.organization)
    published_grades(more, 2024, ["excellent", "good", "pass", "fail", "good"])
    assert _count(client, owner, reverse("reviews:my_grades")) == one


def test_the_grading_page_lists_one_page_of_entries_and_counts_them_all(client, monkeypatch):
    monkeypatch.setattr("reviews.selectors.evaluation.GRADING_PAGE_SIZE", 5)
    ev = _proposed(12, 2024)
    client.force_login(ev.opened_by, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("reviews:evaluation_detail", args=[ev.pk])
    first, last = client.get(url), client.get(url, {"page": 3})
    assert len(first.context["page"].object_list) == 5 and len(last.context["page"].object_list) == 2
    grading = first.context["grading"]
    assert grading.total == 12 and sum(n for _grade, _label, n in grading.distribution) == 12
    assert grading.quota == 2  # 20% of all 12 institutes, not of the 5 on the page
    shown = [e.pk for page in (1, 2, 3) for e in client.get(url, {"page": page}).context["page"].object_list]
    assert sorted(shown) == sorted(ev.entries.values_list("pk", flat=True))
