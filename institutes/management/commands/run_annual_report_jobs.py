import datetime

from django.core.management.base import BaseCommand

from institutes.services_annual import run_annual_report_jobs


class Command(BaseCommand):
    help = (
        "Run the annual report job now, as Celery beat does daily: remind institutes 30, 7 and 1 days "
        "before their program's deadline and mark the reports not filed by it overdue. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="Run as if today were this day.")

    def handle(self, *args, **options):
        reminded, overdue = run_annual_report_jobs(options.get("today"))
        self.stdout.write(self.style.SUCCESS(f"{reminded} reminders; {overdue} reports marked overdue."))
