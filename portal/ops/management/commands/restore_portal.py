from django.core.management.base import BaseCommand, CommandError

from portal.ops.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = ("Restore a backup written by backup_portal into the configured empty database and empty "
            "private storage, checking every checksum before and every row count and file hash after.")

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the backup's directory (it holds manifest.json)")

    def handle(self, directory, **options):
        try:
            summary = restore_backup(directory)
        except BackupError as error:
            raise CommandError(str(error)) from error
        for name in summary.missing:
            self.stderr.write(f"Missing file (a row points to it, the storage had none): {name}")
        self.stdout.write(f"Restored {summary.tables} tables ({summary.rows} rows) and {summary.files} files "
                          f"from {directory}; row counts and file hashes match the backup.")
