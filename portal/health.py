"""GET /healthz: whether this portal can serve, for load balancers, systemd and monitoring.

The probes are django-health-check's: the database answers `SELECT 1`; Redis (broker, result
backend and cache) answers PING; a Celery worker answers a ping and consumes the default queue;
the private-file storage (settings.STORAGES["private"]: PRIVATE_MEDIA_ROOT or the object store)
takes, returns and deletes a small file. 200 when all
are well, 503 otherwise; the body names each check as "ok" or "unavailable" and nothing more
(addresses, user names and error texts go to the log, never to this public answer).

Where Celery runs tasks in-process (development without REDIS_URL; tests outside the worker tests)
no worker is needed and none is asked for; without REDIS_URL there is no Redis to ask. Production
settings require REDIS_URL, so production always checks all four.

No login, no session, nothing written to the database: django-axes never throttles it (it acts on
login attempts only), and it is exempt from the HTTPS redirect so that a monitor on the
application server's loopback reaches it (settings.SECURE_REDIRECT_EXEMPT)."""
import asyncio
import contextlib
import datetime
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

from portal.celery import app as celery_app
from portal.storage import ALIAS

PROBE_TIMEOUT_SECONDS = 2


def redis_client() -> RedisClient:
    return RedisClient.from_url(settings.REDIS_URL, socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                                socket_timeout=PROBE_TIMEOUT_SECONDS)


def checks() -> dict[str, HealthCheck]:
    """The checks in force, by the name the answer gives them."""
    named: dict[str, HealthCheck] = {"database": Database()}
    if settings.REDIS_URL:
        named["redis"] = Redis(client_factory=redis_client)
    if not celery_app.conf.task_always_eager:
        named["celery_worker"] = Ping(app=celery_app, limit=1,
                                      timeout=datetime.timedelta(seconds=PROBE_TIMEOUT_SECONDS))
    named["private_storage"] = Storage(alias=ALIAS)
    return named


class HealthView(HealthCheckView):
    """django-health-check's view (never cached, no transaction), answering 503 and a small JSON."""

    http_method_names = ["get", "head"]

    @contextlib.contextmanager
    def get_executor(self):
        """The blocking probes run in threads of their own that the answer does not wait for: a
        service that accepts connections and never replies makes its probe time out (unavailable)
        instead of holding a gunicorn worker until the worker is killed."""
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="healthz")
        try:
            yield executor
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    async def get(self, request, *args, **kwargs):
        named = checks()
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in named.values()))
        states = {name: "ok" if result.error is None else "unavailable" for name, result in zip(named, results)}
        healthy = all(state == "ok" for state in states.values())
        return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": states},
                            status=200 if healthy else 503)


healthz = HealthView.as_view()
