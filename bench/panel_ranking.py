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
import time

import harness  # first: it puts the repository on sys.path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--small-items", type=int, default=20, help="items of the comparison panel")
    harness.common_arguments(parser)
    return parser.parse_args()


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


def main():
    args = parse_args()
    throwaway = harness.configure(args)
    try:
        started = time.perf_counter()
        harness.build_schema()
        from reviews.models import Panel

        harness.require_empty(Panel, "panels")
        built = time.perf_counter()
        big = load_panel(args.items, "bench-big")
        small = load_panel(args.small_items, "bench-small")
        loaded = time.perf_counter()
        harness.analyze()
        report(args, big, small, built - started, loaded - built)
    finally:
        harness.cleanup(throwaway, args.keep_db)


def pages_of(panel, manager, member):
    from django.urls import reverse

    def url(name):
        return reverse(f"reviews:{name}", args=[panel.pk])

    return [
        ("Ranking, as program manager", harness.client_for(manager), url("panel_ranking")),
        ("Ranking, as panel member", harness.client_for(member), url("panel_ranking")),
        ("Scoring progress, as manager", harness.client_for(manager), url("scoring_progress")),
        ("Site-list confirmation, member", harness.client_for(member), url("confirm_site_list")),
    ]


def report(args, big, small, schema_s, load_s):
    from reviews.models import Score, ScoreSheet

    harness.print_setup(args)
    print(f"Panels of {args.items} and {args.small_items} applications × 5 experts: "
          f"{ScoreSheet.objects.count():,} submitted sheets, {Score.objects.count():,} criterion scores "
          f"(schema and reference data {schema_s:.1f} s, load {load_s:.1f} s).")
    print(f"{args.warmups} warm-ups, {args.repetitions} timed requests per page; server-side time of client.get().\n")
    table = harness.Table(("page", 34), ("items", 6), ("median ms", 10), ("p95 ms", 9), ("queries", 8))
    table.print_header()
    for (panel, manager, member), n in ((big, args.items), (small, args.small_items)):
        for label, client, path in pages_of(panel, manager, member):
            figures = harness.measure(client, path, args.warmups, args.repetitions)
            table.print_row(label, n, figures.median_ms, figures.p95_ms, figures.queries)
            if args.show_queries:
                harness.print_sql(figures.sql)


if __name__ == "__main__":
    main()
