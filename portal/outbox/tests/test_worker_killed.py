"""A Celery worker killed with SIGKILL in the middle of the yearly entitlement run: after a worker
restart the run completes, and no entitlement or audit event exists twice.

The worker is a real `celery worker` process on the test database and a private Redis; the test
holds the program's row (FOR NO KEY UPDATE: the run's foreign key may still point at it, the run's
own FOR UPDATE waits) so the kill
lands while the run is started and waiting, not before or after it."""
import datetime
import os
import signal
import subprocess
import sys
import time

import psycopg2
from django.conf import settings
from django.db import connection

from portal.audit.models import AuditEvent
from portal.outbox.tests.brokers import PrivateRedis, broker
from subsidies.models import Entitlement, EntitlementRun
from subsidies.services import entitlements as services
from tests.celery_worker import WORKER_TEST, wait_for
from tests.factories import program
from tests.factories_subsidies_payouts import finance_user, yearly_institutes

pytestmark = WORKER_TEST
VISIBILITY_TIMEOUT = 2


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _worker(redis_url: str, log) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "REDIS_URL": redis_url, "CACHE_URL": redis_url,
           "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-l", "info"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def _connect(autocommit=False):
    db = connection.settings_dict
    conn = psycopg2.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    conn.autocommit = autocommit
    return conn


def _waiting_for_a_lock(conn) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                       " AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def test_a_run_killed_midway_completes_after_a_restart_with_nothing_twice(tmp_path):
    institutes = yearly_institutes(4, recognized_on=datetime.date(2023, 3, 1), year=2024)
    user = finance_user()
    zz23 = program("ZZ23")
    redis = PrivateRedis(tmp_path)
    redis.start()
    log = open(tmp_path / "worker.log", "w")
    holder = _connect()
    watcher = _connect(autocommit=True)
    first = second = None
    try:
        with broker(redis.url):
            holder.cursor().execute("SELECT id FROM institutes_program WHERE id = %s FOR NO KEY UPDATE", [zz23.pk])
            run = services.request_run(zz23, 2024, user)  # published to the private Redis on commit
            first = _worker(redis.url, log)
            assert wait_for(lambda: _waiting_for_a_lock(watcher), seconds=30), "the run never started"
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            holder.rollback()

            run.refresh_from_db()
            assert run.state == EntitlementRun.State.QUEUED  # the killed attempt's work rolled back with it
            assert not Entitlement.objects.exists()

            time.sleep(VISIBILITY_TIMEOUT + 0.5)  # the unacked message becomes visible again
            second = _worker(redis.url, log)
            assert wait_for(lambda: EntitlementRun.objects.get(pk=run.pk).state == EntitlementRun.State.DONE,
                            seconds=40), (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        holder.close()
        watcher.close()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
        log.close()
        redis.stop()
    run.refresh_from_db()
    assert run.created == len(institutes)
    assert Entitlement.objects.count() == len(institutes)
    assert AuditEvent.objects.filter(action="yearly_created").count() == len(institutes)
    run_events = AuditEvent.objects.filter(object_id=run.pk, action__in=["start", "finish"])
    assert sorted(run_events.values_list("action", flat=True)) == ["finish", "start"]
