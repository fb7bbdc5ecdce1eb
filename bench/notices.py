"""Benchmark: 100 PDF notices rendered through 2 Celery worker processes.

    REDIS_URL=redis://127.0.0.1:6390/0 .venv/bin/python bench/notices.py   # a real worker, -c 2
    .venv/bin/python bench/notices.py                                      # no Redis: a pool of 2

Loads 100 notices without rendering them (40 recognition, 40 grade-and-subsidy with two
entitlements each, 20 payout notices of three paid lines each), then renders all of them:

- with REDIS_URL: starts `celery -A portal worker -c 2` (prefork, 2 processes, the notice tasks
  included) against that Redis and the throwaway database, sends the 100 `render_notice` jobs and
  waits for every result;
- without it: a multiprocessing pool of 2 processes calling the same service function the task
  calls (subsidies.services.notices.render_notice).

The wall time runs from the first job sent to the last result. It then renders all of them again to
show that unchanged notices are not re-rendered. Prints notices/s (target ≥ 3/s) and the largest PDF
(target < 300 KB); nothing is asserted. The SQLite file and the PDFs live under /tmp and are
deleted afterwards (unless --keep-db)."""
import argparse
import datetime
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import harness  # first: it puts the repository on sys.path

MEDIA = Path(tempfile.mkdtemp(prefix="portal-bench-notices-"))
os.environ["PRIVATE_MEDIA_ROOT"] = str(MEDIA)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=600, help="seconds to wait for the worker's results")
    harness.common_arguments(parser)
    return parser.parse_args()


def load(total: int) -> list[int]:
    """bulk-ish load of the subjects, then the notices issued through the service with rendering
    switched off (the jobs are sent by the benchmark itself)."""
    from django.db import transaction

    from institutes.models import AnnualGrade, IndustryField, Institute, Program
    from portal.accounts.models import Organization, Region, User
    from portal.accounts.uscc_factory import make_uscc
    from subsidies.models import Entitlement, Notice, PayoutBatch, PayoutLine
    from subsidies.services import notices as service

    harness.require_empty(Notice, "notices")
    # The benchmark sends the jobs itself: every issuing path queues through queue_renders (queue_render
    # only wraps it), so that is the one to switch off, or the notices render during loading.
    service.queue_renders = lambda notices: None
    zz23, field = Program.objects.get(code="ZZ23"), IndustryField.objects.get(code="advanced-equipment")
    district = Region.objects.get(code="410105")
    clerk = User.objects.create(username="bench-finance")
    recognition, grades, payouts = int(total * 0.4), int(total * 0.4), total - 2 * int(total * 0.4)
    with transaction.atomic():
        orgs = Organization.objects.bulk_create([
            Organization(name=f"郑州基准测试{n}号智能制造有限公司", region=district, uscc=make_uscc("410105", 5000 + n))
            for n in range(recognition + grades + payouts)
        ])
        units = [Institute.objects.create(
            program=zz23, lead_unit=org, name=f"{org.name[:-6]}产业研究院", industry_field=field,
            recognized_on=datetime.date(2024, 6, 1), recognition_document="郑政文〔2024〕18号",
        ) for org in orgs[:recognition + grades]]
        for unit in units[:recognition]:
            service.issue_recognition_notice(unit)
        for n, unit in enumerate(units[recognition:]):
            AnnualGrade.objects.create(institute=unit, year=2025, grade=["excellent", "good", "pass"][n % 3],
                                       score=Decimal("88.50"), published_on=datetime.date(2026, 3, 31))
            for rule, amount in (("ZZ23-1", "1000000.00"), ("ZZ23-2", "356789.25")):
                Entitlement.objects.create(
                    program=zz23, rule_code=rule, source="yearly", institute=unit, payee=unit.lead_unit,
                    payee_role="institute", year=2025, event_date=datetime.date(2026, 3, 31),
                    amount=Decimal(amount), key=f"bench-{unit.pk}-{rule}", state="approved")
            service.issue_grade_notice(unit, 2025)
        batch = PayoutBatch.objects.create(reference="PB-BENCH", built_by=clerk, state="approved")
        for org in orgs[recognition + grades:]:
            lines = [PayoutLine.objects.create(
                batch=batch, program=zz23, payee=org, district=district, rule_code="ZZ23-1", year=2025,
                amount=Decimal(amount), state="paid", settled_on=datetime.date(2026, 11, 30),
            ) for amount in ("500000.00", "120000.50", "80000.00")]
            service.issue_payout_notice(lines[-1])
    return list(Notice.objects.order_by("pk").values_list("pk", flat=True))


