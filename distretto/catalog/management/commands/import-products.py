from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from distretto.catalog.importing import ImportFileError, import_products


class Command(BaseCommand):
    help = "Import typical products from a CSV file (name, category, designation, region...)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-bad", action="store_true", help="Import the good rows, report the bad ones."
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as handle:
                report = import_products(handle, skip_bad=options["skip_bad"])
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
