"""GET /healthz: 200 and a small JSON when the database, Redis, a Celery worker and the private
storage are well; 503 naming each one that is not. The failures are real where they can be made
cheaply (a closed Redis port, a database that cannot be opened, a storage path under a file, no
worker answering); a healthy Redis and worker are stood in for here and real in test_health_worker
(run by scripts/run-tests with Redis) and in scripts/production-smoke."""
import pytest
from axes.models import AccessAttempt
from django.db import connections
from django.urls import reverse

from portal import health
from portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://:s3cret-redis-pass@127.0.0.1:1/0"
ALL = {"database", "redis", "celery_worker", "private_storage"}
REAL_REDIS_CLIENT = health.redis_client


class HealthyRedis:
    async def ping(self):
        return True

    async def aclose(self):
        pass


def consuming(*queues):
    """An `inspect()` answering that the worker consumes `queues`."""
    return lambda destination=None: type(
        "Inspect", (), {"active_queues": lambda self: {"celery@portal": [{"name": name} for name in queues]}})()


class HealthyControl:
    """Answers like one worker consuming both queues (the default and heavy)."""

    def ping(self, timeout=None, limit=None):
        return [{"celery@portal": {"ok": "pong"}}]

    inspect = staticmethod(consuming("celery", "heavy"))


@pytest.fixture
def production_like(settings, monkeypatch, tmp_path):
    """As production runs: Redis configured, tasks sent to workers; Redis and one worker healthy."""
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setattr(health, "redis_client", HealthyRedis)
    monkeypatch.setattr(celery_app, "control", HealthyControl())
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield settings
    celery_app.conf.task_always_eager = eager


def get_health(client):
    response = client.get(reverse("healthz"))
    return response.status_code, response.json()


def test_all_well_is_200_with_every_check_named(client, production_like):
    status, body = get_health(client)
    assert status == 200
    assert body == {"status": "ok", "checks": dict.fromkeys(ALL, "ok")}


def test_the_answer_is_never_cached_and_needs_no_login(client, production_like):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"
    assert "sessionid" not in response.cookies


def test_redis_down_is_503_naming_redis_and_keeping_its_address_and_password_out(client, production_like,
                                                                                monkeypatch):
    production_like.REDIS_URL = CLOSED_PORT_REDIS
    monkeypatch.setattr(health, "redis_client", REAL_REDIS_CLIENT)
    status, body = get_health(client)
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"] == {"database": "ok", "redis": "unavailable", "celery_worker": "ok", "private_storage": "ok"}
    assert "s3cret" not in str(body) and "127.0.0.1" not in str(body)


def test_database_down_is_503_naming_the_database(client, production_like, monkeypatch):
    """The probe opens a connection of its own; make every new connection fail to open."""
    database = connections.settings["default"]
    if connections["default"].vendor == "sqlite":
        monkeypatch.setitem(database, "NAME", "/nonexistent/directory/portal.sqlite3")
    else:
        monkeypatch.setitem(database, "PORT", "1")
    status, body = get_health(client)
    assert status == 503
    assert body["checks"] == {"database": "unavailable", "redis": "ok", "celery_worker": "ok", "private_storage": "ok"}


def test_no_worker_answering_is_503_naming_the_worker(client, production_like, monkeypatch):
    no_worker = HealthyControl()
    no_worker.ping = lambda timeout=None, limit=None: []
    monkeypatch.setattr(celery_app, "control", no_worker)
    status, body = get_health(client)
    assert status == 503
    assert body["checks"] == {"database": "ok", "redis": "ok", "celery_worker": "unavailable", "private_storage": "ok"}


def test_a_worker_not_consuming_the_default_queue_is_503(client, production_like, monkeypatch):
    elsewhere = HealthyControl()
    elsewhere.inspect = consuming("other", "heavy")
    monkeypatch.setattr(celery_app, "control", elsewhere)
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["celery_worker"] == "unavailable"


def test_no_worker_on_the_heavy_queue_is_503(client, production_like, monkeypatch):
    """PDFs and exports would wait for ever: a worker for the quick jobs alone is not healthy."""
    quick_only = HealthyControl()
    quick_only.inspect = consuming("celery")
    monkeypatch.setattr(celery_app, "control", quick_only)
    status, body = get_health(client)
    assert status == 503
    assert body["checks"]["celery_worker"] == "unavailable"


def test_private_storage_not_writable_is_503_naming_it(client, production_like, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    production_like.PRIVATE_MEDIA_ROOT = blocker / "private"
    status, body = get_health(client)
    assert status == 503
    assert body["checks"] == {"database": "ok", "redis": "ok", "celery_worker": "ok", "private_storage": "unavailable"}


def test_the_storage_probe_leaves_no_file_behind(client, production_like, settings):
    assert get_health(client)[0] == 200
    assert [path for path in settings.PRIVATE_MEDIA_ROOT.rglob("*") if path.is_file()] == []


def test_everything_down_names_everything(client, production_like, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    production_like.PRIVATE_MEDIA_ROOT = tmp_path / "a-file" / "private"
    monkeypatch.setitem(connections.settings["default"], "NAME", "/nonexistent/directory/portal.sqlite3")
    monkeypatch.setitem(connections.settings["default"], "PORT", "1")
    no_worker = HealthyControl()
    no_worker.ping = lambda timeout=None, limit=None: []
    monkeypatch.setattr(celery_app, "control", no_worker)
    production_like.REDIS_URL = CLOSED_PORT_REDIS
    monkeypatch.setattr(health, "redis_client", REAL_REDIS_CLIENT)
    status, body = get_health(client)
    assert status == 503
    assert body == {"status": "unavailable", "checks": dict.fromkeys(ALL, "unavailable")}


def test_in_process_tasks_need_no_worker_and_no_redis_url_no_redis(client, settings):
    """Development: no REDIS_URL, tasks run eagerly; only the database and the storage are asked."""
    settings.REDIS_URL = ""
    assert celery_app.conf.task_always_eager
    status, body = get_health(client)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "private_storage": "ok"}}


def test_a_locked_out_address_still_gets_the_health_check(client, production_like, settings):
    """django-axes locks the address out of logging in, not out of the health check."""
    AccessAttempt.objects.create(ip_address="127.0.0.1", user_agent="", username="someone",
                                 failures_since_start=settings.AXES_FAILURE_LIMIT + 1)
    locked = client.post(reverse("login"), {"username": "someone", "password": "wrong-password"})
    assert locked.status_code == 429
    assert get_health(client)[0] == 200


def test_the_health_check_is_exempt_from_the_https_redirect_and_nothing_else_is(client, production_like):
    """The exemption is the settings' own (production turns SECURE_SSL_REDIRECT on)."""
    production_like.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("login")).status_code == 301


def test_only_get_and_head(client, production_like):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_a_probe_that_never_returns_times_out_instead_of_holding_the_worker(client, production_like, monkeypatch):
    """A Redis that accepts connections and never replies: the ping blocks; the answer comes after
    the probe's timeout, naming the worker, and does not wait for the blocked thread."""
    import threading
    import time

    release = threading.Event()
    hung = HealthyControl()
    hung.ping = lambda timeout=None, limit=None: release.wait(60) and []
    monkeypatch.setattr(celery_app, "control", hung)
    started = time.monotonic()
    try:
        status, body = get_health(client)
    finally:
        release.set()
    assert time.monotonic() - started < health.PROBE_TIMEOUT_SECONDS + 3
    assert status == 503
    assert body["checks"] == {"database": "ok", "redis": "ok", "celery_worker": "unavailable", "private_storage": "ok"}
