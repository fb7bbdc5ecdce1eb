"""Benchmark: the district review queue and the applicant's list at 10,000 applications.

    .venv/bin/python bench/district_queue.py            # throwaway SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python bench/district_queue.py

Loads 10,000 applications (bulk_create) from 500 lead units in 50 district-level regions, then
times each page through Django's test Client, server side only: time.perf_counter() around
client.get(), 3 warm-ups then 30 repetitions, median and p95 in ms, with the query count of every
repetition (CaptureQueriesContext). A figure table is printed; nothing is asserted: this is a
benchmark, not a test. Target (issue #2): median < 150 ms on the 2-core machine, and a query
count that does not grow with the number of rows.

Without DATABASE_URL the script creates, migrates and finally deletes its own SQLite file under
/tmp; it never touches the development db.sqlite3. With DATABASE_URL it migrates that database
and refuses to run unless it holds no applications: point it at an empty, throwaway database.

django-zeal (a development dependency that watches every query for N+1 patterns) is kept out
unless --with-zeal is given, so the figures are those of the production configuration.
"""
import argparse
import random
import sys
import time
from datetime import timedelta

import harness  # first: it puts the repository on sys.path

TRADES = ["智能装备", "新材料", "生物医药", "电子信息", "汽车零部件"]
SEARCH = "新材料"  # a part of one in five organisation names


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--per-organisation", type=int, default=20, help="applications per lead unit (about)")
    parser.add_argument("--big-organisation", type=int, default=200, help="applications of the applicant measured")
    parser.add_argument("--reviewer-districts", type=int, default=10, help="districts the reviewer serves")
    harness.common_arguments(parser)
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def load(args, rng):
    """bulk_create the organisations, users, applications and district reviews; returns
    (reviewer, small_reviewer, big_applicant, small_applicant)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from institutes.models import Application, DistrictReview, IndustryField, Program
    from portal.accounts.models import Organization, Region, User
    from portal.accounts.uscc_factory import make_uscc

    harness.require_empty(Application, "applications")

    S = Application.State
    districts = list(Region.objects.filter(level=Region.Level.DISTRICT).order_by("code"))
    if len(districts) < args.districts:
        sys.exit(f"Only {len(districts)} district-level regions are loaded; {args.districts} were asked for.")
    districts = districts[: args.districts]
    henan = [d for d in districts if d.code.startswith("41")]
    programs = {p.code: p for p in Program.objects.all()}
    fields = list(IndustryField.objects.all())
    unusable = make_password(None)
    now = timezone.now()

    with transaction.atomic():
        n_orgs = max(1, (args.applications - args.big_organisation) // args.per_organisation + 1)
        organisations = Organization.objects.bulk_create([
            Organization(
                name=f"{districts[i % len(districts)].name}{TRADES[(i // len(districts)) % len(TRADES)]}{i:04d}有限公司",
                uscc=make_uscc(districts[i % len(districts)].code, 50_000 + i),
                region=districts[i % len(districts)],
            )
            for i in range(n_orgs)
        ])
        applicants = User.objects.bulk_create([
            User(username=f"bench-applicant-{i}", password=unusable, organization=org, first_name=f"申报人{i}")
            for i, org in enumerate(organisations)
        ])
        reviewers = User.objects.bulk_create([
            User(username="bench-district", password=unusable, department="industry", first_name="区县工信（10区）"),
            User(username="bench-district-1", password=unusable, department="industry", first_name="区县工信（1区）"),
        ])
        Group.objects.get(name="applicant").user_set.add(*applicants)
        Group.objects.get(name="district").user_set.add(*reviewers)
        reviewer, small_reviewer = reviewers
        reviewer.regions.set(henan[: args.reviewer_districts])
        small_reviewer.regions.set(henan[:1])

        # Who filed what: the first organisation (in the reviewer's first district) files
        # `big_organisation` applications, the others share the rest evenly.
        owners = [0] * args.big_organisation
        rest = args.applications - len(owners)
        owners += [1 + i % (n_orgs - 1) for i in range(rest)]
        states = rng.choices(
            [S.SUBMITTED, S.RECOMMENDED, S.RETURNED, S.DRAFT, S.REJECTED, S.INITIAL_REVIEW, S.WITHDRAWN],
            weights=[70, 10, 5, 8, 3, 3, 1], k=len(owners),
        )
        rows = []
        for n, (owner, state) in enumerate(zip(owners, states)):
            org = organisations[owner]
            if org.region.code.startswith("41"):
                program = programs["ZZ23"] if rng.random() < 0.8 else programs["HN23"]
            else:
                program = programs["SJZ22"]
            filed = state != S.DRAFT
            submitted = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440)) if filed else None
            rows.append(Application(
                program=program, organization=org, created_by=applicants[owner], state=state,
                reference=f"{program.code}-B-{n:06d}", title=f"{org.name[:8]}{rng.choice(fields).name}研究院",
                industry_field=rng.choice(fields), categories=["industry_head"],
                contact_name="联系人", contact_phone="0371-00000000", submitted_at=submitted,
                submission_round=1 if filed else 0,
            ))
        applications = Application.objects.bulk_create(rows, batch_size=1000)
        decided = {S.RECOMMENDED: "recommend", S.RETURNED: "return", S.REJECTED: "reject", S.INITIAL_REVIEW: "recommend"}
        DistrictReview.objects.bulk_create([
            DistrictReview(
                application=a, round=1, reviewer=reviewer, department="industry", decision=decided[a.state],
                checklist={"materials_complete": True}, comment="" if a.state in (S.RECOMMENDED, S.INITIAL_REVIEW) else "请补充材料",
            )
            for a in applications if a.state in decided
        ], batch_size=1000)
    small_applicant = applicants[1]
    return reviewer, small_reviewer, applicants[0], small_applicant


def main():
    args = parse_args()
    throwaway = harness.configure(args, migrations=True)
    rng = random.Random(args.seed)
    try:
        started = time.perf_counter()
        harness.build_schema()
        migrated = time.perf_counter()
        reviewer, small_reviewer, big_applicant, small_applicant = load(args, rng)
        loaded = time.perf_counter()
        harness.analyze()
        report(args, reviewer, small_reviewer, big_applicant, small_applicant, migrated - started, loaded - migrated)
    finally:
        harness.cleanup(throwaway, args.keep_db)


def report(args, reviewer, small_reviewer, big_applicant, small_applicant, migrate_s, load_s):
    from institutes import selectors
    from institutes.models import Application
    from portal.accounts.models import Organization

    queue_rows = selectors.district_queue(reviewer).filter(state=Application.State.SUBMITTED).count()
    filtered_rows = selectors.district_queue(reviewer, program="ZZ23", q=SEARCH, state="submitted").count()
    in_scope = Application.objects.in_district_queue(reviewer).count()
    big_rows = selectors.applicant_applications(big_applicant).count()
    small_rows = selectors.applicant_applications(small_applicant).count()
    last_queue_page = max(1, -(-queue_rows // 25))

    harness.print_setup(args)
    print(f"Loaded {Application.objects.count():,} applications, {args.districts} districts, "
          f"{Organization.objects.count():,} organisations "
          f"(migrate {migrate_s:.1f} s, load {load_s:.1f} s).")
    print(f"Reviewer serves {reviewer.regions.count()} districts: {in_scope:,} filed applications in scope, "
          f"{queue_rows:,} awaiting review; filter matches {filtered_rows:,}.")
    print(f"{args.warmups} warm-ups, {args.repetitions} timed requests per page; server-side time of client.get().\n")

    district = harness.client_for(reviewer)
    applicant = harness.client_for(big_applicant)
    pages = [
        ("District queue, page 1", district, "/district/queue/", {}, f"{queue_rows:,} rows"),
        ("District queue, filtered", district,
         "/district/queue/", {"program": "ZZ23", "q": SEARCH, "state": "submitted"}, f"{filtered_rows:,} rows"),
        (f"District queue, last page ({last_queue_page})", district,
         "/district/queue/", {"page": last_queue_page}, f"{queue_rows:,} rows"),
        ("Applicant list, page 1", applicant, "/applications/", {}, f"{big_rows:,} rows"),
        ("Applicant list, page 5", applicant, "/applications/", {"page": 5}, f"{big_rows:,} rows"),
    ]
    table = harness.Table(("page", 34), ("rows", 12), ("median ms", 10), ("p95 ms", 9), ("queries", 8))
    table.print_header()
    for label, client, path, params, rows in pages:
        figures = harness.measure(client, path, args.warmups, args.repetitions, params)
        table.print_row(label, rows, figures.median_ms, figures.p95_ms, figures.queries)
        if args.show_queries:
            harness.print_sql(figures.sql)

    print("\nQuery count against the number of rows (same page, fewer rows):")
    for label, user, path, rows in [
        ("District queue, 1 district", small_reviewer, "/district/queue/",
         selectors.district_queue(small_reviewer).filter(state="submitted").count()),
        ("District queue, 10 districts", reviewer, "/district/queue/", queue_rows),
        (f"Applicant list, {small_rows} applications", small_applicant, "/applications/", small_rows),
        (f"Applicant list, {big_rows} applications", big_applicant, "/applications/", big_rows),
    ]:
        figures = harness.measure(harness.client_for(user), path, 1, 3, {})
        print(f"  {label:<36} {rows:>6,} rows  {figures.queries:>4} queries")


if __name__ == "__main__":
    main()
