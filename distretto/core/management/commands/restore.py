"""``distretto restore PATH``: a backup made by ``distretto backup``, checked and verified."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from distretto.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore the backup in PATH into the configured database (DATABASE_URL) and media "
        "folder. Refuses a backup of another schema version and, without --force, a "
        "database or media folder that already holds data. Stop the server first."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="a directory written by `distretto backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace what the configured database and media folder hold",
        )

    def handle(self, *args, **options) -> None:
        try:
            found = restore(options["path"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(found["row_counts"].values())
        self.stdout.write(
            f"Restored {options['path']}: {rows} rows in {len(found['row_counts'])} tables "
            f"and {found['ledger']['transactions']} ledger transactions, as the manifest says."
        )
