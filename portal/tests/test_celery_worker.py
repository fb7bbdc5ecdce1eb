"""A real Celery worker, fed through Redis, delivers notifications queued on commit."""
import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from institutes import services
from portal.celery import app
from portal.notify.models import Notification
from portal.notify.tasks import deliver_notification
from tests.factories import ApplicationFactory, applicant, complete_zz23, district_user

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (scripts/run-tests starts Redis)"),
]


@pytest.fixture
def worker():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def wait_for(predicate, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_submission_notifies_the_district_through_the_worker(worker):
    reviewer = district_user()
    user = applicant()
    application = complete_zz23(ApplicationFactory(organization=user.organization, created_by=user))
    services.submit_application(application, user)
    assert wait_for(lambda: Notification.objects.filter(recipient=reviewer).exists())


def test_redelivered_task_creates_nothing_twice(worker):
    user = applicant()
    first = deliver_notification.delay([user.pk], "测试通知", "/", "dedupe-key-1").get(timeout=15)
    second = deliver_notification.delay([user.pk], "测试通知", "/", "dedupe-key-1").get(timeout=15)
    assert (first, second) == (1, 0)
    assert Notification.objects.filter(recipient=user).count() == 1
