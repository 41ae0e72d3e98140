"""``distretto energy-monthly-info``: e-mail each resident of a remotely read site their
unit's consumption of last month (for cron, e.g. on the 2nd of every month).

Idempotent per unit and month: running it again sends only what was not sent yet.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from distretto.energy import monthly


class Command(BaseCommand):
    help = "E-mail last month's heating consumption to the residents of remotely read sites."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: last month)")

    def handle(self, *args, **options) -> None:
        if options["month"]:
            month = monthly.parse_month(options["month"])
            if month is None:
                raise CommandError("--month is YYYY-MM, e.g. 2026-01.")
        else:
            month = monthly.month_start(timezone.localdate()) - dt.timedelta(days=1)
        sent = monthly.send_monthly_notices(month)
        self.stdout.write(f"{month:%Y-%m}: {sent} e-mails sent")
