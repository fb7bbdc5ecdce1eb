"""Benchmark: the panel ranking page for 200 applications scored by 5 experts (issue 3).

    .venv/bin/python bench/panel_ranking.py            # throwaway SQLite file under /tmp
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python bench/panel_ranking.py

Builds, with bulk inserts, one HN23 application-review panel of 5 accepted experts whose scoring is
closed, 200 applications from 200 lead units on it, and 1,000 submitted score sheets (5,000
criterion scores) with their no-conflict declarations. Then times pages through Django's test
Client, server side only: time.perf_counter() around client.get(), 3 warm-ups then 30 repetitions,
median and p95 in ms, with the query count of every repetition (CaptureQueriesContext). A figure
table is printed; nothing is asserted: this is a benchmark, not a test. Target (issue 3): the
ranking page under 150 ms, with a query count that does not grow with the number of items (the
second table measures a 20-item panel for comparison).

The schema is created from the current models (`migrate --run-syncdb` with every app's migrations
left out, as the test suite's --nomigrations does), then the reference data (roles, regions,
programs, rubrics) is loaded with tests.reference_data.load_reference_data. Without DATABASE_URL
the script creates and finally deletes its own SQLite file under /tmp; it never touches the
development db.sqlite3. With DATABASE_URL it refuses to run unless the database holds no panels:
point it at an empty, throwaway database.

django-zeal (a development dependency that watches every query for N+1 patterns) is kept out
unless --with-zeal is given, so the figures are those of the production configuration.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))


class NoMigrations(dict):
    """MIGRATION_MODULES that leaves every app's migrations out (tables come from the models)."""

    def __contains__(self, app_label):
        return True

    def __getitem__(self, app_label):
        return None


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--small-items", type=int, default=20, help="items of the comparison panel")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--with-zeal", action="store_true", help="keep django-zeal's N+1 detector installed")
    parser.add_argument("--keep-db", action="store_true", help="do not delete the throwaway SQLite file")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one request per page")
    return parser.parse_args()


def configure(args):
    """Environment first, then django.setup(): the settings module reads DATABASE_URL on import."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
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
    settings.MIGRATION_MODULES = NoMigrations()
    return throwaway


def build_schema():
    from django.core.management import call_command

    from tests.reference_data import load_reference_data

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    load_reference_data()


def load_panel(n_items, tag):
    """A ranked HN23 panel of 5 accepted experts with n_items applications, every sheet submitted;
    returns (panel, manager, member user)."""
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from institutes.models import Application, IndustryField, Program
    from portal.accounts.models import Organization, Region, User
    from portal.accounts.uscc_factory import make_uscc
    from reviews.models import (
        ConflictDeclaration, Expert, Panel, PanelItem, PanelMember, Score, ScoreSheet,
    )
    from reviews.selectors.scoring import current_rubric

    program = Program.objects.get(code="HN23")
    rubric = current_rubric(program, Panel.Purpose.APPLICATION_REVIEW)
    criteria = list(rubric.criteria.all())
    field = IndustryField.objects.get(code="advanced-equipment")
    where = Region.objects.get(code="410105")
    unusable = make_password(None)
    now = timezone.now()
    base = {"bench-big": 10_000, "bench-small": 20_000}[tag]

    with transaction.atomic():
        manager = User.objects.create(username=f"{tag}-manager", password=unusable, department="industry")
        manager.groups.add(Group.objects.get(name="program_manager"))
        manager.managed_programs.add(program)
        expert_group = Group.objects.get(name="expert")
        users = User.objects.bulk_create([
            User(username=f"{tag}-expert-{i}", password=unusable, first_name=f"专家{i}") for i in range(5)
        ])
        expert_group.user_set.add(*users)
        experts = Expert.objects.bulk_create([
            Expert(user=u, name=f"专家{i}", kind=Expert.Kind.MANAGEMENT if i == 0 else Expert.Kind.TECHNICAL,
                   employer_name=f"某大学{i}")
            for i, u in enumerate(users)
        ])
        panel = Panel.objects.create(
            program=program, purpose=Panel.Purpose.APPLICATION_REVIEW, industry_field=field, rubric=rubric, size=5,
            name=f"{tag} 高端装备评审组", state=Panel.State.RANKED, created_by=manager,
        )
        roles = [PanelMember.Role.LEADER, PanelMember.Role.DEPUTY] + [PanelMember.Role.MEMBER] * 3
        seats = PanelMember.objects.bulk_create([
            PanelMember(panel=panel, expert=e, role=r, status=PanelMember.Status.ACCEPTED)
            for e, r in zip(experts, roles)
        ])
        organisations = Organization.objects.bulk_create([
            Organization(name=f"{tag}装备企业{i:04d}有限公司", region=where, uscc=make_uscc(where.code, base + i))
            for i in range(n_items)
        ])
        applicant = User.objects.create(username=f"{tag}-applicant", password=unusable, organization=organisations[0])
        applications = Application.objects.bulk_create([
            Application(program=program, organization=org, created_by=applicant, reference=f"HN23-{tag}-{i:05d}",
                        title=f"{org.name[:10]}制造业创新中心", industry_field=field,
                        state=Application.State.EXPERT_REVIEW, submission_round=1, submitted_at=now)
            for i, org in enumerate(organisations)
        ], batch_size=500)
        items = PanelItem.objects.bulk_create([PanelItem(panel=panel, application=a) for a in applications])
        pairs = [(seat, item) for item in items for seat in seats]
        ConflictDeclaration.objects.bulk_create(
            [ConflictDeclaration(member=s, item=i, has_conflict=False) for s, i in pairs], batch_size=1000)
        totals = [Decimal(60 + (i.pk * 7 + s.pk * 11) % 40) for s, i in pairs]
        sheets = ScoreSheet.objects.bulk_create([
            ScoreSheet(member=s, item=i, state=ScoreSheet.State.SUBMITTED, total=t, submitted_at=now)
            for (s, i), t in zip(pairs, totals)
        ], batch_size=1000)
        Score.objects.bulk_create([
            Score(sheet=sheet, criterion=c, points=p)
            for sheet, total in zip(sheets, totals) for c, p in zip(criteria, _split(total, criteria))
        ], batch_size=2000)
        _mark_site_list(panel, pairs, totals, rubric.pass_mark)
    return panel, manager, users[3]


def _mark_site_list(panel, pairs, totals, pass_mark):
    """The manager's list as the ranking proposes it: every item averaging at least the pass mark."""
    sums = {}
    for (_seat, item), total in zip(pairs, totals):
        sums[item.pk] = sums.get(item.pk, 0) + total
    passing = [pk for pk, total in sums.items() if total >= 5 * pass_mark]
    panel.items.update(listed_for_inspection=False)
    panel.items.filter(pk__in=passing).update(listed_for_inspection=True)


