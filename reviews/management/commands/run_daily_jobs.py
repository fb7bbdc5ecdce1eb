from django.core.management.base import BaseCommand

from institutes.services import cancel_overdue_revisions
from reviews.services import publicity, recognition


class Command(BaseCommand):
    help = (
        "Run the daily jobs now, as Celery beat does: close public notices whose period has ended, "
        "cancel cultivation units past their deadline and applications not revised in time. Idempotent."
    )

    def handle(self, *args, **options):
        closed = publicity.close_ended_notices()
        lapsed = recognition.cancel_lapsed_cultivation()
        overdue = cancel_overdue_revisions()
        self.stdout.write(self.style.SUCCESS(
            f"{closed} public notices closed; {lapsed} cultivation units cancelled; "
            f"{overdue} overdue applications cancelled."
        ))
