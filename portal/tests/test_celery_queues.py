"""Celery queues (docs/operations.md › Celery queues): PDF rendering, payout exports and the yearly
entitlement runs go to the "heavy" queue, every other job to the default "celery" queue, and the test
worker (like a worker started without -Q) consumes both, so nothing waits for a worker that is not
there."""
import pytest

from portal.celery import app
from tests.celery_worker import WORKER_TEST

HEAVY = ["subsidies.tasks_notices.render_notice", "subsidies.tasks.build_export", "subsidies.tasks.run_entitlements"]
QUICK = ["portal.notify.tasks.deliver_notifications", "subsidies.tasks_notices.issue_recognition_notice",
         "subsidies.tasks_notices.issue_payout_notice", "subsidies.tasks.queue_yearly_entitlements",
         "reviews.tasks.close_ended_notices", "institutes.tasks.annual_report_jobs"]


@pytest.fixture(autouse=True, scope="module")
def _every_task_registered():
    """As a worker does at start: import every app's tasks (autodiscovery) and CELERY_IMPORTS."""
    app.loader.import_default_modules()


def queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize("task_name", HEAVY)
def test_pdfs_exports_and_entitlement_runs_go_to_the_heavy_queue(task_name):
    assert task_name in app.tasks
    assert queue_of(task_name) == "heavy"


@pytest.mark.parametrize("task_name", QUICK)
def test_quick_jobs_stay_on_the_default_queue(task_name):
    assert task_name in app.tasks
    assert queue_of(task_name) == "celery"


def test_every_task_is_on_a_declared_queue():
    declared = {queue.name for queue in app.conf.task_queues}
    assert declared == {"celery", "heavy"}
    portal_tasks = [name for name in app.tasks if not name.startswith("celery.")]
    assert portal_tasks and {queue_of(name) for name in portal_tasks} <= declared


def worker_test(function):
    for mark in WORKER_TEST:
        function = mark(function)
    return function


@worker_test
def test_the_test_worker_consumes_both_queues(worker):
    replies = app.control.inspect(timeout=5).active_queues() or {}
    assert replies, "the test worker answers"
    for queues in replies.values():
        assert {queue["name"] for queue in queues} >= {"celery", "heavy"}
