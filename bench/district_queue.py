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
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

TRADES = ["智能装备", "新材料", "生物医药", "电子信息", "汽车零部件"]
SEARCH = "新材料"  # a part of one in five organisation names


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--per-organisation", type=int, default=20, help="applications per lead unit (about)")
    parser.add_argument("--big-organisation", type=int, default=200, help="applications of the applicant measured")
    parser.add_argument("--reviewer-districts", type=int, default=10, help="districts the reviewer serves")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--with-zeal", action="store_true", help="keep django-zeal's N+1 detector installed")
    parser.add_argument("--keep-db", action="store_true", help="do not delete the throwaway SQLite file")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one request per page")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def configure(args):
    """Environment first, then django.setup(): the settings module reads DATABASE_URL on import."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no per-login log lines from django-axes
    throwaway = None
    if not os.environ.get("DATABASE_URL"):
        throwaway = Path(tempfile.mkdtemp(prefix="portal-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{throwaway}"
    url = os.environ["DATABASE_URL"]
    if "db.sqlite3" in url and str(REPO_ROOT) in url:
        sys.exit(f"Refusing to benchmark against the development database ({url}).")
    if not args.with_zeal:
        sys.modules["zeal"] = None  # `import zeal` in the settings now fails: it is left out
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return throwaway


def migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


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

    if Application.objects.exists():
        sys.exit("The database already holds applications: point DATABASE_URL at an empty, throwaway database.")

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


def measure(client, url, warmups, repetitions):
    """GET url (path, query dict) warmups + repetitions times; the timed ones give the figures."""
    path, params = url
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        response = client.get(path, params)
        if response.status_code != 200:
            sys.exit(f"GET {path} {params} answered {response.status_code}")
    times, counts, sql = [], set(), []
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path, params)
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            sys.exit(f"GET {path} {params} answered {response.status_code}")
        times.append(elapsed * 1000)
        counts.add(len(queries))
        sql = [q["sql"] for q in queries.captured_queries]
    p95 = statistics.quantiles(times, n=100, method="inclusive")[94]
    return statistics.median(times), p95, sorted(counts), sql


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def main():
    args = parse_args()
    throwaway = configure(args)
    rng = random.Random(args.seed)
    from django.db import connection

    try:
        started = time.perf_counter()
        migrate()
        migrated = time.perf_counter()
        reviewer, small_reviewer, big_applicant, small_applicant = load(args, rng)
        loaded = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would have them
        report(args, reviewer, small_reviewer, big_applicant, small_applicant, migrated - started, loaded - migrated)
    finally:
        connection.close()
        if throwaway and not args.keep_db:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{throwaway}{suffix}").unlink(missing_ok=True)
            throwaway.parent.rmdir()
        elif throwaway:
            print(f"\nKept the database at {throwaway}")


def report(args, reviewer, small_reviewer, big_applicant, small_applicant, migrate_s, load_s):
    import django
    from django.db import connection

    from institutes import selectors
    from institutes.models import Application
    from portal.accounts.models import Organization

    queue_rows = selectors.district_queue(reviewer).filter(state=Application.State.SUBMITTED).count()
    filtered_rows = selectors.district_queue(reviewer, program="ZZ23", q=SEARCH, state="submitted").count()
    in_scope = Application.objects.in_district_queue(reviewer).count()
    big_rows = selectors.applicant_applications(big_applicant).count()
    small_rows = selectors.applicant_applications(small_applicant).count()
    last_queue_page = max(1, -(-queue_rows // 25))

    print(f"Django {django.get_version()} · {connection.vendor} {connection.settings_dict['NAME']}"
          f"{' · django-zeal ON' if args.with_zeal else ''}")
    print(f"Loaded {Application.objects.count():,} applications, {args.districts} districts, "
          f"{Organization.objects.count():,} organisations "
          f"(migrate {migrate_s:.1f} s, load {load_s:.1f} s).")
    print(f"Reviewer serves {reviewer.regions.count()} districts: {in_scope:,} filed applications in scope, "
          f"{queue_rows:,} awaiting review; filter matches {filtered_rows:,}.")
    print(f"{args.warmups} warm-ups, {args.repetitions} timed requests per page; server-side time of client.get().\n")

    district = client_for(reviewer)
    applicant = client_for(big_applicant)
    pages = [
        ("District queue, page 1", district, ("/district/queue/", {}), f"{queue_rows:,} rows"),
        ("District queue, filtered", district,
         ("/district/queue/", {"program": "ZZ23", "q": SEARCH, "state": "submitted"}), f"{filtered_rows:,} rows"),
        (f"District queue, last page ({last_queue_page})", district,
         ("/district/queue/", {"page": last_queue_page}), f"{queue_rows:,} rows"),
        ("Applicant list, page 1", applicant, ("/applications/", {}), f"{big_rows:,} rows"),
        ("Applicant list, page 5", applicant, ("/applications/", {"page": 5}), f"{big_rows:,} rows"),
    ]
    header = f"{'page':<34} {'rows':>12} {'median ms':>10} {'p95 ms':>9} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for label, client, url, rows in pages:
        median, p95, counts, sql = measure(client, url, args.warmups, args.repetitions)
        shown = "/".join(str(c) for c in counts)
        print(f"{label:<34} {rows:>12} {median:>10.1f} {p95:>9.1f} {shown:>8}")
        if args.show_queries:
            for statement in sql:
                print(f"    {statement[:160]}")

    print("\nQuery count against the number of rows (same page, fewer rows):")
    for label, user, url, rows in [
        ("District queue, 1 district", small_reviewer, ("/district/queue/", {}),
         selectors.district_queue(small_reviewer).filter(state="submitted").count()),
        ("District queue, 10 districts", reviewer, ("/district/queue/", {}), queue_rows),
        (f"Applicant list, {small_rows} applications", small_applicant, ("/applications/", {}), small_rows),
        (f"Applicant list, {big_rows} applications", big_applicant, ("/applications/", {}), big_rows),
    ]:
        _median, _p95, counts, _sql = measure(client_for(user), url, 1, 3)
        print(f"  {label:<36} {rows:>6,} rows  {'/'.join(str(c) for c in counts):>4} queries")


if __name__ == "__main__":
    main()
