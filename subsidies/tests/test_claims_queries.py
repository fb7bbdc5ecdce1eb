"""The list pages of rules and claims cost the same number of queries for few rows as for many."""
import datetime

import pytest
from django.urls import reverse

from subsidies.models import Claim
from subsidies.services.rules import VersionData, propose_version
from tests.factories_rules import approved_version
from tests.factories import applicant, program, program_manager
from tests.factories_subsidies_claims import claims

pytestmark = pytest.mark.django_db

# Every logged-in page: user and groups = 2 (the session and the unread count come from the cache,
# and the session is saved only when it changes: portal.sessions);
# + permission (manages a program) + managed programs (filter choices) + count + page rows = 6.
CLAIM_QUEUE_QUERIES = 6
# + count + page rows (role predicate only, no permission query) = 4.
CLAIM_LIST_QUERIES = 4
# + permission + what awaits the user's decision + rows of the managed programs' versions
# + the program buttons = 6.
RULE_LIST_QUERIES = 6
# Anonymous: the quoting rule versions, read once for the rule list and the fields = 1.
CALCULATOR_QUERIES = 1


def measure(client, django_assert_num_queries, expected, url, rows=None):
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    if rows is not None:
        assert response.context["page"].paginator.count == rows
    return response


def test_claim_queue_costs_the_same_at_2_and_30_claims(as_user, django_assert_num_queries):
    client = as_user(program_manager("ZZ23"))
    url = reverse("subsidies:claim_queue")
    claims(2)
    client.get(url)
    measure(client, django_assert_num_queries, CLAIM_QUEUE_QUERIES, url, rows=2)
    claims(28, "ZZ23-9A")
    claims(5, "XX22-3")  # another program: not in this manager's queue
    response = measure(client, django_assert_num_queries, CLAIM_QUEUE_QUERIES, url, rows=30)
    assert response.content.decode().count("批量事项") == 25


def test_claim_queue_filters(as_user):
    client = as_user(program_manager("ZZ23", "XX22"))
    claims(3)
    claims(2, "XX22-3")
    claims(1, state=Claim.State.APPROVED)
    url = reverse("subsidies:claim_queue")
    assert client.get(url).context["page"].paginator.count == 5
    assert client.get(url, {"program": "XX22"}).context["page"].paginator.count == 2
    assert client.get(url, {"state": "approved"}).context["page"].paginator.count == 1
    assert client.get(url, {"state": ""}).context["page"].paginator.count == 6
    assert client.get(url, {"state": "", "q": "批量事项0"}).context["page"].paginator.count == 3


def test_applicant_claim_list_costs_the_same_at_2_and_30_claims(as_user, django_assert_num_queries):
    user = applicant()
    client = as_user(user)
    url = reverse("subsidies:claim_list")
    claims(2, organization=user.organization)
    client.get(url)
    measure(client, django_assert_num_queries, CLAIM_LIST_QUERIES, url, rows=2)
    claims(28, organization=user.organization)
    claims(3)  # other organisations' claims are not listed
    measure(client, django_assert_num_queries, CLAIM_LIST_QUERIES, url, rows=30)


def add_versions(manager, n, start=2030):
    approver = program_manager("ZZ23")
    for i in range(n):
        approved_version(manager, program("ZZ23"), approver=approver, data=VersionData(
            code=f"ZZ23-X{i}", document="郑政办〔2030〕1号", article="五", title=f"测试规则{i}", rule_type="fixed",
            params={"amount": "1000"}, payees=["enterprise"], cap_period="once",
            effective_from=datetime.date(start, 1, 1), note="测试",
        ))


def test_rule_list_costs_the_same_at_few_and_many_versions(as_user, django_assert_num_queries):
    manager = program_manager("ZZ23", "XX22")
    client = as_user(manager)
    url = reverse("subsidies:rule_list")
    client.get(url)
    first = measure(client, django_assert_num_queries, RULE_LIST_QUERIES, url)
    add_versions(manager, 20)
    colleague = program_manager("ZZ23")
    for i in range(5):  # proposals of a colleague: they await the user's decision
        propose_version(colleague, program("ZZ23"), VersionData(
            code=f"ZZ23-Y{i}", document="郑政办〔2030〕1号", article="五", title=f"待审规则{i}", rule_type="fixed",
            params={"amount": "1000"}, payees=["enterprise"], cap_period="once",
            effective_from=datetime.date(2030, 1, 1), note="测试"))
    second = measure(client, django_assert_num_queries, RULE_LIST_QUERIES, url)
    rows = lambda response: response.content.decode().count('data-testid="rule-ZZ')  # noqa: E731
    assert rows(second) == rows(first) + 25
    assert second.content.decode().count('data-testid="awaiting-') == 5


def test_rule_list_shows_only_the_managed_programs(as_user):
    html = as_user(program_manager("ZZ17")).get(reverse("subsidies:rule_list")).content.decode()
    assert "ZZ17-10A" in html and "ZZ23-3" not in html


def test_calculator_costs_the_same_with_more_rules(client, django_assert_num_queries):
    url = reverse("subsidies:calculator") + "?rule=ZZ23-3"
    client.get(url)
    measure(client, django_assert_num_queries, CALCULATOR_QUERIES, url)
    add_versions(program_manager("ZZ23"), 10)
    measure(client, django_assert_num_queries, CALCULATOR_QUERIES, url)
