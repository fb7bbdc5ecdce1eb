"""Benchmark under load over HTTP: gunicorn -w 2 with DEBUG=0 on PostgreSQL at 10,000 applications,
driven by wrk, every page against a bare Django view served by the same gunicorn in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/load REDIS_URL=redis://127.0.0.1:56379/3 \\
        .venv/bin/python bench/load.py [--duration 10] [--connections 8]

DATABASE_URL must name an empty PostgreSQL database and REDIS_URL a Redis (production settings
need both); wrk is the Debian package (`apt-get install wrk`). The script migrates the database,
loads 10,000 applications from 500 lead units in 50 districts (bench/district_queue.py's loader),
1,000 institutes, 200 notifications for the district reviewer and a published notice, collects the
static files, starts `gunicorn -w 2` with DEBUG=0 and the runtime settings (bench/load_settings.py
adds only the bare view), and logs three users in by writing their sessions.

Before timing a page it fetches it once and stops with an error unless the answer is 200 and not the
login form (wrk counts a redirect to the login page as a success). Then `wrk -t2 -c<connections>
-d<duration>s --latency` per page; prints req/s, the share of the bare view's req/s, p50, p99 and
errors (non-2xx/3xx responses, socket errors). Targets (issue 10): logged-in pages ≥ 1/20 of the bare
view, public pages ≥ 1/5, p99 < 150 ms, no errors. Nothing is asserted: this is a benchmark."""
import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import harness  # first: it puts the repository on sys.path

BENCH = Path(__file__).resolve().parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--institutes", type=int, default=1_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=2, help="one a worker: latency without queueing")
    parser.add_argument("--port", type=int, default=8499)
    harness.common_arguments(parser)
    return parser.parse_args()


def loader_args(args):
    return argparse.Namespace(applications=args.applications, districts=50, per_organisation=20,
                              big_organisation=200, reviewer_districts=10)


def load(args):
    """The applications (district_queue's loader), institutes, notifications and a public notice;
    returns the users the logged-in pages are read as."""
    import datetime
    import random

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    import district_queue
    from institutes.models import IndustryField, Institute, Program
    from portal.accounts.models import Organization, User
    from portal.notify.models import Notification

    reviewer, _small, applicant, _small_applicant = district_queue.load(loader_args(args), random.Random(2026))
    zz23, fields = Program.objects.get(code="ZZ23"), list(IndustryField.objects.order_by("code"))
    units = list(Organization.objects.order_by("pk")[: args.institutes])
    Institute.objects.bulk_create([
        Institute(program=zz23, lead_unit=org, name=f"{org.name[:10]}产业研究院{n:04d}", industry_field=fields[n % len(fields)],
                  recognized_on=datetime.date(2022 + n % 3, 3, 1))
        for n, org in enumerate(units)
    ], batch_size=2000)
    manager = User.objects.create(username="load-manager", password=make_password(None), department="industry")
    manager.groups.add(Group.objects.get(name="program_manager"))
    manager.managed_programs.add(zz23)
    Notification.objects.bulk_create([
        Notification(recipient=reviewer, message=f"第{n}号申报待审核", url="/district/queue/", dedupe_key=f"load-{n}")
        for n in range(200)
    ])
    return {"district": reviewer, "applicant": applicant, "manager": manager}


def session_cookie(user) -> str:
    """A logged-in session written the way login() writes it; returns the cookie header value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def production_env(static_root: Path, media: Path) -> dict:
    return {
        **os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "STATIC_ROOT": str(static_root), "PRIVATE_MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "load_settings", "PYTHONPATH": f"{harness.REPO_ROOT}:{BENCH}",
        "LOG_LEVEL": "WARNING",
    }


def start_gunicorn(env, port):
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=harness.REPO_ROOT,
                   env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"],
        cwd=harness.REPO_ROOT, env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/bare/", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn stopped while starting.")
            time.sleep(0.3)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 s.")


def check_page(url: str, cookie: str | None):
    """The page answers 200 with the page itself, not the login form: or the run stops here."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        sys.exit(f"{url} answered {error.code}: nothing to measure.")
    body = response.read().decode("utf-8", "replace")
    if cookie and 'name="password"' in body:
        sys.exit(f"{url} shows the login form although logged in: nothing to measure.")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl}", headers, fp)


def wrk(url: str, cookie: str | None, args) -> dict:
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "--timeout", "10s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors += sum(int(n) for n in socket.groups()) if socket else 0
    return {"rate": rate, "p50": latency(out, "50%"), "p99": latency(out, "99%"), "errors": errors}


def latency(out: str, percentile: str) -> float:
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main():
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (an empty PostgreSQL database) and REDIS_URL: production settings need both.")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)  # the loader signs the sessions gunicorn reads
    harness.configure(args, migrations=True)
    work = Path(tempfile.mkdtemp(prefix="portal-load-"))
    server = None
    try:
        started = time.perf_counter()
        harness.build_schema()
        users = load(args)
        harness.analyze()
        cookies = {role: session_cookie(user) for role, user in users.items()}
        loaded = time.perf_counter() - started
        from django.db import connection

        connection.close()
        server = start_gunicorn(production_env(work / "static", work / "media"), args.port)
        base = f"http://127.0.0.1:{args.port}"
        static = next((work / "static").rglob("*.css")).relative_to(work / "static")
        pages = [
            ("bare Django view", "/bench/bare/", None, "yardstick"),
            ("static file (css)", f"/static/{static}", None, "public"),
            ("login page", "/accounts/login/", None, "public"),
            ("public notices", "/public/notices/", None, "public"),
            ("policy calculator", "/calculator/", None, "public"),
            ("district queue", "/district/queue/", "district", "logged in"),
            ("applicant's list", "/applications/", "applicant", "logged in"),
            ("registry", "/registry/", "manager", "logged in"),
            ("dashboard (district)", "/", "district", "logged in"),
            ("notifications", "/notifications/", "district", "logged in"),
        ]
        harness.print_setup(args)
        print(f"Loaded {args.applications:,} applications and {args.institutes:,} institutes in {loaded:.1f} s; "
              f"gunicorn -w 2, DEBUG=0; wrk -t2 -c{args.connections} -d{args.duration}s per page.\n")
        table = harness.Table(("page", 22), ("kind", 10), ("req/s", 9), ("of bare", 8), ("p50 ms", 8),
                              ("p99 ms", 8), ("errors", 7), ("target", 12))
        table.print_header()
        bare = None
        for label, path, role, kind in pages:
            cookie = cookies.get(role)
            check_page(base + path, cookie)
            figures = wrk(base + path, cookie, args)
            bare = bare or figures["rate"]
            share = figures["rate"] / bare
            needed = {"logged in": 1 / 20, "public": 1 / 5}.get(kind)
            met = "-" if needed is None else (
                "met" if share >= needed and figures["p99"] < 150 and not figures["errors"] else "NOT met")
            table.print_row(label, kind, figures["rate"], f"1/{1 / share:.0f}" if share < 1 else "1/1",
                            figures["p50"], figures["p99"], figures["errors"], met)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
        harness.cleanup(None, args.keep_db)


if __name__ == "__main__":
    main()
