"""Benchmark: drawing a 5-expert panel from a pool of 20,000 experts with conflict exclusion (issue 3).

    .venv/bin/python bench/panel_draw.py            # throwaway SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python bench/panel_draw.py

Loads with bulk inserts 20,000 active experts, every one of them in the drawn field (plus up to two
other fields), employed by one of 5,000 organisations, with about 3 former employments and 0.5
declared ties each; and one HN23 application in expert review with 10 participating units and an
"experts to avoid" list. About 160 experts conflict with it: 30 work for its units, 30 left one
less than 3 years ago, 30 declared a tie to one, 5 are on the avoid list, and the random histories
touch its units now and then; 60 more left one of them longer ago, which no longer counts.

Then times `draw_panel` for a 5-expert panel (HN23 composition: one expert from the financial pool,
the rest from the industry system, a management and a technical expert among them): 3 warm-ups,
then 30 timed draws, each in a transaction rolled back afterwards so the application stays free
for the next one; each draw uses its own seed. Prints the median and p95 in ms, the
query count of every draw, and the size of the draw log entry. Nothing is asserted: this is a
benchmark, not a test. Target (issue 3): median under 100 ms.

The schema is created from the current models (`migrate --run-syncdb` with every app's migrations
left out, as the test suite's --nomigrations does), then the reference data (roles, regions,
programs, rubrics) is loaded with tests.reference_data.load_reference_data. Without DATABASE_URL
the script creates and finally deletes its own SQLite file under /tmp; it never touches the
development db.sqlite3. With DATABASE_URL it refuses to run unless the database holds no experts:
point it at an empty, throwaway database.

django-zeal (a development dependency that watches every query for N+1 patterns) is kept out
unless --with-zeal is given, so the figures are those of the production configuration.
"""
import argparse
import json
import random
import sys
import time
from datetime import date, timedelta

import harness  # first: it puts the repository on sys.path

FIELD = "advanced-equipment"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experts", type=int, default=20_000)
    parser.add_argument("--organisations", type=int, default=5_000)
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--size", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026, help="seed of the generated data (not of the draws)")
    harness.common_arguments(parser, show_queries="print the SQL of one draw")
    return parser.parse_args()


def load(args, rng):
    """bulk_create the organisations, the pool and the application; returns (application, manager)."""
    from django.db import transaction

    from institutes.models import IndustryField, Program
    from reviews.models import Expert
    from reviews.selectors.scoring import current_rubric

    harness.require_empty(Expert, "experts")
    program = Program.objects.get(code="HN23")
    if current_rubric(program, "application_review") is None:
        sys.exit("No HN23 application-review rubric was loaded with the reference data.")
    fields = list(IndustryField.objects.order_by("code"))
    field = next(f for f in fields if f.code == FIELD)
    with transaction.atomic():
        organisations = _organisations(args.organisations)
        application, parties = _application(program, field, args.participants, organisations, rng)
        experts = _experts(args.experts, organisations, parties, rng)
        _expert_fields(experts, field, fields, rng)
        _histories(experts, organisations, parties, rng)
        manager = _manager(program)
    return application, manager


def _organisations(n):
    from portal.accounts.models import Organization, Region
    from portal.accounts.uscc_factory import make_uscc

    where = Region.objects.get(code="410105")
    return Organization.objects.bulk_create([
        Organization(name=f"基准单位{i:05d}有限公司", region=where, uscc=make_uscc(where.code, 900_000 + i))
        for i in range(n)
    ], batch_size=2000)


def _application(program, field, participants, organisations, rng):
    """The HN23 application in expert review: its lead unit and participants are the first
    organisations; its avoid list names five experts (created with those names below)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from institutes.models import Application, ParticipatingUnit
    from portal.accounts.models import User

    lead, *units = organisations[: participants + 1]
    creator = User.objects.create(username="bench-applicant", password=make_password(None), organization=lead)
    application = Application.objects.create(
        program=program, organization=lead, created_by=creator, reference="HN23-BENCH-000001",
        title="基准创新中心", industry_field=field, state=Application.State.EXPERT_REVIEW, submission_round=1,
        submitted_at=timezone.now(),
        experts_to_avoid="\n".join(f"回避专家{i} 与申报单位有利害关系" for i in range(5)),
    )
    ParticipatingUnit.objects.bulk_create([
        ParticipatingUnit(application=application, name=unit.name, uscc=unit.uscc, role="参与单位") for unit in units
    ])
    return application, [lead.uscc, *(unit.uscc for unit in units)]


def _experts(n, organisations, parties, rng):
    """Mostly industry-system experts (technical and management), one in ten from the financial
    pool; 30 are employed by the application's units now, five carry names on its avoid list."""
    from reviews.models import Expert

    rows = []
    for i in range(n):
        financial = rng.random() < 0.1
        kind = Expert.Kind.FINANCIAL if financial else rng.choices(
            [Expert.Kind.TECHNICAL, Expert.Kind.MANAGEMENT], weights=[80, 20])[0]
        employer = rng.choice(organisations[len(parties):])
        name = f"回避专家{i}" if i < 5 else f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)}{i}"
        employer_uscc = parties[i % len(parties)] if 5 <= i < 35 else employer.uscc
        rows.append(Expert(
            name=name, kind=kind, pool=Expert.Pool.FINANCIAL if financial else Expert.Pool.INDUSTRY,
            employer_name=employer.name, employer_uscc=employer_uscc, phone=f"138{i:08d}",
        ))
    return Expert.objects.bulk_create(rows, batch_size=2000)


