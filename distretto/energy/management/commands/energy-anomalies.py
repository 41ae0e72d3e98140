"""``distretto energy-anomalies``: run the anomaly rules on every site (for cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from distretto.energy import anomalies
from distretto.energy.models import Site


class Command(BaseCommand):
    help = "Run the energy anomaly rules on every site; new anomalies are e-mailed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", type=int, action="append", help="only these site ids")
        parser.add_argument("--no-notify", action="store_true", help="do not send e-mail")
        parser.add_argument(
            "--notify-only",
            action="store_true",
            help="only retry the notifications not sent yet (no rules run)",
        )

    def handle(self, *args, **options) -> None:
        sites = Site.objects.order_by("pk")
        if options["site"]:
            sites = sites.filter(pk__in=options["site"])
        for site in sites:
            if options["notify_only"]:
                sent = anomalies.notify_pending(site)
                waiting = anomalies.pending_notification(site).count()
                self.stdout.write(f"{site.name}: {sent} notified, {waiting} waiting")
                continue
            opened = anomalies.detect(site, notify=not options["no_notify"])
            open_count = site.anomalies.filter(ended_at__isnull=True).count()
            waiting = anomalies.pending_notification(site).count()
            self.stdout.write(
                f"{site.name}: {len(opened)} new, {open_count} open, {waiting} to notify"
            )
