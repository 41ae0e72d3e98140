"""Refresh the observatory's monthly values (run from cron, e.g. nightly)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from distretto.core.errors import DomainError
from distretto.observatory import compute, services
from distretto.territory.models import Chamber


class Command(BaseCommand):
    help = (
        "Recompute the observatory's monthly values. Without options: incrementally, from "
        "the month before the last one stored to the current month (the last 24 months "
        "the first time). --month recomputes one month; --from/--to a range."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", help="one month, YYYY-MM")
        parser.add_argument("--from", dest="first", help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", help="last month, YYYY-MM (default: current)")
        parser.add_argument("--chamber", help="only this chamber's districts (its code)")

    def handle(self, *args, month=None, first=None, last=None, chamber=None, **options) -> None:
        chamber_ids = None
        if chamber:
            found = Chamber.objects.filter(code=chamber).first()
            if found is None:
                raise CommandError(f"No chamber with code {chamber!r}.")
            chamber_ids = [found.pk]
        try:
            if month:
                months = [services.parse_month(month, "month")]
            elif first or last:
                start = services.parse_month(first, "from")
                end = services.parse_month(last, "to") or compute.month_start(timezone.localdate())
                months = services.month_range(start or end, end)
            else:
                months = compute.months_to_refresh()
        except DomainError as exc:
            raise CommandError(exc.message) from None

        def progress(done, values: int, seconds: float) -> None:
            self.stdout.write(f"{done:%Y-%m}: {values} values in {seconds:.2f} s")

        total = compute.refresh(months, chamber_ids, progress)
        self.stdout.write(self.style.SUCCESS(f"{len(months)} months, {total} values stored"))
