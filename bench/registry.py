"""Benchmark: the institute registry page with 20,000 institutes (issue 4).

    .venv/bin/python bench/registry.py            # throwaway SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python bench/registry.py

Builds, with bulk inserts, 20,000 institutes of the five programs spread over Zhengzhou districts
(one lead unit each, a fifth of them HN23, every state represented), three published grades each
(60,000 AnnualGrade rows, the registry shows the grade history); before them, a registry of 200
ZZ23 institutes is loaded and measured alone for comparison. Times the registry page
(`institutes:registry`, institutes/views_registry.py) through Django's test Client, server side
only: 3 warm-ups then 30 repetitions, median and p95 in ms, with the query count of every
repetition — first page, a later page, a name search and a program + status filter, as finance
staff (who see every institute) and as a program manager.

Target (issue 4): under 150 ms with 20,000 institutes, the same number of queries as with 200.
Nothing is asserted: this is a benchmark, not a test. django-zeal is left out unless --with-zeal.
"""
import argparse
import time

import harness  # first: it puts the repository on sys.path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutes", type=int, default=20_000)
    parser.add_argument("--small-institutes", type=int, default=200)
    harness.common_arguments(parser)
    return parser.parse_args()


def load(n, tag, codes):
    """n institutes of the programs `codes` with grades for 2022–2024; returns (manager, finance)."""
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction

    from institutes.models import AnnualGrade, IndustryField, Institute, Program
    from portal.accounts.models import Organization, Region, User
    from portal.accounts.uscc_factory import make_uscc

    programs = list(Program.objects.filter(code__in=codes).order_by("code"))
    fields = list(IndustryField.objects.order_by("code"))
    regions = list(Region.objects.filter(code__startswith="4101", level=Region.Level.DISTRICT).order_by("code"))
    unusable = make_password(None)
    base = {"big": 1_000_000, "small": 3_000_000}[tag]
    states = [Institute.State.ACTIVE] * 8 + [Institute.State.REVOKED, Institute.State.RECTIFYING]
    grades = ["excellent", "good", "good", "pass", "pass", "fail"]
    with transaction.atomic():
        manager = User.objects.create(username=f"{tag}-manager", password=unusable, department="industry")
        manager.groups.add(Group.objects.get(name="program_manager"))
        manager.managed_programs.add(*programs)
        finance = User.objects.create(username=f"{tag}-finance", password=unusable, department="finance")
        finance.groups.add(Group.objects.get(name="finance"))
        organisations = Organization.objects.bulk_create([
            Organization(name=f"{tag}企业{i:05d}有限公司", region=regions[i % len(regions)],
                         uscc=make_uscc(regions[i % len(regions)].code, base + i))
            for i in range(n)
        ], batch_size=2000)
        institutes = []
        for i, org in enumerate(organisations):
            state = states[i % len(states)]
            institutes.append(Institute(
                program=programs[i % len(programs)], lead_unit=org, name=f"{tag}产业研究院{i:05d}",
                industry_field=fields[i % len(fields)], state=state, recognized_on=datetime.date(2020 + i % 4, 3, 1),
                revoked_on=datetime.date(2025, 1, 1) if state == Institute.State.REVOKED else None,
                rectification_deadline=datetime.date(2026, 6, 1) if state == Institute.State.RECTIFYING else None,
            ))
        institutes = Institute.objects.bulk_create(institutes, batch_size=2000)
        AnnualGrade.objects.bulk_create([
            AnnualGrade(institute=inst, year=year, grade=grades[(inst.pk + year) % len(grades)],
                        published_on=datetime.date(year + 1, 4, 1))
            for inst in institutes for year in (2022, 2023, 2024)
        ], batch_size=5000)
    return manager, finance


def measure_all(args, table, users, label):
    from django.urls import reverse

    from institutes.models import Institute

    manager, finance = users
    path = reverse("institutes:registry")
    visible_all = Institute.objects.count()
    visible_mgr = Institute.objects.filter(program__in=manager.managed_programs.all()).count()
    cases = [
        (f"finance, first page ({label})", finance, None, visible_all),
        (f"finance, page 100 ({label})", finance, {"page": 100}, visible_all),
        (f"finance, name search ({label})", finance, {"q": "研究院0123"}, visible_all),
        (f"manager, first page ({label})", manager, None, visible_mgr),
        (f"manager, ZZ23 active ({label})", manager, {"program": "ZZ23", "state": "active"}, visible_mgr),
    ]
    for name, user, params, visible in cases:
        figures = harness.measure(harness.client_for(user), path, args.warmups, args.repetitions, params)
        table.print_row(name, visible, figures.median_ms, figures.p95_ms, figures.queries)
        if args.show_queries:
            harness.print_sql(figures.sql)


def main():
    args = parse_args()
    throwaway = harness.configure(args)
    try:
        started = time.perf_counter()
        harness.build_schema()
        from institutes.models import AnnualGrade, Institute

        harness.require_empty(Institute, "institutes")
        built = time.perf_counter()
        small = load(args.small_institutes, "small", ["ZZ23"])
        harness.analyze()
        harness.print_setup(args)
        print(f"{args.warmups} warm-ups, {args.repetitions} timed requests per page; "
              "server-side time of client.get().\n")
        table = harness.Table(("registry page", 40), ("visible", 8), ("median ms", 10), ("p95 ms", 9), ("queries", 8))
        table.print_header()
        measure_all(args, table, small, "small")
        big = load(args.institutes, "big", ["HN23", "SJZ22", "XX22", "ZZ17", "ZZ23"])
        loaded = time.perf_counter()
        harness.analyze()
        measure_all(args, table, big, "big")
        print(f"\n{Institute.objects.count():,} institutes in all, {AnnualGrade.objects.count():,} published grades "
              f"(schema and reference data {built - started:.1f} s, load {loaded - built:.1f} s).")
    finally:
        harness.cleanup(throwaway, args.keep_db)


if __name__ == "__main__":
    main()
