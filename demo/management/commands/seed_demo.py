from django.core.management.base import BaseCommand

from demo.data import ACCOUNTS, DEMO_PASSWORD, seed


class Command(BaseCommand):
    help = "Create demo organisations, one account per role and a few applications (idempotent)."

    def handle(self, *args, **options):
        seed()
        self.stdout.write(self.style.SUCCESS("Demo accounts (password: %s):" % DEMO_PASSWORD))
        for username, name, role, *_rest in ACCOUNTS:
            self.stdout.write(f"  {username:18} {role:16} {name}")
