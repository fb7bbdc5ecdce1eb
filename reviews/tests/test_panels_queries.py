"""The panel list, a panel's page and the invitations cost the same number of queries for 2 rows
as for 30."""
import pytest
from django.urls import reverse

from institutes.models import IndustryField, Program
from reviews.models import Panel, PanelItem, PanelMember
from tests.factories import program_manager, submitted_applications
from reviews.services.draw import replace_member
from tests.factories_reviews_panels import PoolExpertFactory, drawn_panel, give_account, pool, rubric_for

pytestmark = pytest.mark.django_db

# Every logged-in page: user and groups = 2 (the session and the unread count come from the cache,
# and the session is saved only when it changes: portal.sessions);
# list: + managed programs for the filter + count + page rows (with their counts)
PANEL_LIST_QUERIES = 5
# invitations: + count + page rows (with their item counts)
INVITATION_LIST_QUERIES = 4
# detail as manager: + panel + view and manage permissions (2) + members + items + the open-scoring
# condition (members) + audit events + appointment choices (2); the draw log reads no more
PANEL_DETAIL_QUERIES = 11


def add_panels(n, manager, expert=None, code="ZZ23"):
    """n panels with 3 items and 3 members each, bulk-inserted; `expert` sits on each."""
    program = Program.objects.get(code=code)
    panels = Panel.objects.bulk_create([
        Panel(program=program, purpose=Panel.Purpose.APPLICATION_REVIEW, rubric=rubric_for(code),
              industry_field=IndustryField.objects.get(code="advanced-equipment"), size=3, name=f"批量专家组{i}",
              created_by=manager)
        for i in range(n)
    ])
    applications = submitted_applications(3 * n)
    PanelItem.objects.bulk_create([PanelItem(panel=p, application=a) for p, a in zip(panels * 3, applications)])
    others = PoolExpertFactory.create_batch(2)
    PanelMember.objects.bulk_create([
        PanelMember(panel=p, expert=e) for p in panels for e in [*others, *([expert] if expert else [])]
    ])
    return panels


def test_the_panel_list_costs_the_same_at_2_and_30_panels(as_user, django_assert_num_queries):
    manager = program_manager("ZZ23")
    client = as_user(manager)
    url = reverse("reviews:panel_list")
    add_panels(2, manager)
    client.get(url)

    with django_assert_num_queries(PANEL_LIST_QUERIES):
        client.get(url)
    add_panels(28, manager)
    add_panels(3, program_manager("HN23"), code="HN23")
    with django_assert_num_queries(PANEL_LIST_QUERIES):
        response = client.get(url, {"program": "ZZ23"})

    assert response.context["page"].paginator.count == 30
    row = response.context["page"][0]
    assert (row.item_count, row.invited_count, row.accepted_count) == (3, 2, 0)


def test_the_invitations_cost_the_same_at_2_and_30_seats(as_user, django_assert_num_queries):
    manager = program_manager("ZZ23")
    expert = PoolExpertFactory()
    client = as_user(give_account(expert))
    url = reverse("reviews:invitation_list")
    add_panels(2, manager, expert)
    client.get(url)

    with django_assert_num_queries(INVITATION_LIST_QUERIES):
        client.get(url)
    add_panels(28, manager, expert)
    with django_assert_num_queries(INVITATION_LIST_QUERIES):
        response = client.get(url)

    assert response.context["page"].paginator.count == 30
    assert all(m.item_count == 3 for m in response.context["page"])


def test_a_panel_s_page_does_not_grow_with_members_items_and_rounds(as_user, django_assert_num_queries):
    panel = drawn_panel(size=3)
    client = as_user(panel.created_by)
    url = reverse("reviews:panel_detail", args=[panel.pk])
    client.get(url)

    with django_assert_num_queries(PANEL_DETAIL_QUERIES):
        client.get(url)
    pool(management=3, technical=6)
    for _round in range(4):
        replace_member(panel.members.seated().first(), panel.created_by, reason="无法参加")
    PanelItem.objects.bulk_create([PanelItem(panel=panel, application=a) for a in submitted_applications(10)])
    with django_assert_num_queries(PANEL_DETAIL_QUERIES):
        response = client.get(url)

    assert len(response.context["rounds"]) == 5 and len(response.context["items"]) == 11
