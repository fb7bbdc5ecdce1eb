"""Redis stopped: pages render and an action that queues a job succeeds; the job waits in the outbox
and a real worker runs it once Redis is back (the worker's relay publishes it)."""
import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from institutes import services
from portal.celery import app
from portal.notify.models import Notification
from portal.notify.services import notify
from portal.outbox.models import OutboxMessage
from portal.outbox.tests.brokers import PrivateRedis, broker
from tests.celery_worker import WORKER_TEST, wait_for
from tests.factories import ApplicationFactory, applicant, complete_zz23, district_user

pytestmark = WORKER_TEST


@pytest.fixture
def redis_down(tmp_path, settings):
    """A Redis port with nothing listening yet, as broker and cache."""
    redis = PrivateRedis(tmp_path)
    settings.CACHES = {"default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": redis.url,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    settings.OUTBOX_RELAY_SECONDS = 0.2
    with broker(redis.url):
        yield redis
    redis.stop()


def test_a_job_queued_during_the_outage_waits_and_runs_when_redis_is_back(redis_down, as_user):
    reviewer = district_user()
    user = applicant()
    application = complete_zz23(ApplicationFactory(organization=user.organization, created_by=user))
    client = as_user(user)
    assert client.get(reverse("dashboard")).status_code == 200

    services.submit_application(application, user)  # notifies the district: a job

    application.refresh_from_db()
    assert application.state == "submitted"
    [waiting] = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert waiting.task_name == "portal.notify.tasks.deliver_notifications"
    assert waiting.attempts == 1 and "Error" in waiting.last_error
    assert not Notification.objects.exists()
    assert client.get(reverse("dashboard")).status_code == 200

    redis_down.start()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert wait_for(lambda: Notification.objects.filter(recipient=reviewer).exists(), seconds=30)
        waiting.refresh_from_db()
        assert waiting.sent_at is not None
        # With Redis up, a job is published as its transaction commits, not by the relay.
        notify([reviewer], "再次通知", "/")
        [later] = OutboxMessage.objects.exclude(pk=waiting.pk)
        assert later.sent_at is not None and later.attempts == 0
        assert wait_for(lambda: Notification.objects.filter(recipient=reviewer).count() == 2, seconds=15)
    assert Notification.objects.filter(recipient=reviewer).count() == 2
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
