"""The entitlement's own page (issue 9 "Finance trusts every figure"): how it was computed and its full
history — who created it, every amount change old → new with the reason, every state change — for
finance, the program's manager and the payee; anyone else gets 404; the cost does not grow with the
history."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portal.audit.services import record_event
from subsidies.models import Entitlement
from subsidies.services import claims as claim_service
from subsidies.services import entitlements as service
from tests.factories import applicant, program_manager
from tests.factories_subsidies_claims import claim
from tests.factories_subsidies_payouts import entitlement, finance_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def page(client, user, pk):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(reverse("subsidies:entitlement_detail", args=[pk]))


def test_an_approved_claims_entitlement_shows_its_rule_facts_and_who_created_it(client):
    manager = program_manager("ZZ23")
    user = applicant()
    item = claim(user, "ZZ23-3", facts={"investment": "8000000"})
    claim_service.submit_claim(item, user)
    item.refresh_from_db()
    claim_service.approve_claim(item, manager, comment="符合条件")
    row = Entitlement.objects.get(claim=item)
    finance = finance_user()
    service.approve(row, finance)
    html = page(client, finance, row.pk).content.decode()
    assert "ZZ23-3" in html and "800,000.00" in html
    assert "Entitlement created" in html
    assert (manager.get_full_name() or manager.username) in html
    assert "已审核待拨付" in html  # the approval by finance, in the page's language
    # the payee sees its own, another applicant does not
    assert page(client, user, row.pk).status_code == 200
    assert page(client, applicant(), row.pk).status_code == 404


def _revise(row, times):
    for n in range(times):
        old, new = row.amount, row.amount + 1
        row.amount = new
        row.history = [*row.history, {"old": str(old), "new": str(new), "reason": f"funding input {n}",
                                      "at": "2026-01-01T00:00:00+00:00"}]
        row.save(update_fields=["amount", "history"])
        record_event(row, action="yearly_amount_changed", action_label="Amount changed", actor=None,
                     comment=f"funding input {n}", data={"old": str(old), "new": str(new), "reason": f"funding input {n}"})


def test_every_amount_change_is_shown_old_to_new_with_its_reason(client):
    row = entitlement(amount="1000000.00")
    _revise(row, 2)
    html = page(client, finance_user(), row.pk).content.decode()
    assert "1,000,000.00" in html and "1,000,001.00" in html and "1,000,002.00" in html
    assert "funding input 0" in html and "funding input 1" in html


def test_the_page_costs_the_same_whatever_the_history(client):
    finance = finance_user()
    short, long = entitlement(), entitlement()
    _revise(short, 1)
    _revise(long, 12)
    page(client, finance, short.pk)  # logs in and warms the content-type cache
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("subsidies:entitlement_detail", args=[short.pk])).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("subsidies:entitlement_detail", args=[long.pk])).status_code == 200
    assert len(many) == len(few)
