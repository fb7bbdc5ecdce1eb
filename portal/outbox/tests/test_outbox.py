"""The outbox with a broker (not eager): the job is a row of the change's transaction, published on
commit; a broker error leaves it waiting for the relay, which sends it once."""
from unittest import mock

import pytest
from celery import current_app
from django.core.management import call_command
from django.db import transaction

from portal.notify.tasks import deliver_notifications
from portal.outbox.models import OutboxMessage
from portal.outbox.services import enqueue, enqueue_many, relay_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_broker():
    previous = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    with mock.patch.object(current_app, "send_task") as send_task:
        yield send_task
    current_app.conf.task_always_eager = previous


def test_a_job_is_written_with_the_change_and_published_on_commit(with_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(deliver_notifications, [[[1], "通知", "/", "k"]])
        assert OutboxMessage.objects.get().sent_at is None
    with_broker.assert_called_once_with(
        "portal.notify.tasks.deliver_notifications", args=[[[[1], "通知", "/", "k"]]], kwargs={}, retry=False)
    assert OutboxMessage.objects.get().sent_at is not None


def test_a_rolled_back_change_queues_nothing(with_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(deliver_notifications, [])
            raise RuntimeError
    assert not OutboxMessage.objects.exists()
    with_broker.assert_not_called()


def test_a_broker_error_leaves_the_jobs_waiting_and_the_relay_sends_each_once(with_broker,
                                                                              django_capture_on_commit_callbacks):
    with_broker.side_effect = ConnectionRefusedError("Redis down")
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_many(deliver_notifications, [[1], [2], [3]])  # the request does not fail
    first, *_rest = OutboxMessage.objects.all()
    assert (first.attempts, first.last_error) == (1, "ConnectionRefusedError: Redis down")
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 3

    with_broker.side_effect = None
    assert relay_pending() == 3
    assert [call.kwargs["args"] for call in with_broker.call_args_list[1:]] == [[1], [2], [3]]
    assert relay_pending() == 0
    call_command("relay_outbox")
    assert with_broker.call_count == 4
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_eager_without_a_broker_runs_the_job_on_commit_and_writes_nothing(django_capture_on_commit_callbacks):
    with mock.patch.object(deliver_notifications, "delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        enqueue(deliver_notifications, ["batch"])
    delay.assert_called_once_with(["batch"])
    assert not OutboxMessage.objects.exists()
