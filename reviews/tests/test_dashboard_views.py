"""Dashboards: a program's institutes by status, the year's reports filed and overdue, the grade
distribution and the grades over the years (inline SVG); a district sees only its region; the
pages cost the same number of queries whatever the number of institutes."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from institutes.models import AnnualReport, Institute, Program
from reviews.selectors.evaluation import grade_chart
from tests.factories import UserFactory, district_user, program_manager
from tests.factories_reviews_evaluation import accepted_report, institutes, published_grades

pytestmark = pytest.mark.django_db


def _get(client, user, name, **params):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response


def _world(n_here=3, n_there=2):
    here = institutes(n_here, recognized_on=datetime.date(2021, 1, 1), region_code="410105")
    there = institutes(n_there, recognized_on=datetime.date(2021, 1, 1), region_code="410102")
    institutes(1, region_code="410105", state=Institute.State.REVOKED, revoked_on=datetime.date(2024, 5, 1))
    accepted_report(here[0], 2024)
    AnnualReport.objects.create(institute=here[1], year=2024, state=AnnualReport.State.SUBMITTED)
    AnnualReport.objects.create(institute=there[0], year=2024, state=AnnualReport.State.DRAFT, is_overdue=True,
                                overdue_since=datetime.date(2025, 3, 1))
    published_grades(here + there, 2024, ["excellent", "good", "pass", "fail", "good"][: n_here + n_there])
    published_grades(here[:2], 2023, ["good", "fail"])
    return here, there


def _cells(body, testid):
    return body.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]


def test_the_program_dashboard_counts_statuses_reports_and_grades(client):
    _world()
    body = _get(client, program_manager("ZZ23"), "reviews:program_dashboard",
                program=Program.objects.get(code="ZZ23").pk, year=2024).content.decode()
    status = _cells(body, "by-status")
    assert 'data-state="active"><td>' in status and ">5</td>" in status and ">1</td>" in status
    reports = _cells(body, "reports")
    assert 'data-count="filed">2<' in reports and 'data-count="accepted">1<' in reports
    assert 'data-count="overdue">1<' in reports
    grades = _cells(body, "grade-distribution")
    assert grades.count('<td class="money">2</td>') == 1  # two 良好 in 2024
    assert 'data-testid="grade-chart"' in body and 'data-year="2023"' in body and 'data-year="2024"' in body
    assert "<script" not in body.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_district_sees_the_same_for_its_region_only(client):
    here, there = _world()
    user = district_user(["410105"], "industry")
    body = _get(client, user, "reviews:district_dashboard", program=Program.objects.get(code="ZZ23").pk,
                year=2024).content.decode()
    assert 'data-count="overdue">0<' in _cells(body, "reports")  # the overdue report is in 410102
    assert 'data-count="filed">2<' in _cells(body, "reports")
    status = _cells(body, "by-status")
    assert 'data-state="active"><td>' in status and ">3</td>" in status


def test_the_dashboards_default_to_last_year_and_the_first_program(client):
    body = _get(client, UserFactory(role="finance", department="finance"), "reviews:program_dashboard").content
    assert str(datetime.date.today().year - 1).encode() in body
    assert b'data-testid="grade-chart-empty"' in body


def test_an_invalid_filter_falls_back_to_the_defaults(client):
    manager = program_manager("ZZ23")
    assert b"ZZ23" in _get(client, manager, "reviews:program_dashboard", program="999999", year="x").content


def test_a_manager_cannot_pick_another_program(client):
    _world()
    body = _get(client, program_manager("HN23"), "reviews:program_dashboard",
                program=Program.objects.get(code="ZZ23").pk, year=2024).content.decode()
    assert "HN23" in body.split('data-testid="by-status"')[0]


def test_the_chart_stacks_each_year_in_grade_order():
    chart = grade_chart([(2023, "good", 2), (2023, "excellent", 1), (2024, "fail", 3)])
    first, second = chart["bars"]
    assert [s["grade"] for s in first["segments"]] == ["excellent", "good"]
    assert first["total"] == second["total"] == chart["max"] == 3
    assert second["segments"][0]["height"] == chart["axis_y"] - chart["bars"][1]["segments"][0]["y"]


def _count(client, user, name, **params):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    client.get(reverse(name), params)  # warm up: the unread count is cached from the first page on
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name), params).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "make_user"), [
    ("reviews:program_dashboard", lambda: program_manager("ZZ23")),
    ("reviews:district_dashboard", lambda: district_user(["410105", "410102"], "finance")),
])
def test_the_dashboards_cost_the_same_at_two_sizes(client, name, make_user):
    user = make_user()
    params = {"program": Program.objects.get(code="ZZ23").pk, "year": 2024}
    _world(2, 1)
    small = _count(client, user, name, **params)
    _world(3, 2)
    more = institutes(30, recognized_on=datetime.date(2020, 1, 1))
    published_grades(more, 2022, ["good"] * 30)
    assert _count(client, user, name, **params) == small
