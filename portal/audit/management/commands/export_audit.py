import datetime

from django.core.management.base import BaseCommand, CommandError

from portal.audit.exports import export


def day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = "Export the audit trail of a date range (local days, both included) as CSV or XLSX for auditors."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        parser.add_argument("--output", required=True, help="the file to write")

    def handle(self, first, last, format, output, **options):
        first, last = day(first), day(last)
        if last < first:
            raise CommandError("--to is before --from.")
        count = export(first, last, format, output)
        self.stdout.write(f"{count} audit events from {first} to {last} written to {output}.")
