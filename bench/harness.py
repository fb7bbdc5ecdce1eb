"""What every benchmark in bench/ shares: a throwaway database, the schema, logged-in test clients,
timed requests and the figure table.

A benchmark is a script next to this module, run from the repository root as
`.venv/bin/python bench/<name>.py`; it keeps its own docstring (what it loads, what it times, the
target), its own data loading and its own report, and takes the rest from here:

    import argparse
    import time

    import harness  # first: it puts the repository on sys.path


    def main():
        parser = argparse.ArgumentParser(description=__doc__.split("\\n\\n")[0])
        parser.add_argument("--items", type=int, default=200)  # the script's own sizes first
        harness.common_arguments(parser)  # --warmups --repetitions --with-zeal --keep-db --show-queries
        args = parser.parse_args()
        throwaway = harness.configure(args)  # before any model is imported
        try:
            started = time.perf_counter()
            harness.build_schema()
            from django.urls import reverse

            from reviews.models import Panel

            harness.require_empty(Panel, "panels")
            built = time.perf_counter()
            panel, manager = load(args)  # the script's own bulk_create of the rows measured
            loaded = time.perf_counter()
            harness.analyze()
            harness.print_setup(args)
            print(f"Loaded {args.items} items (schema {built - started:.1f} s, load {loaded - built:.1f} s).\\n")
            table = harness.Table(("page", 34), ("items", 6), ("median ms", 10), ("p95 ms", 9), ("queries", 8))
            table.print_header()
            path = reverse("reviews:panel_ranking", args=[panel.pk])
            figures = harness.measure(harness.client_for(manager), path, args.warmups, args.repetitions)
            table.print_row("Ranking", args.items, figures.median_ms, figures.p95_ms, figures.queries)
            if args.show_queries:
                harness.print_sql(figures.sql)
        finally:
            harness.cleanup(throwaway, args.keep_db)

A benchmark that times something other than a page (bench/panel_draw.py times a service call)
does its own timing loop and uses median_and_p95() and counts_shown() for its figures.
measure() needs at least 2 repetitions (the p95).

What it guarantees:

- Without DATABASE_URL, configure() creates an SQLite file in a fresh directory under /tmp and
  cleanup() deletes it (unless --keep-db); the development db.sqlite3 is refused outright. With
  DATABASE_URL, the script should refuse a database that already holds its rows (require_empty).
- django-zeal (the development N+1 detector) is left out unless --with-zeal is given, so the
  figures are those of the production configuration.
- By default the schema comes from the current models (`migrate --run-syncdb` with every app's
  migrations left out, as the test suite's --nomigrations does) and the reference data (roles,
  regions, programs, rubrics) from tests.reference_data.load_reference_data. configure(args,
  migrations=True) runs the real migrations instead (their data migrations load the same reference
  data): slower, and it fails while a model change has no migration yet.
- measure() times client.get() server side (time.perf_counter()), after untimed warm-ups, and
  captures the query count of every timed repetition; nothing is asserted.
"""
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))


class NoMigrations(dict):
    """MIGRATION_MODULES that leaves every app's migrations out (tables come from the models)."""

    def __contains__(self, app_label):
        return True

    def __getitem__(self, app_label):
        return None


def common_arguments(parser, show_queries="print the SQL of one request per page"):
    """The flags every benchmark takes; add the script's own sizes before calling this."""
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=30)
    parser.add_argument("--with-zeal", action="store_true", help="keep django-zeal's N+1 detector installed")
    parser.add_argument("--keep-db", action="store_true", help="do not delete the throwaway SQLite file")
    parser.add_argument("--show-queries", action="store_true", help=show_queries)


def configure(args, migrations=False):
    """Environment first, then django.setup(): the settings module reads DATABASE_URL on import.
    Returns the throwaway SQLite file (None when DATABASE_URL was given); pass it to cleanup()."""
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

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test Client's host
    if not migrations:
        settings.MIGRATION_MODULES = NoMigrations()
    return throwaway


def build_schema():
    """Create the tables and load the reference data, the way configure() chose."""
    from django.conf import settings
    from django.core.management import call_command

    if not isinstance(settings.MIGRATION_MODULES, NoMigrations):
        call_command("migrate", verbosity=0, interactive=False)
        return
    from tests.reference_data import load_reference_data

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    load_reference_data()


def require_empty(model, rows):
    """Stop unless the database holds no `model` rows (`rows` names them in the message)."""
    if model.objects.exists():
        sys.exit(f"The database already holds {rows}: point DATABASE_URL at an empty, throwaway database.")


def analyze():
    """Fresh planner statistics after the load, as autovacuum would have them."""
    from django.db import connection

    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def print_setup(args):
    """The first line of every report: Django version, database, django-zeal if it is on."""
    import django
    from django.db import connection

    print(f"Django {django.get_version()} · {connection.vendor} {connection.settings_dict['NAME']}"
          f"{' · django-zeal ON' if args.with_zeal else ''}")


def client_for(user):
    """A test Client logged in as user (no password, no django-axes)."""
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


class Figures(NamedTuple):
    median_ms: float
    p95_ms: float
    query_counts: list  # the distinct query counts of the timed repetitions, sorted
    sql: list  # the statements of the last repetition

    @property
    def queries(self):
        """The query counts as the tables show them: "12", or "12/13" when they varied."""
        return counts_shown(self.query_counts)


def measure(client, path, warmups, repetitions, params=None):
    """GET path (with the query dict params) warmups + repetitions times; every answer must be a
    200, and the timed ones give the Figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shown = path if params is None else f"{path} {params}"
    for _ in range(warmups):
        response = client.get(path, params)
        if response.status_code != 200:
            sys.exit(f"GET {shown} answered {response.status_code}")
    times, counts, sql = [], set(), []
    for _ in range(repetitions):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path, params)
            elapsed = time.perf_counter() - start
        if response.status_code != 200:
            sys.exit(f"GET {shown} answered {response.status_code}")
        times.append(elapsed * 1000)
        counts.add(len(queries))
        sql = [q["sql"] for q in queries.captured_queries]
    return Figures(*median_and_p95(times), sorted(counts), sql)


def median_and_p95(times):
    """Median and 95th percentile; one repetition is its own median and p95."""
    if len(times) < 2:
        return times[0], times[0]
    return statistics.median(times), statistics.quantiles(times, n=100, method="inclusive")[94]


def counts_shown(counts):
    return "/".join(str(c) for c in sorted(counts))


def print_sql(statements, width=160):
    for statement in statements:
        print(f"    {statement[:width]}")


class Table:
    """A figure table printed a row at a time (so --show-queries can print SQL under a row):
    columns are (heading, width); the first is left-aligned, the others right-aligned, floats
    shown with one decimal."""

    def __init__(self, *columns):
        self.columns = columns

    def print_header(self):
        header = self._line(heading for heading, _width in self.columns)
        print(header)
        print("-" * len(header))

    def print_row(self, *values):
        print(self._line(values))

    def _line(self, values):
        cells = []
        for index, ((_heading, width), value) in enumerate(zip(self.columns, values)):
            text = f"{value:.1f}" if isinstance(value, float) else str(value)
            cells.append(text.ljust(width) if index == 0 else text.rjust(width))
        return " ".join(cells)


def cleanup(throwaway, keep):
    """Close the connection; delete the throwaway SQLite file and its directory unless keep."""
    from django.db import connection

    connection.close()
    if throwaway and not keep:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{throwaway}{suffix}").unlink(missing_ok=True)
        throwaway.parent.rmdir()
    elif throwaway:
        print(f"\nKept the database at {throwaway}")
