import time

from django.core.management.base import BaseCommand

from portal.outbox.services import pending_count, relay_pending


class Command(BaseCommand):
    help = "Publish the Celery jobs waiting in the outbox (the workers' relay does this every few seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="repeat every this many seconds until stopped")

    def handle(self, *args, loop=0, **options):
        while True:
            sent = relay_pending()
            self.stdout.write(f"sent {sent}, waiting {pending_count()}")
            if not loop:
                return
            time.sleep(loop)
