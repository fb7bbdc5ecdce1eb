"""Benchmark: XLSX (and CSV) export of a payout batch of 100,000 lines.

    .venv/bin/python bench/export.py                    # throwaway SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python bench/export.py

Loads one approved batch of 100,000 lines (bulk_create) for 5,000 payees in the Zhengzhou
districts over two programs of 郑州市财政局 (ZZ23, ZZ17), each payee with an approved bank account
(the export joins the account in force and writes the batch header), then times `services.exports.write_xlsx`
(`portal.spreadsheets.StreamingWorkbook`, rows read from the database in chunks) and `write_csv`, each measured with
tracemalloc (peak of Python allocations during the export) and the process's peak RSS
(resource.getrusage, which includes the interpreter, Django and the loaded data). Target (issues #5, #9):
under 15 s and under 150 MB peak memory for the XLSX. Measured on PostgreSQL, 2 cores: 27.3 s with
xlsxwriter (constant memory), 6.8 s with StreamingWorkbook (13.6 MB Python peak); CSV 3.0 s.
"""
import argparse
import os
import resource
import tempfile
import time
import tracemalloc
from decimal import Decimal

import harness  # first: it puts the repository on sys.path


def load(lines, payees):
    from django.contrib.auth.hashers import make_password

    from institutes.models import Program
    from portal.accounts.models import Organization, Region, User
    from portal.accounts.uscc_factory import make_uscc
    from subsidies.models import PayeeAccount, PayoutBatch, PayoutLine

    districts = list(Region.objects.filter(level=Region.Level.DISTRICT, code__startswith="4101").order_by("code"))
    orgs = Organization.objects.bulk_create([
        Organization(name=f"导出企业{serial}有限公司", region=districts[serial % len(districts)],
                     uscc=make_uscc(districts[serial % len(districts)].code, 600_000 + serial))
        for serial in range(payees)
    ], batch_size=2000)
    programs = list(Program.objects.filter(code__in=["ZZ23", "ZZ17"]))
    builder = User.objects.create(username="bench-finance", password=make_password(None))
    approver = User.objects.create(username="bench-finance2", password=make_password(None))
    PayeeAccount.objects.bulk_create([
        PayeeAccount(organization=org, holder=org.name, bank="中国工商银行郑州金水支行", number=f"1702021109{org.pk:08d}",
                     reason="首次登记", state=PayeeAccount.State.APPROVED, proposed_by=builder, approved_by=approver)
        for org in orgs
    ], batch_size=2000)
    batch = PayoutBatch.objects.create(reference="PB-BENCH", built_by=builder, state=PayoutBatch.State.APPROVED,
                                       line_count=lines, approved_by=approver, authority=programs[0].region)
    total = Decimal("0.00")
    rows = []
    for i in range(lines):
        org = orgs[i % payees]
        amount = Decimal(100_000 + (i % 9_973) * 37) + Decimal(i % 100) / 100
        total += amount
        rows.append(PayoutLine(batch=batch, program=programs[i % len(programs)], payee=org,
                               district_id=org.region_id, rule_code="ZZ23-1", year=2024, amount=amount))
        if len(rows) == 5000:
            PayoutLine.objects.bulk_create(rows)
            rows = []
    PayoutLine.objects.bulk_create(rows)
    PayoutBatch.objects.filter(pk=batch.pk).update(total=total)
    batch.refresh_from_db()
    return batch


def timed(func, trace):
    """(seconds, tracemalloc peak MB or None). Timing and tracing are separate runs: tracemalloc
    slows every allocation down several times."""
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    func()
    elapsed = time.perf_counter() - start
    peak = None
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak = peak / 1024 / 1024
    return elapsed, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--payees", type=int, default=5_000)
    parser.add_argument("--no-trace", dest="trace", action="store_false", help="skip the tracemalloc runs")
    harness.common_arguments(parser)
    args = parser.parse_args()
    throwaway = harness.configure(args)
    try:
        harness.build_schema()
        from subsidies.models import PayoutLine
        from subsidies.services import exports

        harness.require_empty(PayoutLine, "payout lines")
        started = time.perf_counter()
        batch = load(args.lines, args.payees)
        harness.analyze()
        harness.print_setup(args)
        print(f"Loaded {args.lines} lines for {args.payees} payees in {time.perf_counter() - started:.1f} s; "
              f"batch total {batch.total:,} 元.\n")
        table = harness.Table(("export", 10), ("lines", 8), ("seconds", 8), ("py peak MB", 11), ("RSS peak MB", 12),
                              ("file MB", 8))
        table.print_header()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "batch.xlsx")
            elapsed, _ = timed(lambda: exports.write_xlsx(batch, path), False)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            _, peak = timed(lambda: exports.write_xlsx(batch, path), True) if args.trace else (None, "-")
            table.print_row("XLSX", args.lines, elapsed, peak, rss, os.path.getsize(path) / 1024 / 1024)
            path = os.path.join(tmp, "batch.csv")

            def write_csv():
                with open(path, "w", encoding="utf-8-sig", newline="") as stream:
                    exports.write_csv(batch, stream)

            elapsed, _ = timed(write_csv, False)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            _, peak = timed(write_csv, True) if args.trace else (None, "-")
            table.print_row("CSV", args.lines, elapsed, peak, rss, os.path.getsize(path) / 1024 / 1024)
        print("\nseconds: untraced run; py peak: a second run under tracemalloc (--trace); RSS peak: the whole"
              " process so far (interpreter, Django, the load), after the untraced run.")
    finally:
        harness.cleanup(throwaway, args.keep_db)


if __name__ == "__main__":
    main()
