from django.core.management.base import BaseCommand, CommandError

from portal.ops.backups import BackupError, write_backup


class Command(BaseCommand):
    help = "Write a consistent backup (PostgreSQL dump, private files, checksum manifest) into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new or empty directory, e.g. /var/backups/portal/2026-12-02")

    def handle(self, directory, **options):
        try:
            summary = write_backup(directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for name in summary.missing:
            self.stderr.write(f"Missing file (a row points to it, the storage had none): {name}")
        self.stdout.write(f"Backed up {summary.tables} tables ({summary.rows} rows) and {summary.files} files "
                          f"({summary.bytes} bytes) to {directory}.")
