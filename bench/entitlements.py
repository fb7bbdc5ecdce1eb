"""Benchmark: the yearly entitlement run (ZZ23-1 grade subsidies) for 1,000 and 10,000 institutes.

    .venv/bin/python bench/entitlements.py              # throwaway SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python bench/entitlements.py

For each size it loads that many ZZ23 institutes (bulk_create), each with a published grade and an
accepted annual report for its own year, then times `services.entitlements.compute_yearly` (the
Celery task's body) twice: the first run creates every entitlement, the second finds them all
unchanged (idempotent). Query counts come from CaptureQueriesContext. Target (issue #5): under 10 s
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
    orgs = Organization.objects.bulk_create([
        Organization(name=f"基准企业{serial}有限公司", region=districts[i % len(districts)],
                     uscc=make_uscc(districts[i % len(districts)].code, serial))
        for i, serial in enumerate(range(serial_start, serial_start + n))
    ], batch_size=2000)
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


def timed_run(year):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from institutes.models import Program
    from subsidies.services.entitlements import compute_yearly

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = compute_yearly(Program.objects.get(code="ZZ23"), year)
        elapsed = time.perf_counter() - start
    sql = [q["sql"] for q in queries.captured_queries]
    writes = sum(1 for s in sql if s.startswith(("INSERT", "UPDATE")))
    return elapsed, len(sql), writes, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    harness.common_arguments(parser)
    args = parser.parse_args()
    throwaway = harness.configure(args)
    try:
        harness.build_schema()
        from subsidies.models import Entitlement

        harness.require_empty(Entitlement, "entitlements")
        harness.print_setup(args)
        table = harness.Table(("run", 22), ("inst.", 7), ("seconds", 8), ("queries", 8), ("writes", 7),
                              ("reads", 6), ("created", 8), ("unchanged", 10))
        table.print_header()
        serial = 500_000
        for index, n in enumerate(int(size) for size in args.sizes.split(",")):
            year = 2024 + index
            load(n, year, serial)
            serial += n
            harness.analyze()
            for label in ("first run", "second run (same)"):
                elapsed, count, writes, result = timed_run(year)
                table.print_row(label, n, elapsed, count, writes, count - writes, result.created, result.unchanged)
        total = Entitlement.objects.count()
        print(f"\n{total} entitlements in the database; none created twice.")
    finally:
        harness.cleanup(throwaway, args.keep_db)


if __name__ == "__main__":
    main()