def _pool_init():
    import django

    sys.modules["zeal"] = None
    django.setup()
    from django.conf import settings

    settings.MIGRATION_MODULES = harness.NoMigrations()


def _pool_render(notice_id: int) -> str:
    from subsidies.services import notices as service

    return service.render_notice(notice_id)


def render_with_pool(ids, workers):
    from django.db import connection

    connection.close()
    with multiprocessing.get_context("fork").Pool(workers, initializer=_pool_init) as pool:
        started = time.perf_counter()
        outcomes = pool.map(_pool_render, ids, chunksize=1)
        return time.perf_counter() - started, outcomes


def start_worker(workers):
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "-c", str(workers), "--pool", "prefork",
               "-I", "subsidies.tasks_notices", "--without-gossip", "--without-mingle", "--without-heartbeat",
               "-l", "WARNING", "-n", f"bench-notices-{os.getpid()}@%h"]
    env = dict(os.environ, PYTHONPATH=str(harness.REPO_ROOT))
    worker = subprocess.Popen(command, cwd=harness.REPO_ROOT, env=env)
    from portal.celery import app

    deadline = time.time() + 60
    while time.time() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if any(f"bench-notices-{os.getpid()}" in name for reply in replies for name in reply):
            return worker
        if worker.poll() is not None:
            sys.exit("The Celery worker stopped while starting.")
    worker.terminate()
    sys.exit("The Celery worker did not answer within 60 s.")


def render_with_worker(ids, workers, timeout):
    from subsidies.tasks_notices import render_notice

    started = time.perf_counter()
    results = [render_notice.delay(pk) for pk in ids]
    outcomes = [result.get(timeout=timeout) for result in results]
    return time.perf_counter() - started, outcomes


def main():
    args = parse_args()
    redis_url = os.environ.get("REDIS_URL", "")
    throwaway = harness.configure(args)
    worker = None
    try:
        harness.build_schema()
        from django.db import connection

        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")  # two processes write their results
        built = time.perf_counter()
        ids = load(args.notices)
        harness.print_setup(args)
        print(f"Loaded {len(ids)} notices in {time.perf_counter() - built:.1f} s.")
        if redis_url:
            mode = f"Celery worker, prefork -c {args.workers}, broker {redis_url}"
            connection.close()
            worker = start_worker(args.workers)
            render = lambda: render_with_worker(ids, args.workers, args.timeout)  # noqa: E731
        else:
            mode = f"no REDIS_URL: multiprocessing pool of {args.workers} calling services.notices.render_notice"
            render = lambda: render_with_pool(ids, args.workers)  # noqa: E731
        print(f"Mode: {mode}\n")
        from subsidies.models import Notice

        already = Notice.objects.filter(state="rendered").count()
        if already:
            sys.exit(f"{already} notices were rendered while loading: the first pass would time nothing.")
        elapsed, outcomes = render()
        if outcomes.count("rendered") != len(ids):
            sys.exit(f"The first pass rendered {outcomes.count('rendered')} of {len(ids)} notices "
                     f"({outcomes.count('unchanged')} unchanged): nothing to measure.")
        again, second = render()

        sizes = sorted(Notice.objects.values_list("size", flat=True))
        pages_kb = [size / 1024 for size in sizes]
        table = harness.Table(("run", 30), ("notices", 8), ("seconds", 8), ("notices/s", 10), ("rendered", 9),
                              ("unchanged", 10))
        table.print_header()
        table.print_row("first rendering", len(ids), elapsed, len(ids) / elapsed, outcomes.count("rendered"),
                        outcomes.count("unchanged"))
        table.print_row("again, nothing changed", len(ids), again, len(ids) / again, second.count("rendered"),
                        second.count("unchanged"))
        failed = Notice.objects.exclude(state="rendered").count()
        print(f"\nPDF size: max {pages_kb[-1]:.1f} KB, median {pages_kb[len(pages_kb) // 2]:.1f} KB, "
              f"min {pages_kb[0]:.1f} KB (target < 300 KB); not rendered: {failed}")
        print(f"Throughput: {len(ids) / elapsed:.1f} notices/s (target ≥ 3/s)")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        harness.cleanup(throwaway, args.keep_db)
        if not args.keep_db:
            shutil.rmtree(MEDIA, ignore_errors=True)


if __name__ == "__main__":
    main()
