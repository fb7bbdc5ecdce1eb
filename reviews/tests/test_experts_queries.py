"""The expert list costs the same number of queries for 2 experts as for 30."""
import pytest
from django.urls import reverse

from portal.accounts.models import Region
from reviews.models import Expert
from tests.factories import program_manager
from tests.factories_reviews_panels import OTHER_FIELD, PoolExpertFactory

pytestmark = pytest.mark.django_db

# Every logged-in page: user and groups = 2 (the session and the unread count come from the cache,
# and the session is saved only when it changes: portal.sessions);
# + industry fields for the filter + count + page rows + their fields (prefetch)
EXPERT_LIST_QUERIES = 6


def add_experts(n):
    region = Region.objects.get(code="410105")
    for i in range(n):
        PoolExpertFactory(region=region if i % 2 else None, account=i % 3 == 0, field_codes=["advanced-equipment", OTHER_FIELD],
                          kind=Expert.Kind.MANAGEMENT if i % 2 else Expert.Kind.TECHNICAL)


@pytest.mark.parametrize("params", [{}, {"industry_field": OTHER_FIELD, "kind": "technical", "active": "yes", "q": "库专家"}])
def test_the_expert_list_costs_the_same_at_2_and_30_experts(as_user, django_assert_num_queries, params):
    client = as_user(program_manager("ZZ23"))
    url = reverse("reviews:expert_list")
    add_experts(2)
    client.get(url, params)

    with django_assert_num_queries(EXPERT_LIST_QUERIES):
        small = client.get(url, params)
    add_experts(28)
    with django_assert_num_queries(EXPERT_LIST_QUERIES):
        large = client.get(url, params)

    assert (small.context["page"].paginator.count, large.context["page"].paginator.count) == (
        (2, 30) if not params else (1, 15)
    )
