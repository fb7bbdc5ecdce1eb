import os
import re

import pytest

from tests.reference_data import load_reference_data


def pytest_configure(config):
    """With Redis as the cache, each test process gets a Redis database of its own (the broker keeps
    database 0): `cache.clear()` is a FLUSHDB, and the unread counts are keyed by user ids that both
    xdist workers' databases reuse."""
    from django.conf import settings

    cache = settings.CACHES["default"]
    if "redis" in cache["BACKEND"].lower():
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        number = 10 + int(worker[2:]) if worker.startswith("gw") else 9
        cache["LOCATION"] = re.sub(r"(/\d+)?$", f"/{number}", cache["LOCATION"].rstrip("/"), count=1)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: no session, count or rate-limit entry of another test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager_unless_worker_test(request):
    """Tasks run in-process except in tests marked celery_worker, which use a real worker and Redis."""
    from portal.celery import app

    eager = not request.node.get_closest_marker("celery_worker")
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def worker():
    """A real Celery worker in this process, fed through Redis (tests marked celery_worker:
    `tests.celery_worker.WORKER_TEST`)."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """Transactional tests flush the database, data migrations included: load the reference data
    (roles, regions, programs) again for them."""
    marker = request.node.get_closest_marker("django_db")
    if not marker or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    load_reference_data()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With --nomigrations the data migrations do not run: load their reference data once."""
    with django_db_blocker.unblock():
        load_reference_data()



@pytest.fixture(autouse=True)
def _no_n_plus_one(settings):
    """Any N+1 query pattern in a request under test fails the test (django-zeal middleware)."""
    settings.ZEAL_RAISE = True


def pytest_collection_modifyitems(items):
    """Tests on a transactional database flush it, reference data included, under the other tests
    sharing that database: mark them `transactional` so scripts/run-tests runs them after the rest."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):
            item.add_marker(pytest.mark.transactional)
