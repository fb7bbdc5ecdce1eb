"""Benchmark: proposing the grades of a program-year of 2,000 institutes whose scores are in (issue 4).

    .venv/bin/python bench/grading.py            # throwaway SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python bench/grading.py

Builds, with bulk inserts, 2,000 active ZZ23 institutes (one lead unit each), their 2024 annual
evaluation in the scoring state, one ranked annual-evaluation panel of 5 accepted experts with the
2,000 institutes on it and 10,000 submitted score sheets (totals spread over 50–100, so every grade
occurs, many institutes reach 90 and ties at the 优秀 boundary occur). Then times
`reviews.services.evaluation.propose_grades`
— the transition through the door, one aggregate query for the averages, the cut-offs and the 20%
quota in Python, one bulk update of the 2,000 entries — with the queries of each run; between runs
the evaluation is put back in the scoring state. Also times the grading page (the evaluation with
its 2,000 entries) through Django's test Client, and a 50-institute evaluation for comparison.

Target (issue 4): proposing under 1 s; the grading page's query count does not grow with the
number of institutes. Nothing is asserted: this is a benchmark, not a test. django-zeal is left out
unless --with-zeal is given.
"""
import argparse
import time

import harness  # first: it puts the repository on sys.path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutes", type=int, default=2000)
    parser.add_argument("--small-institutes", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10, help="timed proposals")
    harness.common_arguments(parser)
    return parser.parse_args()


