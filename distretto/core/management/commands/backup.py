"""``distretto backup PATH``: a consistent copy of the database and the media folder."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from distretto.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup, or pg_dump's custom format) and the "
        "media folder into the new directory PATH, with a manifest of row counts and a "
        "checksum of the points ledger. Safe while the server runs."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="a new (or empty) directory")

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup(options["path"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["row_counts"].values())
        ledger = manifest["ledger"]
        self.stdout.write(
            f"Backup written to {options['path']}: {manifest['engine']}, "
            f"{len(manifest['row_counts'])} tables, {rows} rows, "
            f"{ledger['transactions']} ledger transactions "
            f"(checksum {ledger['sha256'][:12]}…)."
        )
