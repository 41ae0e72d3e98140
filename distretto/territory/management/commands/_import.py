"""Shared body of the import-businesses and import-projects commands."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from distretto.territory.importing import ImportFileError, ImportReport


class ImportCommand(BaseCommand):
    target_option = ""

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-bad", action="store_true", help="Import the good rows, report the bad ones."
        )

    def run_import(self, options) -> ImportReport:
        raise NotImplementedError

    def handle(self, *args, **options) -> None:
        if not options["file"].exists():
            raise CommandError(f"No such file: {options['file']}")
        try:
            report = self.run_import(options)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.written:
            raise CommandError(
                f"{len(report.errors)} bad row(s); nothing imported "
                "(use --skip-bad to import the rest)."
            )
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"skipped {len(report.errors)}"
        )