def load(n, year, tag):
    """An evaluation of n ZZ23 institutes, scored by a ranked panel of 5; returns (evaluation, manager)."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from institutes.models import IndustryField, Institute, Program
    from portal.accounts.models import Organization, Region, User
    from portal.accounts.uscc_factory import make_uscc
    from reviews.grading_rules import grading_for
    from reviews.models import (
        AnnualEvaluation, ConflictDeclaration, EvaluationEntry, Expert, Panel, PanelItem, PanelMember, ScoreSheet,
    )
    from reviews.selectors.scoring import current_rubric

    program = Program.objects.get(code="ZZ23")
    rubric = current_rubric(program, Panel.Purpose.ANNUAL_EVALUATION)
    field = IndustryField.objects.get(code="advanced-equipment")
    where = Region.objects.get(code="410105")
    unusable = make_password(None)
    now = timezone.now()
    base = {"big": 100_000, "small": 200_000}[tag]
    with transaction.atomic():
        manager = User.objects.create(username=f"{tag}-manager", password=unusable, department="industry")
        manager.groups.add(Group.objects.get(name="program_manager"))
        manager.managed_programs.add(program)
        users = User.objects.bulk_create([User(username=f"{tag}-expert-{i}", password=unusable) for i in range(5)])
        Group.objects.get(name="expert").user_set.add(*users)
        experts = Expert.objects.bulk_create([
            Expert(user=u, name=f"专家{tag}{i}", kind=Expert.Kind.MANAGEMENT if i == 0 else Expert.Kind.TECHNICAL,
                   employer_name=f"某大学{i}") for i, u in enumerate(users)
        ])
        organisations = Organization.objects.bulk_create([
            Organization(name=f"{tag}评价企业{i:05d}有限公司", region=where,
                         uscc=make_uscc(where.code, base + i))
            for i in range(n)
        ], batch_size=1000)
        institutes = Institute.objects.bulk_create([
            Institute(program=program, lead_unit=org, name=f"{tag}产业研究院{i:05d}", industry_field=field,
                      recognized_on=datetime.date(2021, 3, 1)) for i, org in enumerate(organisations)
        ], batch_size=1000)
        evaluation = AnnualEvaluation.objects.create(program=program, year=year, grading=grading_for("ZZ23"),
                                                     opened_by=manager, state=AnnualEvaluation.State.SCORING)
        panel = Panel.objects.create(program=program, purpose=Panel.Purpose.ANNUAL_EVALUATION, industry_field=field,
                                     rubric=rubric, size=5, name=f"{tag} 年度评价组", state=Panel.State.RANKED,
                                     created_by=manager)
        roles = [PanelMember.Role.LEADER, PanelMember.Role.DEPUTY] + [PanelMember.Role.MEMBER] * 3
        seats = PanelMember.objects.bulk_create([
            PanelMember(panel=panel, expert=e, role=r, status=PanelMember.Status.ACCEPTED)
            for e, r in zip(experts, roles)
        ])
        items = PanelItem.objects.bulk_create([PanelItem(panel=panel, institute=i) for i in institutes],
                                              batch_size=1000)
        EvaluationEntry.objects.bulk_create([
            EvaluationEntry(evaluation=evaluation, institute=i, panel_item=item, year_of_institute=year - 2021 + 1)
            for i, item in zip(institutes, items)
        ], batch_size=1000)
        pairs = [(s, item) for item in items for s in seats]
        ConflictDeclaration.objects.bulk_create(
            [ConflictDeclaration(member=s, item=i, has_conflict=False) for s, i in pairs], batch_size=2000)
        ScoreSheet.objects.bulk_create([
            ScoreSheet(member=s, item=i, state=ScoreSheet.State.SUBMITTED, submitted_at=now,
                       total=Decimal(50 + (i.pk * 37) % 49 + s.pk % 3))
            for s, i in pairs
        ], batch_size=2000)
    return evaluation, manager


def time_proposals(evaluation, manager, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from institutes.models import Grade
    from reviews.models import AnnualEvaluation
    from reviews.services.evaluation import propose_grades

    times, counts, last = [], set(), None
    for _ in range(runs):
        AnnualEvaluation.objects.filter(pk=evaluation.pk).update(state=AnnualEvaluation.State.SCORING)
        fresh = AnnualEvaluation.objects.select_related("program").get(pk=evaluation.pk)
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            last = propose_grades(fresh, manager)
            times.append((time.perf_counter() - start) * 1000)
        counts.add(len(queries))
    grades = {g: sum(1 for p in last if p.grade == g) for g in Grade.values}
    ties = sum(1 for p in last if p.is_tie)
    return harness.median_and_p95(times), counts, grades, ties


def main():
    args = parse_args()
    throwaway = harness.configure(args)
    try:
        started = time.perf_counter()
        harness.build_schema()
        from django.urls import reverse

        from reviews.models import AnnualEvaluation, ScoreSheet

        harness.require_empty(AnnualEvaluation, "annual evaluations")
        built = time.perf_counter()
        big = load(args.institutes, 2024, "big")
        small = load(args.small_institutes, 2023, "small")
        loaded = time.perf_counter()
        harness.analyze()
        harness.print_setup(args)
        print(f"{args.institutes:,} + {args.small_institutes} institutes, {ScoreSheet.objects.count():,} submitted "
              f"sheets (schema and reference data {built - started:.1f} s, load {loaded - built:.1f} s).\n")

        table = harness.Table(("proposing grades (service)", 34), ("inst.", 6), ("median ms", 10), ("p95 ms", 9),
                              ("queries", 8))
        table.print_header()
        results = {}
        for (evaluation, manager), n in ((big, args.institutes), (small, args.small_institutes)):
            (median, p95), counts, grades, ties = time_proposals(evaluation, manager, args.runs)
            table.print_row("propose_grades", n, median, p95, harness.counts_shown(counts))
            results[n] = (grades, ties)
        for n, (grades, ties) in results.items():
            print(f"  {n} institutes → {grades} ; tied at the 优秀 boundary: {ties} (quota {int(n * 0.2)})")
        print(f"\n{args.warmups} warm-ups, {args.repetitions} timed requests per page; "
              "server-side time of client.get().\n")
        table = harness.Table(("page", 34), ("inst.", 6), ("median ms", 10), ("p95 ms", 9), ("queries", 8))
        table.print_header()
        for (evaluation, manager), n in ((big, args.institutes), (small, args.small_institutes)):
            figures = harness.measure(harness.client_for(manager), reverse("reviews:evaluation_detail",
                                      args=[evaluation.pk]), args.warmups, args.repetitions)
            table.print_row("Grading page (proposed)", n, figures.median_ms, figures.p95_ms, figures.queries)
            if args.show_queries:
                harness.print_sql(figures.sql)
    finally:
        harness.cleanup(throwaway, args.keep_db)


if __name__ == "__main__":
    main()
