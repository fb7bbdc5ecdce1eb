"""The entitlement and payout list pages cost the same number of queries for 2 rows as for 20."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from subsidies.models import Entitlement, PayoutBatch, PayoutLine
from subsidies.services import payouts
from tests.factories import applicant, program_manager
from tests.factories_subsidies_payouts import batch_with_lines, entitlement, finance_user, many_entitlements

pytestmark = pytest.mark.django_db

# Every logged-in page: user and groups = 2 (the session and the unread count come from the cache,
# and the session is saved only when it changes: portal.sessions); + the rest:
# + program filter lookup + count + totals + page rows + the filter's program and district options
# + the finance user's paying authorities
ENTITLEMENT_LIST_QUERIES = 9
# without filters: + permission (manages a program) + managed programs in the scope
MANAGER_ENTITLEMENT_LIST_QUERIES = 10
MY_ENTITLEMENTS_QUERIES = 5       # + count + totals + rows
# finance pages: + the user's paying authorities (one query, cached on the user)
BATCH_LIST_QUERIES = 5            # + count + rows
# + batch + count + lines + exports + timeline (+ its content type) + totals (lines, recoveries)
# + the page's payees' net positions (paid, recovered)
BATCH_DETAIL_QUERIES = 13
BATCH_CREATE_QUERIES = 5          # + approved entitlements + the filter's program options
RECOVERY_LIST_QUERIES = 6         # + count + rows + recovery due
RUN_LIST_QUERIES = 5              # + programs for the form + runs + the paying authorities served
BANK_ACCOUNT_LIST_QUERIES = 8     # + authorities + their paths (twice) + count + payee rows + proposals
BANK_ACCOUNT_QUERIES = 7          # + authorities + their paths (twice) + organisation + accounts


def count(client, url):
    client.get(url)  # warm up (content types, caches)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def test_entitlement_list(client):
    login(client, finance_user())
    url = reverse("subsidies:entitlement_list") + "?program=ZZ23&year=2024"
    many_entitlements(2, state=Entitlement.State.COMPUTED)
    small = count(client, url)
    many_entitlements(20, state=Entitlement.State.COMPUTED, region_code="410102")
    assert (small, count(client, url)) == (ENTITLEMENT_LIST_QUERIES,) * 2


def test_entitlement_list_for_a_manager(client):
    login(client, program_manager("ZZ23"))
    url = reverse("subsidies:entitlement_list")
    many_entitlements(2)
    small = count(client, url)
    many_entitlements(20)
    assert (small, count(client, url)) == (MANAGER_ENTITLEMENT_LIST_QUERIES,) * 2


def test_my_entitlements(client):
    user = login(client, applicant())
    for _ in range(2):
        entitlement(user.organization)
    small = count(client, reverse("subsidies:my_entitlements"))
    for _ in range(20):
        entitlement(user.organization)
    assert (small, count(client, reverse("subsidies:my_entitlements"))) == (MY_ENTITLEMENTS_QUERIES,) * 2


def test_batch_list(client):
    user = login(client, finance_user())
    for _ in range(2):
        batch_with_lines(user, 1)
    small = count(client, reverse("subsidies:batch_list"))
    for _ in range(10):
        batch_with_lines(user, 1)
    assert (small, count(client, reverse("subsidies:batch_list"))) == (BATCH_LIST_QUERIES,) * 2


@pytest.mark.parametrize("n", [2, 30])
def test_batch_detail(client, n):
    builder = finance_user()
    login(client, finance_user())
    batch = batch_with_lines(builder, n, state=PayoutBatch.State.APPROVED)
    assert count(client, reverse("subsidies:batch_detail", args=[batch.pk])) == BATCH_DETAIL_QUERIES


def test_batch_create(client):
    login(client, finance_user())
    many_entitlements(2)
    small = count(client, reverse("subsidies:batch_create"))
    many_entitlements(20)
    assert (small, count(client, reverse("subsidies:batch_create"))) == (BATCH_CREATE_QUERIES,) * 2


def test_recovery_list(client):
    from decimal import Decimal

    user = login(client, finance_user())

    def recoveries(n):
        batch = batch_with_lines(user, n, state=PayoutBatch.State.CLOSED, line_state=PayoutLine.State.PAID)
        for line in batch.lines.all():
            payouts.record_recovery(line, user, amount=Decimal("10.00"), reason="追偿")

    recoveries(2)
    small = count(client, reverse("subsidies:recovery_list"))
    recoveries(10)
    assert (small, count(client, reverse("subsidies:recovery_list"))) == (RECOVERY_LIST_QUERIES,) * 2


def test_run_list(client):
    from subsidies.models import EntitlementRun
    from tests.factories import program

    user = login(client, finance_user())
    for _ in range(2):
        EntitlementRun.objects.create(program=program("ZZ23"), year=2024, requested_by=user)
    small = count(client, reverse("subsidies:run_list"))
    for _ in range(10):  # ZZ17: another program of the same paying authority (郑州市财政局)
        EntitlementRun.objects.create(program=program("ZZ17"), year=2024, requested_by=user)
    assert (small, count(client, reverse("subsidies:run_list"))) == (RUN_LIST_QUERIES,) * 2


def test_bank_account_list(client):
    """The payees with their account in force and the proposals awaiting approval: the same queries
    for 2 organisations as for 12."""
    from tests.factories_subsidies_payouts import approved_accounts

    user = login(client, finance_user())
    proposer = finance_user()

    def payees(n):
        orgs = [entitlement().payee for _ in range(n)]
        approved_accounts(orgs[: n // 2])
        for org in orgs[n // 2:]:
            payouts.propose_account(org, proposer, holder=org.name, bank="中国银行", number="62170000111122",
                                    reason="首次登记")

    payees(2)
    small = count(client, reverse("subsidies:bank_account_list"))
    payees(10)
    assert (small, count(client, reverse("subsidies:bank_account_list"))) == (BANK_ACCOUNT_LIST_QUERIES,) * 2


def test_bank_account_page(client):
    """One organisation's account page: the same queries with 1 or 6 earlier accounts in its history."""
    user = login(client, finance_user())
    second = finance_user()
    org = entitlement().payee

    def changes(n):
        for index in range(n):
            account = payouts.propose_account(org, user, holder=org.name, bank="中国银行",
                                              number=f"6217000011{index:04d}", reason="变更")
            payouts.approve_account(account, second)

    changes(1)
    url = reverse("subsidies:bank_account", args=[org.pk])
    small = count(client, url)
    changes(5)
    assert (small, count(client, url)) == (BANK_ACCOUNT_QUERIES,) * 2
