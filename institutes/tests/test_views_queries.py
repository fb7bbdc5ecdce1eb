"""A page costs the same number of queries for 2 rows as for 40 (DESIGN.md: selectors do the joins).

Each test warms the page up once (session, content types), measures it at the small size, adds
rows, and measures it again: both must equal the recorded number, so a new N+1 query fails here
and a deliberate change to a page shows up as a one-number diff.
"""
import pytest
from django.urls import reverse

from institutes.models import ApplicationYear, DistrictReview, IntellectualProperty
from portal.audit.services import record_event
from tests.factories import (
    ApplicationFactory, applicant, attachment, district_user, participant,
    submit_directly, submitted_applications,
)

pytestmark = pytest.mark.django_db

# Every logged-in page: user and groups = 2 (the session and the unread count come from the cache,
# and the session is saved only when it changes: portal.sessions).
# list: + count + page rows
APPLICANT_LIST_QUERIES = 4
# queue: + programs for the filter + programs needing my department + my regions + count + page rows
DISTRICT_QUEUE_QUERIES = 7
DISTRICT_QUEUE_FILTERED_QUERIES = 7
# detail: + application + years, IP, participants, attachments, district reviews (+ reviewers)
# + audit events + the live eligibility report (3-year ban; the field check for staff)
DETAIL_AS_APPLICANT_QUERIES = 11
# as district: + scope (programs needing my department, my regions)
DETAIL_AS_DISTRICT_QUERIES = 13



def measure(client, django_assert_num_queries, expected, url, params=None, *, rows=None):
    with django_assert_num_queries(expected):
        response = client.get(url, params or {})
    assert response.status_code == 200
    if rows is not None:
        assert response.context["page"].paginator.count == rows
    return response


def test_applicant_list_costs_the_same_at_2_and_40_applications(as_user, django_assert_num_queries):
    user = applicant()
    client = as_user(user)
    url = reverse("institutes:application_list")
    submitted_applications(2, organization=user.organization)
    client.get(url)

    measure(client, django_assert_num_queries, APPLICANT_LIST_QUERIES, url, rows=2)
    submitted_applications(38, organization=user.organization)
    measure(client, django_assert_num_queries, APPLICANT_LIST_QUERIES, url, rows=40)


def test_district_queue_costs_the_same_at_2_and_40_applications(as_user, django_assert_num_queries):
    client = as_user(district_user(["410105"], "industry"))
    url = reverse("institutes:district_queue")
    submitted_applications(2)
    client.get(url)

    measure(client, django_assert_num_queries, DISTRICT_QUEUE_QUERIES, url, rows=2)
    submitted_applications(38)
    measure(client, django_assert_num_queries, DISTRICT_QUEUE_QUERIES, url, rows=40)


def test_filtered_district_queue_costs_the_same_at_2_and_40_applications(as_user, django_assert_num_queries):
    client = as_user(district_user(["410105"], "industry"))
    url = reverse("institutes:district_queue")
    query = {"program": "ZZ23", "q": "批量申报", "state": "submitted"}
    submitted_applications(2)
    submitted_applications(3, title="不相关的名称")
    client.get(url, query)

    measure(client, django_assert_num_queries, DISTRICT_QUEUE_FILTERED_QUERIES, url, query, rows=2)
    submitted_applications(38)
    measure(client, django_assert_num_queries, DISTRICT_QUEUE_FILTERED_QUERIES, url, query, rows=40)


def add_detail_rows(application, n, *, first_year=2000):
    """n each of financial years, IP rows, participating units, attachments, district reviews and
    timeline events on one application."""
    reviewer = district_user(["410105"], "industry")
    for i in range(n):
        ApplicationYear.objects.create(
            application=application, year=first_year + i, operating_revenue=1000, rd_spending=100, fiscal_support=0
        )
        IntellectualProperty.objects.create(application=application, kind="invention_patent", title=f"专利{i}",
                                            number=f"ZL{first_year + i}")
        participant(application, name=f"参与单位{i}")
        attachment(application, name=f"附件{first_year + i}.pdf")
        DistrictReview.objects.create(application=application, round=first_year + i, reviewer=reviewer,
                                      department="industry", decision="return", comment="补充")
        record_event(application, action="note", action_label="备注", actor=reviewer, comment=str(i))


@pytest.mark.parametrize(("viewer", "expected"), [
    ("applicant", DETAIL_AS_APPLICANT_QUERIES),
    ("district", DETAIL_AS_DISTRICT_QUERIES),
])
def test_application_detail_does_not_grow_with_its_rows(as_user, django_assert_num_queries, viewer, expected):
    owner = applicant()
    application = submit_directly(ApplicationFactory(organization=owner.organization, created_by=owner))
    client = as_user(owner if viewer == "applicant" else district_user(["410105"], "industry"))
    url = reverse("institutes:application_detail", args=[application.pk])
    add_detail_rows(application, 2)
    client.get(url)

    measure(client, django_assert_num_queries, expected, url)
    add_detail_rows(application, 13, first_year=2100)
    response = measure(client, django_assert_num_queries, expected, url)
    assert response.content.decode().count("/attachments/") >= 15
