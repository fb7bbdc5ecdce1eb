"""The list pages of this concern cost the same number of queries for 2 rows as for 30.

Each test warms the page up once, measures it at the small size, adds rows and measures again: both
must equal the recorded number, so an N+1 fails here and a deliberate change is a one-number diff.
"""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from institutes.models import Application
from reviews.models import NoticeItem, Objection
from tests.factories import program_manager
from tests.factories_reviews_publicity import (
    applications_in, cultivation_unit, listed_panel, notice, objections, put_on, recognition_request,
)

pytestmark = pytest.mark.django_db
S = Application.State

# Anonymous page: session read and save (savepoint, update or insert, release) are not needed
# without a session: + count + notices + their items = 3.
PUBLIC_NOTICE_LIST_QUERIES = 3
# Every logged-in page: user and groups = 2 (the session and the unread count come from the cache,
# and the session is saved only when it changes: portal.sessions);
# + permission (manages a program) + count + page rows = 5.
OBJECTION_LIST_QUERIES = 5
NOTICE_LIST_QUERIES = 5
# + meeting-program buttons + recent meetings
DECISION_LIST_QUERIES = 7
INSPECTION_LIST_QUERIES = 5
# cultivation units: + count + rows + their recognition applications (no permission query: role only)
CULTIVATION_UNITS_QUERIES = 5


def measure(client, django_assert_num_queries, expected, url, rows):
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == rows
    return response


def add_notices(n):
    """n open notices of ZZ23, each with two published items."""
    made = []
    for _ in range(n):
        made.append(notice("ZZ23", applications_in(S.AWAITING_DECISION, 2)))
    return made


def test_public_notice_list_costs_the_same_at_2_and_30_notices(client, django_assert_num_queries):
    url = reverse("reviews:public_notice_list")
    add_notices(2)
    client.get(url)
    measure(client, django_assert_num_queries, PUBLIC_NOTICE_LIST_QUERIES, url, rows=2)
    add_notices(28)
    response = measure(client, django_assert_num_queries, PUBLIC_NOTICE_LIST_QUERIES, url, rows=30)
    assert response.content.decode().count("公示研究院") == 2 * 20  # the first page: 20 notices, 2 items each


def test_objection_list_costs_the_same_at_2_and_30_objections(as_user, django_assert_num_queries):
    client = as_user(program_manager("ZZ23"))
    url = reverse("reviews:objection_list")
    on_notice = notice("ZZ23", applications_in(S.AWAITING_DECISION, 2))
    item = on_notice.items.first()
    objections(on_notice, 2)
    client.get(url)
    measure(client, django_assert_num_queries, OBJECTION_LIST_QUERIES, url, rows=2)
    for made in objections(notice("ZZ23", applications_in(S.AWAITING_DECISION, 1)), 28):
        Objection.objects.filter(pk=made.pk).update(item=item)
    measure(client, django_assert_num_queries, OBJECTION_LIST_QUERIES, url, rows=30)


def test_manager_notice_list_costs_the_same_at_2_and_30_notices(as_user, django_assert_num_queries):
    client = as_user(program_manager("ZZ23"))
    url = reverse("reviews:notice_list")
    for made in add_notices(2):
        objections(made, 2)
    client.get(url)
    measure(client, django_assert_num_queries, NOTICE_LIST_QUERIES, url, rows=2)
    for made in add_notices(28):
        objections(made, 3)
    response = measure(client, django_assert_num_queries, NOTICE_LIST_QUERIES, url, rows=30)
    assert response.context["page"][0].objection_count == 3
    assert response.context["page"][0].item_count == 2


def test_decision_desk_costs_the_same_at_2_and_30_applications(as_user, django_assert_num_queries):
    client = as_user(program_manager("ZZ23", "SJZ22"))
    url = reverse("reviews:decision_list")
    applications_in(S.AWAITING_DECISION, 1)
    applications_in(S.AWAITING_DECISION, 1, "SJZ22")
    client.get(url)
    measure(client, django_assert_num_queries, DECISION_LIST_QUERIES, url, rows=2)
    applications_in(S.AWAITING_DECISION, 14)
    applications_in(S.AWAITING_DECISION, 14, "SJZ22")
    measure(client, django_assert_num_queries, DECISION_LIST_QUERIES, url, rows=30)


def test_inspection_list_costs_the_same_at_2_and_30_panels(as_user, django_assert_num_queries):
    client = as_user(program_manager("ZZ23"))
    url = reverse("reviews:inspection_list")
    for _ in range(2):
        listed_panel(listed=1, not_listed=0)
    client.get(url)
    measure(client, django_assert_num_queries, INSPECTION_LIST_QUERIES, url, rows=2)
    for _ in range(28):
        made, _on, _off = listed_panel(listed=1, not_listed=0)
        put_on(made, applications_in(S.EXPERT_REVIEW, 1)[0])
    measure(client, django_assert_num_queries, INSPECTION_LIST_QUERIES, url, rows=30)


def test_cultivation_units_cost_the_same_at_2_and_30_units(as_user, django_assert_num_queries):
    client = as_user(program_manager("HN23"))
    url = reverse("reviews:cultivation_units")
    for _ in range(2):
        recognition_request(cultivation_unit())
    client.get(url)
    measure(client, django_assert_num_queries, CULTIVATION_UNITS_QUERIES, url, rows=2)
    for _ in range(28):
        recognition_request(cultivation_unit())
    response = measure(client, django_assert_num_queries, CULTIVATION_UNITS_QUERIES, url, rows=30)
    assert response.content.decode().count("/recognition/") >= 25


def test_the_public_list_shows_open_and_recently_closed_notices_only(client):
    today = timezone.localdate()
    running = notice("ZZ23", applications_in(S.AWAITING_DECISION, 1))
    recent = notice("ZZ23", applications_in(S.AWAITING_DECISION, 1), starts_on=today - datetime.timedelta(days=20),
                    ends_on=today - datetime.timedelta(days=13), state="closed")
    old = notice("ZZ23", applications_in(S.AWAITING_DECISION, 1), starts_on=today - datetime.timedelta(days=60),
                 ends_on=today - datetime.timedelta(days=53), state="decided")
    future = notice("ZZ23", applications_in(S.AWAITING_DECISION, 1), starts_on=today + datetime.timedelta(days=3))
    shown = {n.pk for n in client.get(reverse("reviews:public_notice_list")).context["page"]}
    assert shown == {running.pk, recent.pk}
    assert client.get(reverse("reviews:public_notice_detail", args=[old.pk])).status_code == 200
    assert client.get(reverse("reviews:public_notice_detail", args=[future.pk])).status_code == 404
    assert NoticeItem.objects.count() == 4
