"""Make a chamber's monthly PDF report (kept for download from /observatory/)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from distretto.core.errors import DomainError
from distretto.observatory import report, services
from distretto.territory.models import Chamber


class Command(BaseCommand):
    help = "Make the monthly PDF report of one chamber (or all) for a month."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: the last complete month)")
        parser.add_argument("--chamber", help="the chamber's code (default: every chamber)")
        parser.add_argument("--language", default="it", choices=["it", "en"])
        parser.add_argument("--output", help="also write the PDF here (one chamber only)")

    def handle(self, *args, month=None, chamber=None, language="it", output=None, **options):
        try:
            first = services.parse_month(month, "month") or services.last_complete_month()
        except DomainError as exc:
            raise CommandError(exc.message) from None
        chambers = Chamber.objects.order_by("name")
        if chamber:
            chambers = chambers.filter(code=chamber)
            if not chambers.exists():
                raise CommandError(f"No chamber with code {chamber!r}.")
        elif output:
            raise CommandError("--output needs --chamber.")
        for found in chambers:
            try:
                stored = report.store(found, first, language)
            except DomainError as exc:
                self.stderr.write(f"{found.code}: {exc.message}")
                continue
            if output:
                Path(output).write_bytes(bytes(stored.pdf))
            self.stdout.write(f"{found.code} {first:%Y-%m}: {len(stored.pdf)} bytes")
