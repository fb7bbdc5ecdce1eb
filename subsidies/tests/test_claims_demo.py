"""The demo hook for claims (wired into demo.data.seed): made through the services, idempotent."""
import pytest

from demo import claims as demo_claims
from demo.data import seed
from subsidies.models import Claim, Entitlement

pytestmark = pytest.mark.django_db


def test_demo_claims_are_seeded_once():
    users = seed()  # runs claims.seed(users, organizations) among the demo hooks
    assert demo_claims.seed(users) == 0  # a second call adds nothing
    states = dict(Claim.objects.filter(created_by__username__in=["applicant", "applicant2"])
                  .values_list("rule_code", "state"))
    assert states == {"ZZ23-3": "approved", "ZZ23-9A": "submitted", "ZZ17-5": "draft", "ZZ23-4": "returned"}
    assert Entitlement.objects.get(claim__rule_code="ZZ23-3").amount == 600000
