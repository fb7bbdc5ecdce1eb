"""Scoring pages cost the same number of queries whatever their size: the expert's assignment list
(2 vs 20 items), the ranking and the progress page (2 vs 40 items × 5 experts), an item's content
(2 vs 15 rows of each kind) and the score sheet with every expert's scores shown.

Each test warms the page up once, measures it at the small size, grows the data and measures it
again: both must equal the recorded number."""
import pytest
from django.urls import reverse

from institutes.models import ApplicationYear, IntellectualProperty
from reviews.models import Panel
from tests.factories import attachment, participant, program_manager
from tests.factories_reviews_scoring import (
    add_items, declare, make_panel, members, score, score_everything, set_state, submit_sheet,
)

pytestmark = pytest.mark.django_db

# Every logged-in page: user and groups = 2 (the session and the unread count come from the cache,
# and the session is saved only when it changes: portal.sessions).
# assignments: + count + rows (role, declaration and sheet as subqueries)
ASSIGNMENT_QUERIES = 4
# ranking as manager: + panel (scoped) + view_ranking (managed programs) + members + sheet totals
# + ranked items with their aggregates + manage_ranking + site-list items + site-list signatories
RANKING_AS_MANAGER_QUERIES = 10
# as a member: view_ranking reads the seat instead of managed programs (and manage_ranking is
# refused on the role, no query); the member's own seat for the confirm button
RANKING_AS_MEMBER_QUERIES = 10
# progress: + panel + permission + members + declarations + sheets + items
PROGRESS_QUERIES = 8
# content: + item + view_item_content (seat, declaration) + item with its relations + years, IP,
# participants, attachments + declare_interests for the score button (seat)
CONTENT_QUERIES = 11
# score sheet (submitted) with everyone's scores: + item + view_item_content (seat, declaration)
# + own sheet + criteria + own scores + item progress + submitted sheets + their scores
SCORE_SHEET_QUERIES = 11

def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def measure(client, django_assert_num_queries, expected, url):
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    return response


def test_assignment_list_costs_the_same_at_2_and_20_items(client, django_assert_num_queries):
    panel = make_panel("HN23", items=2)
    seat = members(panel)[2]
    first, second = panel.items.order_by("pk")
    declare(seat, first)
    submit_sheet(seat, second, 80)
    client = login(client, seat.expert.user)
    url = reverse("reviews:my_assignments")
    client.get(url)

    measure(client, django_assert_num_queries, ASSIGNMENT_QUERIES, url)
    more = add_items(panel, 18)
    for item in more[:6]:
        declare(seat, item)
    for item in more[6:12]:
        submit_sheet(seat, item, 88)
    response = measure(client, django_assert_num_queries, ASSIGNMENT_QUERIES, url)
    assert response.context["page"].paginator.count == 20


def ranked_panel(n_items):
    panel = make_panel("HN23", items=n_items, manager=program_manager("HN23", username="ranking-manager"))
    score_everything(panel, lambda item_index, member_index: 70 + (item_index * 7 + member_index * 5) % 30)
    return set_state(panel, Panel.State.RANKED)


def grow(panel, n_items):
    """Add items, every member scoring them; mark the site-inspection list."""
    seats = members(panel)
    score(panel, {(m, item): 60 + (item.pk + m.pk) % 40 for item in add_items(panel, n_items) for m in seats})
    panel.items.update(listed_for_inspection=False)


@pytest.mark.parametrize(("viewer", "expected"), [
    ("manager", RANKING_AS_MANAGER_QUERIES),
    ("member", RANKING_AS_MEMBER_QUERIES),
])
def test_ranking_costs_the_same_at_2_and_40_items_of_5_experts(client, django_assert_num_queries, viewer, expected):
    panel = ranked_panel(2)
    user = panel.program.managers.get() if viewer == "manager" else members(panel)[3].expert.user
    client = login(client, user)
    url = reverse("reviews:panel_ranking", args=[panel.pk])
    client.get(url)

    measure(client, django_assert_num_queries, expected, url)
    grow(panel, 38)
    response = measure(client, django_assert_num_queries, expected, url)
    assert len(response.context["ranking"].rows) == 40
    assert response.content.decode().count("<tr data-item=") == 40


def test_progress_costs_the_same_at_2_and_40_items(client, django_assert_num_queries):
    panel = ranked_panel(2)
    client = login(client, panel.program.managers.get())
    url = reverse("reviews:scoring_progress", args=[panel.pk])
    client.get(url)

    measure(client, django_assert_num_queries, PROGRESS_QUERIES, url)
    grow(panel, 38)
    response = measure(client, django_assert_num_queries, PROGRESS_QUERIES, url)
    assert response.content.decode().count('data-status="submitted"') == 200


def add_content_rows(application, n, first_year):
    for i in range(n):
        ApplicationYear.objects.create(application=application, year=first_year + i, operating_revenue=1000,
                                       rd_spending=100, fiscal_support=0)
        IntellectualProperty.objects.create(application=application, kind="invention_patent", title=f"专利{i}",
                                            number=f"ZL{first_year + i}")
        participant(application, name=f"参与单位{first_year + i}")
        attachment(application, name=f"附件{first_year + i}.pdf")


def test_item_content_does_not_grow_with_its_rows(client, django_assert_num_queries):
    panel = make_panel("HN23", items=1)
    seat = members(panel)[2]
    item = panel.items.get()
    declare(seat, item)
    client = login(client, seat.expert.user)
    url = reverse("reviews:item_content", args=[item.pk])
    add_content_rows(item.application, 2, 2000)
    client.get(url)

    measure(client, django_assert_num_queries, CONTENT_QUERIES, url)
    add_content_rows(item.application, 13, 2100)
    response = measure(client, django_assert_num_queries, CONTENT_QUERIES, url)
    assert response.content.decode().count("/attachments/") == 15


def test_score_sheet_with_every_experts_scores_costs_a_fixed_number(client, django_assert_num_queries):
    panel = make_panel("HN23", items=1)
    item = panel.items.get()
    for n, seat in enumerate(members(panel)):
        submit_sheet(seat, item, 70 + n)
    client = login(client, members(panel)[2].expert.user)
    url = reverse("reviews:score_item", args=[item.pk])
    client.get(url)

    response = measure(client, django_assert_num_queries, SCORE_SHEET_QUERIES, url)
    assert len(response.context["table"].sheets) == 5
