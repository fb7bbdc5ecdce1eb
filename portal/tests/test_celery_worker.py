"""A real Celery worker, fed through Redis, delivers notifications queued on commit."""
from institutes import services
from portal.notify.models import Notification
from portal.notify.tasks import deliver_notifications
from tests.celery_worker import WORKER_TEST, wait_for
from tests.factories import ApplicationFactory, applicant, complete_zz23, district_user

pytestmark = WORKER_TEST


def test_submission_notifies_the_district_through_the_worker(worker):
    reviewer = district_user()
    user = applicant()
    application = complete_zz23(ApplicationFactory(organization=user.organization, created_by=user))
    services.submit_application(application, user)
    assert wait_for(lambda: Notification.objects.filter(recipient=reviewer).exists())


def test_redelivered_task_creates_nothing_twice(worker):
    user = applicant()
    first = deliver_notifications.delay([[[user.pk], "测试通知", "/", "dedupe-key-1"]]).get(timeout=15)
    second = deliver_notifications.delay([[[user.pk], "测试通知", "/", "dedupe-key-1"]]).get(timeout=15)
    assert (first, second) == (1, 0)
    assert Notification.objects.filter(recipient=user).count() == 1
