"""The demo hook demo/payouts.py: a second finance account, an approved batch built by the other one."""
import pytest

from demo import data, payouts as demo_payouts
from subsidies.models import Entitlement, PayoutBatch

pytestmark = pytest.mark.django_db


def test_demo_payouts_seed_is_idempotent_and_four_eyes():
    users = data.seed()
    first = demo_payouts.seed(users, None)
    second = demo_payouts.seed(users, None)
    batch = PayoutBatch.objects.get()
    assert first["batch"] == second["batch"] == batch
    assert batch.state == PayoutBatch.State.APPROVED
    assert batch.built_by.username == "finance" and batch.approved_by.username == "finance2"
    assert second["finance2"].has_role("finance")
    assert Entitlement.objects.filter(state=Entitlement.State.BATCHED).count() == batch.line_count >= 1