def _split(total, criteria):
    remaining, points = total, []
    for criterion in criteria:
        given = min(remaining, criterion.max_points)
        points.append(given)
        remaining -= given
    return points


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def measure(client, path, warmups, repetitions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmups):
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
    times, counts, sql = [], set(), []
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            sys.exit(f"GET {path} answered {response.status_code}")
        times.append(elapsed * 1000)
        counts.add(len(queries))
        sql = [q["sql"] for q in queries.captured_queries]
    p95 = statistics.quantiles(times, n=100, method="inclusive")[94]
    return statistics.median(times), p95, sorted(counts), sql


def main():
    args = parse_args()
    throwaway = configure(args)
    from django.db import connection

    try:
        started = time.perf_counter()
        build_schema()
        from reviews.models import Panel

        if Panel.objects.exists():
            sys.exit("The database already holds panels: point DATABASE_URL at an empty, throwaway database.")
        built = time.perf_counter()
        big = load_panel(args.items, "bench-big")
        small = load_panel(args.small_items, "bench-small")
        loaded = time.perf_counter()
        if connection.vendor in ("sqlite", "postgresql"):
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        report(args, big, small, built - started, loaded - built)
    finally:
        connection.close()
        if throwaway and not args.keep_db:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{throwaway}{suffix}").unlink(missing_ok=True)
            throwaway.parent.rmdir()
        elif throwaway:
            print(f"\nKept the database at {throwaway}")


def pages_of(panel, manager, member):
    from django.urls import reverse

    return [
        ("Ranking, as program manager", client_for(manager), reverse("reviews:panel_ranking", args=[panel.pk])),
        ("Ranking, as panel member", client_for(member), reverse("reviews:panel_ranking", args=[panel.pk])),
        ("Scoring progress, as manager", client_for(manager), reverse("reviews:scoring_progress", args=[panel.pk])),
        ("Site-list confirmation, member", client_for(member), reverse("reviews:confirm_site_list", args=[panel.pk])),
    ]


def report(args, big, small, schema_s, load_s):
    import django
    from django.db import connection

    from reviews.models import Score, ScoreSheet

    print(f"Django {django.get_version()} · {connection.vendor} {connection.settings_dict['NAME']}"
          f"{' · django-zeal ON' if args.with_zeal else ''}")
    print(f"Panels of {args.items} and {args.small_items} applications × 5 experts: "
          f"{ScoreSheet.objects.count():,} submitted sheets, {Score.objects.count():,} criterion scores "
          f"(schema and reference data {schema_s:.1f} s, load {load_s:.1f} s).")
    print(f"{args.warmups} warm-ups, {args.repetitions} timed requests per page; server-side time of client.get().\n")
    header = f"{'page':<34} {'items':>6} {'median ms':>10} {'p95 ms':>9} {'queries':>8}"
    print(header)
    print("-" * len(header))
    for (panel, manager, member), n in ((big, args.items), (small, args.small_items)):
        for label, client, path in pages_of(panel, manager, member):
            median, p95, counts, sql = measure(client, path, args.warmups, args.repetitions)
            print(f"{label:<34} {n:>6} {median:>10.1f} {p95:>9.1f} {'/'.join(str(c) for c in counts):>8}")
            if args.show_queries:
                for statement in sql:
                    print(f"    {statement[:160]}")


if __name__ == "__main__":
    main()
