"""In-process timing of the pages bench/load.py drives, on the same data and settings, without HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/pages REDIS_URL=redis://127.0.0.1:56379/4 \\
        .venv/bin/python bench/pages.py [--reuse] [--profile "district queue"]

Loads what bench/load.py loads (10,000 applications, 1,000 institutes, notifications, a published
notice) into DATABASE_URL with the real migrations, then, with DEBUG=0 and the production settings
(`collectstatic` into a temporary directory, sessions and cache in REDIS_URL), times each page
through Django's test Client: server-side time.perf_counter() around client.get(), untimed warm-ups,
median and p95 in ms, the CPU time of this process a request (time.process_time(), warm-ups
included: the Python side, without the database server's time) and the query count of every timed
repetition. Less sensitive than wrk to other processes on the 2 cores, and the CPU column least of
all, so these are the figures to compare before and after a change.

--reuse measures a database an earlier run loaded (and left: PostgreSQL databases are never
dropped) instead of refusing it; --profile LABEL runs cProfile over as many more requests of that page
and prints the functions with the most cumulative time and with the most time of their own.

Figures (issue 10), main before → after this change, measured back to back on the shared 2-core
machine (other engineers' test runs loading it, so the wall times vary ±50 %; CPU ms varies least):
in-process median ms / CPU ms, 20 repetitions, 10k applications:
  login 8.9/30.5* → 5.1/25.5*; public notices 13.5/6.6 → 5.2/4.9; calculator 31.5/15.2 → 13.2/8.2 (2 → 1 queries);
  district queue 150.9/63.5 → 40.7/28.8; applicant's list 72.6/36.6 → 20.8/15.6; registry 103.5/63.2 → 45.9/31.0;
  dashboard 24.2/14.3 → 19.4/10.8; notifications 28.7/15.1 → 16.6/10.9  (* first page: imports included).
bench/load.py, wrk -t2 -c2 -d8s, req/s (share of the bare view in the same run), main → after:
  bare 1,257 → 1,961; login 177 (1/7) → 486 (1/4, met); public notices 205 (1/6) → 276 (1/7);
  calculator 83 (1/15) → 186 (1/11); district queue 19.1 (1/66) → 46.1 (1/42); applicant's list
  49.6 (1/25) → 89.4 (1/22); registry 37.3 (1/34) → 35.2 (1/56); dashboard 88 → 88; notifications 113 → 122. Nothing is asserted: this is a benchmark."""
import argparse
import cProfile
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness  # first: it puts the repository on sys.path

PAGES = [  # (label, path, role): role None is an anonymous visitor
    ("login page", "/accounts/login/", None),
    ("public notices", "/public/notices/", None),
    ("policy calculator", "/calculator/", None),
    ("district queue", "/district/queue/", "district"),
    ("applicant's list", "/applications/", "applicant"),
    ("registry", "/registry/", "manager"),
    ("dashboard (district)", "/", "district"),
    ("notifications", "/notifications/", "district"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--institutes", type=int, default=1_000)
    parser.add_argument("--reuse", action="store_true", help="measure the data an earlier run loaded")
    parser.add_argument("--profile", metavar="LABEL", help="cProfile one page (a label of the table)")
    parser.add_argument("--only", metavar="LABEL", action="append", help="time only these pages")
    harness.common_arguments(parser)
    return parser.parse_args()


def production_settings(work: Path):
    """The environment bench/load.py gives gunicorn: DEBUG=0, the production settings."""
    os.environ.update({
        "DEBUG": "0", "ALLOWED_HOSTS": "testserver,127.0.0.1", "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(work / "static"), "PRIVATE_MEDIA_ROOT": str(work / "media"), "LOG_LEVEL": "WARNING",
    })
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=harness.REPO_ROOT,
                   env=os.environ, check=True)


def users(args):
    """The users the logged-in pages are read as: loaded now, or found from an earlier load."""
    import load

    from django.db import connection

    from institutes.models import Application
    from portal.accounts.models import User

    if args.reuse and Application._meta.db_table in connection.introspection.table_names() \
            and Application.objects.exists():
        return {"district": User.objects.get(username="bench-district"),
                "applicant": User.objects.get(username="bench-applicant-0"),
                "manager": User.objects.get(username="load-manager")}
    harness.build_schema()
    loaded = load.load(args)
    harness.analyze()
    return loaded


def profile(client, path, repetitions):
    """cProfile over `repetitions` more requests (the page is warm by now): the functions with the
    most cumulative time, then those with the most time of their own."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repetitions):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def main():
    args = parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL (a PostgreSQL database) and REDIS_URL: production settings need both.")
    work = Path(tempfile.mkdtemp(prefix="portal-pages-"))
    production_settings(work)
    harness.configure(args, migrations=True)
    try:
        from django.test import Client

        readers = users(args)
        clients = {role: harness.client_for(user) for role, user in readers.items()}
        clients[None] = Client()
        harness.print_setup(args)
        print(f"DEBUG=0, production settings; {args.warmups} warm-ups, {args.repetitions} timed requests per page.\n")
        table = harness.Table(("page", 22), ("median ms", 10), ("p95 ms", 9), ("CPU ms", 7), ("queries", 8))
        table.print_header()
        for label, path, role in PAGES:
            if args.only and label not in args.only:
                continue
            started = time.process_time()
            figures = harness.measure(clients[role], path, args.warmups, args.repetitions)
            cpu_ms = (time.process_time() - started) * 1000 / (args.warmups + args.repetitions)
            table.print_row(label, figures.median_ms, figures.p95_ms, cpu_ms, figures.queries)
            if args.show_queries:
                harness.print_sql(figures.sql)
            if args.profile == label:
                profile(clients[role], path, args.repetitions)
    finally:
        harness.cleanup(None, args.keep_db)
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
