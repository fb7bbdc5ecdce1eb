"""GET /healthz against the real Redis of scripts/run-tests and a real Celery worker."""
from django.urls import reverse

from tests.celery_worker import WORKER_TEST

pytestmark = WORKER_TEST


def test_with_redis_and_a_worker_everything_is_ok(client, worker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {
        "database": "ok", "redis": "ok", "celery_worker": "ok", "private_storage": "ok"}}


def test_without_a_worker_the_worker_is_named(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok", "redis": "ok", "celery_worker": "unavailable", "private_storage": "ok"}
