"""Two finance officers pay the last two lines of a batch at the same moment, each on their own
database connection (PostgreSQL; transactional, so scripts/run-tests runs it after the rest): the
batch still closes. Settling is serialised on the batch row (`services.payouts._lock_batch`); without
that lock each officer's transaction would still see the other's line pending and neither would
close the batch."""
import threading
import time

import pytest
from django.db import connection, connections

from subsidies.models import Entitlement, PayoutBatch, PayoutLine
from subsidies.services import payouts as services
from tests.factories_subsidies_payouts import batch_with_lines, finance_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_officers_paying_the_last_two_lines_at_once_close_the_batch(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises whole transactions")
    officers = [finance_user(), finance_user()]
    batch = batch_with_lines(finance_user(), 2, state=PayoutBatch.State.APPROVED, approver=officers[0])
    lines = list(batch.lines.order_by("pk"))

    settle = services._settle_paid

    def slow_settle(*args, **kwargs):
        """Hold the transaction open after settling so the two officers overlap for certain."""
        settle(*args, **kwargs)
        time.sleep(0.5)

    monkeypatch.setattr(services, "_settle_paid", slow_settle)
    start = threading.Barrier(2)
    errors = []

    def pay(line, officer, voucher):
        try:
            start.wait(timeout=10)
            services.mark_paid(line, officer, voucher_number=voucher)
        except Exception as error:  # reported below: a thread's exception would otherwise be lost
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(line, officer, f"记-2026-{index}"))
               for index, (line, officer) in enumerate(zip(lines, officers), start=1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    batch.refresh_from_db()
    assert batch.state == PayoutBatch.State.CLOSED
    assert set(PayoutLine.objects.filter(batch=batch).values_list("state", flat=True)) == {PayoutLine.State.PAID}
    assert sorted(PayoutLine.objects.filter(batch=batch).values_list("voucher_number", flat=True)) == [
        "记-2026-1", "记-2026-2"]
    assert set(Entitlement.objects.filter(payout_lines__batch=batch).values_list("state", flat=True)) == {
        Entitlement.State.PAID}
