"""Benchmark: the yearly entitlement run (ZZ23-1 grade subsidies) for 1,000 and 10,000 institutes.

    .venv/bin/python bench/entitlements.py              # throwaway SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python bench/entitlements.py

For each size it loads that many ZZ23 institutes (bulk_create), each with a published grade and an
accepted annual report for its own year — every tenth lead unit has a second institute, so the
per-institute caps (ZZ23 五（一）) are exercised — then times `services.entitlements.compute_yearly`
(the Celery task's body) as a requester would run it: the first run creates every entitlement, the
second finds them all unchanged (idempotent), the third after every funding input rose by 1 元
changes every amount (only at --change-sizes, 1,000 by default). Each money change (created, changed) is an audit event with the requester,
written in bulk; the "events" column counts them. "seconds" is wall-clock time, "cpu s" the
process's own CPU time (the database is in-process on SQLite), which a busy machine inflates less. Query counts come from CaptureQueriesContext. Target (issue #5): under 10 s
for 10,000 institutes, and read queries that do not grow with the number of institutes (the bulk
INSERT is split by the database's parameter limit: about 50 rows a statement on SQLite's 999
parameters, one statement on PostgreSQL).
"""
import argparse
import datetime
import time
from decimal import Decimal

import harness  # first: it puts the repository on sys.path

GRADES = ["excellent", "good", "pass", "good", "pass"]


def load(n, year, serial_start):
    from institutes.models import AnnualGrade, AnnualReport, IndustryField, Institute, Program
    from portal.accounts.models import Organization, Region
    from portal.accounts.uscc_factory import make_uscc

    districts = list(Region.objects.filter(level=Region.Level.DISTRICT, code__startswith="4101").order_by("code"))
    units = Organization.objects.bulk_create([
        Organization(name=f"基准企业{serial}有限公司", region=districts[i % len(districts)],
                     uscc=make_uscc(districts[i % len(districts)].code, serial))
        for i, serial in enumerate(range(serial_start, serial_start + n - n // 10))
    ], batch_size=2000)
    orgs = units + units[: n // 10]  # every tenth lead unit leads a second institute
    field = IndustryField.objects.first()
    program = Program.objects.get(code="ZZ23")
    institutes = Institute.objects.bulk_create([
        Institute(program=program, lead_unit=org, name=f"基准研究院{org.pk}", industry_field=field,
                  state=Institute.State.ACTIVE, recognized_on=datetime.date(year - 1 - i % 3, 3, 1))
        for i, org in enumerate(orgs)
    ], batch_size=2000)
    AnnualGrade.objects.bulk_create([
        AnnualGrade(institute=inst, year=year, grade=GRADES[i % len(GRADES)], published_on=datetime.date(year + 1, 5, 1))
        for i, inst in enumerate(institutes)
    ], batch_size=2000)
    AnnualReport.objects.bulk_create([
        AnnualReport(institute=inst, year=year, state=AnnualReport.State.ACCEPTED, submission_round=1,
                     funding_input=Decimal(4_000_000 + (i % 97) * 123_456) + Decimal("0.37"))
        for i, inst in enumerate(institutes)
    ], batch_size=2000)


def requester():
    from portal.accounts.models import User

    return User.objects.get_or_create(username="bench-requester")[0]


def timed_run(year, actor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from institutes.models import Program
    from portal.audit.models import AuditEvent
    from subsidies.services.entitlements import compute_yearly

    import inspect

    # The requester is passed where compute_yearly takes one (so the script also times older code).
    kwargs = {"actor": actor} if "actor" in inspect.signature(compute_yearly).parameters else {}
    events_before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        start, cpu = time.perf_counter(), time.process_time()
        result = compute_yearly(Program.objects.get(code="ZZ23"), year, **kwargs)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    sql = [q["sql"] for q in queries.captured_queries]
    writes = sum(1 for s in sql if s.startswith(("INSERT", "UPDATE")))
    return elapsed, cpu, len(sql), writes, result, AuditEvent.objects.count() - events_before


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--change-sizes", default="1000",
                        help="sizes at which a third run changes every funding input (the revision path)")
    harness.common_arguments(parser)
    args = parser.parse_args()
    throwaway = harness.configure(args)
    try:
        harness.build_schema()
        from subsidies.models import Entitlement

        harness.require_empty(Entitlement, "entitlements")
        harness.print_setup(args)
        table = harness.Table(("run", 24), ("inst.", 7), ("seconds", 8), ("cpu s", 6), ("queries", 8), ("writes", 7),
                              ("reads", 6), ("created", 8), ("changed", 8), ("unchanged", 10), ("events", 7))
        table.print_header()
        serial = 500_000
        actor = requester()
        from django.db.models import F

        from institutes.models import AnnualReport

        for index, n in enumerate(int(size) for size in args.sizes.split(",")):
            year = 2024 + index
            load(n, year, serial)
            serial += n
            harness.analyze()
            labels = ["first run", "second run (same)"]
            if str(n) in args.change_sizes.split(","):
                labels.append("third run (inputs +1 元)")
            for label in labels:
                if label.startswith("third"):
                    AnnualReport.objects.filter(year=year).update(funding_input=F("funding_input") + 1)
                elapsed, cpu, count, writes, result, events = timed_run(year, actor)
                table.print_row(label, n, elapsed, cpu, count, writes, count - writes, result.created, result.updated,
                                result.unchanged, events)
        total = Entitlement.objects.count()
        print(f"\n{total} entitlements in the database; none created twice.")
    finally:
        harness.cleanup(throwaway, args.keep_db)


if __name__ == "__main__":
    main()
