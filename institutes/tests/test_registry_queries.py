"""The registry and the report queues cost the same number of queries at 2 and at 40 rows."""
import pytest
from django.urls import reverse

from institutes.models import AnnualReport
from tests.factories import UserFactory, applicant, district_user, program_manager
from tests.factories_institutes_annual import many_institutes, many_reports, recognised, report

pytestmark = pytest.mark.django_db

# Every logged-in page: user and groups = 2 (the session and the unread count come from the cache,
# and the session is saved only when it changes: portal.sessions).
# registry: + model permissions of the user and its groups (has_perm through ModelBackend, 2)
# + filter choices (programs, fields, regions) + count + the page's ids + its rows + one prefetch
# of grades + "may register" (manages XX22 or ZZ23?) for managers / served regions for district users.
# The ZZ23 manager may register (ZZ23 第十条（二）), so its permission is answered by the rules before
# the ModelBackend's two permission queries are needed: 10.
REGISTRY = {"applicant": 11, "district": 12, "manager": 10, "finance": 11}
# queue: + model permissions (2) + programs for the filter (+ served regions) + count + rows
QUEUE = {"district": 6, "manager": 5}
# my reports: + model permissions (2) + my institutes + count + rows
MY_REPORTS = 5


def measure(client, django_assert_num_queries, expected, url, params=None, *, rows=None):
    with django_assert_num_queries(expected):
        response = client.get(url, params or {})
    assert response.status_code == 200
    if rows is not None:
        assert response.context["page"].paginator.count == rows
    return response


def _user(role, organization=None):
    return {
        "applicant": lambda: applicant(organization),
        "district": lambda: district_user(["410105"], "industry"),
        "manager": lambda: program_manager("ZZ23"),
        "finance": lambda: UserFactory(role="finance"),
    }[role]()


@pytest.mark.parametrize("role", ["district", "manager", "finance"])
def test_registry_costs_the_same_at_2_and_40_institutes(role, as_user, django_assert_num_queries):
    client = as_user(_user(role))
    url = reverse("institutes:registry")
    many_institutes(2)
    client.get(url)
    measure(client, django_assert_num_queries, REGISTRY[role], url, rows=2)
    many_institutes(38)
    response = measure(client, django_assert_num_queries, REGISTRY[role], url, rows=40)
    assert len(response.context["page"][0].grade_history) == 2


def test_registry_with_filters_costs_the_same(as_user, django_assert_num_queries):
    client = as_user(_user("manager"))
    url = reverse("institutes:registry")
    params = {"program": "ZZ23", "state": "active", "region": "410105", "q": "批量"}
    many_institutes(2)
    client.get(url, params)
    measure(client, django_assert_num_queries, REGISTRY["manager"], url, params, rows=2)
    many_institutes(38)
    measure(client, django_assert_num_queries, REGISTRY["manager"], url, params, rows=40)


def test_registry_for_an_applicant_shows_only_its_own_and_costs_the_same(as_user, django_assert_num_queries):
    user = _user("applicant")
    client = as_user(user)
    url = reverse("institutes:registry")
    many_institutes(10)
    own = [recognised(user.organization, name=f"自有研究院{i}") for i in range(2)]
    client.get(url)
    response = measure(client, django_assert_num_queries, REGISTRY["applicant"], url, rows=2)
    assert {i.pk for i in response.context["page"]} == {i.pk for i in own}
    for i in range(38):
        recognised(user.organization, name=f"自有研究院{i + 2}")
    measure(client, django_assert_num_queries, REGISTRY["applicant"], url, rows=40)


@pytest.mark.parametrize(("role", "state"), [("district", AnnualReport.State.SUBMITTED),
                                              ("manager", AnnualReport.State.DISTRICT_PASSED)])
def test_report_queue_costs_the_same_at_2_and_40_reports(role, state, as_user, django_assert_num_queries):
    client = as_user(_user(role))
    url = reverse("institutes:report_queue")
    many_reports(2, state=state)
    client.get(url)
    measure(client, django_assert_num_queries, QUEUE[role], url, rows=2)
    many_reports(38, state=state)
    response = measure(client, django_assert_num_queries, QUEUE[role], url, rows=40)
    assert response.context["page"][0].days_waiting is not None
    # the filters keep it constant too
    measure(client, django_assert_num_queries, QUEUE[role], url, {"program": "ZZ23", "q": "批量", "state": state},
            rows=40)


def test_my_reports_costs_the_same_at_2_and_20_reports(as_user, django_assert_num_queries):
    user = _user("applicant")
    client = as_user(user)
    url = reverse("institutes:my_reports")
    institutes = [recognised(user.organization, name=f"研究院{i}") for i in range(2)]
    for institute in institutes:
        report(institute, year=2024)
    client.get(url)
    measure(client, django_assert_num_queries, MY_REPORTS, url, rows=2)
    for institute in institutes:
        for year in range(2015, 2024):
            report(institute, year=year, state=AnnualReport.State.ACCEPTED)
    measure(client, django_assert_num_queries, MY_REPORTS, url, rows=20)
