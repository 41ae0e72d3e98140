"""``distretto loyalty expire`` (daily, idempotent) and ``distretto loyalty close YYYY-MM``."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from distretto.core.errors import DomainError
from distretto.loyalty import services, settlement
from distretto.loyalty.models import Program


class Command(BaseCommand):
    help = "Fidelity card jobs: expire points, close a settlement period."

    def add_arguments(self, parser) -> None:
        jobs = parser.add_subparsers(dest="job", required=True)
        expire = jobs.add_parser("expire", help="Post the expiry of points past their date.")
        expire.add_argument("--program", type=int, help="Only this programme (id).")
        expire.add_argument(
            "--today", type=date.fromisoformat, help="Pretend today is this date (YYYY-MM-DD)."
        )
        close = jobs.add_parser("close", help="Close a settlement period (YYYY-MM).")
        close.add_argument("period")
        close.add_argument("--program", type=int, required=True)

    def handle(self, *args, **options) -> None:
        program = None
        if options.get("program") is not None:
            program = Program.objects.filter(pk=options["program"]).first()
            if program is None:
                raise CommandError(f"No programme with id {options['program']}.")
        try:
            if options["job"] == "expire":
                points = services.expire(program, today=options.get("today"))
                self.stdout.write(f"expired {points} points")
            else:
                settlement.close_period(program, options["period"])
                self.stdout.write(f"closed {options['period']} of {program}")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
