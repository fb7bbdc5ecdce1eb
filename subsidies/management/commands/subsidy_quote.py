"""python manage.py subsidy_quote FILE|-  — the policy calculator on the command line.

Reads one §7 request (JSON object) and prints the JSON answer on stdout. Bad input exits
non-zero with the reason on stderr and nothing on stdout. It quotes with the rule versions kept in
the database (`subsidies.selectors.rules.versions_in_force`: staff-added versions included) and,
when the database has none or is not set up yet, with the calculator's catalog.
"""
import json
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from subsidies.calculator import QuoteInputError, quote


def _refuse_constant(name: str):
    raise ValueError(_("%(name)s is not a number JSON allows.") % {"name": name})


def _versions():
    """The database's versions; None (the catalog) when there is no usable rule table."""
    from subsidies.selectors.rules import versions_in_force

    try:
        return versions_in_force()
    except DatabaseError:
        return None


class Command(BaseCommand):
    help = "Quote a subsidy rule: read the request JSON from FILE (or - for stdin), print the answer JSON."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="request JSON file, or - to read standard input")

    def handle(self, *args, file, **options):
        text = self._read(file)
        try:
            payload = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError as error:
            raise CommandError(_("Invalid JSON: %(error)s") % {"error": error}) from None
        try:
            answer = quote(payload, _versions())
        except QuoteInputError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))

    def _read(self, file: str) -> str:
        try:
            if file == "-":
                return sys.stdin.read()
            with open(file, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}) from None
