"""A real Celery worker, fed through Redis, runs the yearly entitlement job twice: nothing is duplicated."""
import datetime

from subsidies.models import Entitlement, EntitlementRun
from subsidies.services import entitlements as services
from subsidies.tasks import run_entitlements
from tests.celery_worker import WORKER_TEST, wait_for
from tests.factories import program
from tests.factories_subsidies_payouts import finance_user, yearly_institutes

pytestmark = WORKER_TEST


def test_the_job_run_twice_through_the_worker_creates_nothing_twice(worker):
    institutes = yearly_institutes(5, recognized_on=datetime.date(2023, 3, 1), year=2024)
    user = finance_user()
    first = services.request_run(program("ZZ23"), 2024, user)  # queued on commit (autocommit here)
    assert wait_for(lambda: EntitlementRun.objects.get(pk=first.pk).state == EntitlementRun.State.DONE, seconds=30)
    second = services.request_run(program("ZZ23"), 2024, user)
    assert wait_for(lambda: EntitlementRun.objects.get(pk=second.pk).state == EntitlementRun.State.DONE, seconds=30)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.created, second.created, second.unchanged) == (5, 0, 5)
    assert Entitlement.objects.count() == len(institutes)
    assert Entitlement.objects.values("key").distinct().count() == len(institutes)
    # a redelivered message for a finished run does nothing
    assert run_entitlements.delay(first.pk).get(timeout=15) == {"state": "done"}
    assert Entitlement.objects.count() == len(institutes)