def _expert_fields(experts, field, fields, rng):
    from reviews.models import Expert

    through = Expert.fields.through
    others = [f for f in fields if f.pk != field.pk]
    links = []
    for expert in experts:
        for chosen in {field, *rng.sample(others, rng.randint(0, 2))}:
            links.append(through(expert_id=expert.pk, industryfield_id=chosen.pk))
    through.objects.bulk_create(links, batch_size=5000)


def _histories(experts, organisations, parties, rng):
    """About 3 former employments and 0.5 ties per expert, anywhere among the organisations; plus,
    for experts 35–124, an employment at one of the application's units — the first 30 ended less
    than 3 years ago (a conflict), the others earlier (none) — and for experts 125–154 a tie to one."""
    from reviews.models import ExpertEmployment, ExpertTie

    today = date.today()
    employments, ties = [], []
    for index, expert in enumerate(experts):
        for _ in range(rng.choice((2, 3, 3, 4))):
            ended = today - timedelta(days=rng.randint(30, 3650))
            org = rng.choice(organisations)
            employments.append(ExpertEmployment(
                expert_id=expert.pk, employer_name=org.name, employer_uscc=org.uscc,
                started_on=ended - timedelta(days=rng.randint(365, 3650)), ended_on=ended,
            ))
        if rng.random() < 0.5:
            org = rng.choice(organisations)
            ties.append(ExpertTie(expert_id=expert.pk, organization_name=org.name, organization_uscc=org.uscc,
                                  description="兼职顾问"))
        if 35 <= index < 125:
            days_ago = rng.randint(30, 1000) if index < 65 else rng.randint(1200, 3000)
            employments.append(ExpertEmployment(
                expert_id=expert.pk, employer_name="申报相关单位", employer_uscc=parties[index % len(parties)],
                ended_on=today - timedelta(days=days_ago),
            ))
        if 125 <= index < 155:
            ties.append(ExpertTie(expert_id=expert.pk, organization_name="申报相关单位",
                                  organization_uscc=parties[index % len(parties)], description="持有股份"))
    ExpertEmployment.objects.bulk_create(employments, batch_size=5000)
    ExpertTie.objects.bulk_create(ties, batch_size=5000)


def _manager(program):
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from portal.accounts.models import User

    manager = User.objects.create(username="bench-manager", password=make_password(None), department="industry")
    manager.groups.add(Group.objects.get(name="program_manager"))
    program.managers.add(manager)
    return User.objects.get(pk=manager.pk)


def draw_once(application, manager, size, seed):
    """(ms, queries, panel entry) of one draw, rolled back afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from reviews.models import Panel
    from reviews.services.draw import draw_panel

    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            panel = draw_panel(
                program=application.program, industry_field=application.industry_field,
                purpose=Panel.Purpose.APPLICATION_REVIEW, items=[application], size=size, user=manager, seed=seed,
            )
            elapsed = (time.perf_counter() - start) * 1000
        entry = panel.draw_log[0]
        transaction.set_rollback(True)
    return elapsed, queries, entry


def main():
    args = parse_args()
    throwaway = harness.configure(args)
    rng = random.Random(args.seed)
    try:
        started = time.perf_counter()
        harness.build_schema()
        migrated = time.perf_counter()
        application, manager = load(args, rng)
        loaded = time.perf_counter()
        harness.analyze()
        report(args, application, manager, migrated - started, loaded - migrated)
    finally:
        harness.cleanup(throwaway, args.keep_db)


def report(args, application, manager, migrate_s, load_s):
    from institutes.models import Application
    from reviews.models import Expert, ExpertEmployment, ExpertTie

    application = Application.objects.select_related("program", "industry_field").get(pk=application.pk)
    harness.print_setup(args)
    print(f"Loaded {Expert.objects.count():,} experts, {ExpertEmployment.objects.count():,} former employments, "
          f"{ExpertTie.objects.count():,} declared ties; the application has {application.participants.count()} "
          f"participating units (schema {migrate_s:.1f} s, load {load_s:.1f} s).")
    for warmup in range(args.warmups):
        draw_once(application, manager, args.size, f"warm-up-{warmup}")
    times, counts = [], set()
    for repetition in range(args.repetitions):
        elapsed, queries, entry = draw_once(application, manager, args.size, f"bench-{repetition}")
        times.append(elapsed)
        counts.add(len(queries))
    median, p95 = harness.median_and_p95(times)
    print(f"{args.warmups} warm-ups, {args.repetitions} timed draws of a {args.size}-expert HN23 panel.\n")
    print(f"eligible candidates   {entry['eligible_count']:>8,}")
    print(f"excluded (conflicts)  {len(entry['excluded']):>8,}")
    print(f"draw log entry        {len(json.dumps(entry)) / 1024:>8.0f} KiB")
    print(f"median                {median:>8.1f} ms")
    print(f"p95                   {p95:>8.1f} ms")
    print(f"min / max             {min(times):>8.1f} / {max(times):.1f} ms")
    print(f"queries per draw      {harness.counts_shown(counts):>8}")
    kinds = {}
    for excluded in entry["excluded"]:
        for reason in excluded["reasons"]:
            kinds[reason["kind"]] = kinds.get(reason["kind"], 0) + 1
    print(f"exclusion reasons     {', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}")
    if args.show_queries:
        harness.print_sql([query["sql"] for query in queries.captured_queries], width=200)


if __name__ == "__main__":
    main()
