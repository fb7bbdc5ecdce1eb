"""PostgreSQL restarted under a running gunicorn: the next request succeeds without restarting it
(CONN_HEALTH_CHECKS: a broken persistent connection is replaced at the start of a request).

The test starts a PostgreSQL of its own (initdb in a temporary directory, as scripts/run-tests
does) with the test database's schema, and a gunicorn on it; it restarts that PostgreSQL between
two requests to the public notices page, which reads the database."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.outbox.tests.brokers import free_port
from tests.celery_worker import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="needs PostgreSQL (scripts/run-tests starts it)"),
]


def _as_postgres(*command):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True)


class PrivatePostgres:
    def __init__(self, directory):
        self.bin = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))[-1]
        self.directory = directory
        self.data = directory / "pg"
        self.port = free_port()
        if os.geteuid() == 0:
            os.chown(directory, *_postgres_ids())

    def pg_ctl(self, *args):
        _as_postgres(f"{self.bin}/pg_ctl", "-D", str(self.data), "-l", str(self.directory / "pg.log"), "-w", *args)

    def start(self):
        _as_postgres(f"{self.bin}/initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                     "--locale=C.UTF-8")
        self.pg_ctl("start", "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory} -c fsync=off")

    def stop(self):
        self.pg_ctl("-m", "immediate", "stop")


def _postgres_ids():
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def _get(url) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def pg_dir():
    """Under /tmp itself: the postgres user cannot enter pytest's per-user temporary directory."""
    directory = Path(tempfile.mkdtemp(prefix="portal-pg-restart-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def test_the_request_after_a_postgres_restart_succeeds_without_restarting_gunicorn(pg_dir, tmp_path):
    db = connection.settings_dict
    postgres = PrivatePostgres(pg_dir)
    web = None
    try:
        postgres.start()
        _as_postgres(f"{postgres.bin}/createdb", "-h", "127.0.0.1", "-p", str(postgres.port), "portal")
        schema = subprocess.run([f"{postgres.bin}/pg_dump", "-s", "-h", db["HOST"], "-p", str(db["PORT"]), "-U",
                                 db["USER"], db["NAME"]], check=True, capture_output=True).stdout
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", "postgres", "portal"],
                       input=schema, check=True, capture_output=True)
        port = free_port()
        env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CACHE_URL")}
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{postgres.port}/portal"
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "-w", "1", "-b", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "web.log", "w"),
        )
        url = f"http://127.0.0.1:{port}/public/notices/"
        assert wait_for(lambda: _probe(url) == 200, seconds=30), (tmp_path / "web.log").read_text()[-3000:]

        postgres.pg_ctl("-m", "fast", "restart", "-o",
                        f"-c listen_addresses=127.0.0.1 -p {postgres.port} -k {pg_dir} -c fsync=off")
        started = time.monotonic()

        assert _get(url) == 200  # the very next request, on the same gunicorn worker
        assert web.poll() is None and time.monotonic() - started < 10
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=15)
        if postgres.data.exists():
            postgres.stop()


def _probe(url) -> int:
    try:
        return _get(url)
    except OSError:
        return 0
