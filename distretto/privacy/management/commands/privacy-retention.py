"""``distretto privacy-retention``: run daily (cron, systemd timer). Idempotent."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from distretto.privacy import services


class Command(BaseCommand):
    help = (
        "Reduce check-ins older than CHECKINS_PRECISE_RETENTION_DAYS (30) to the venue and "
        "the decision: position, accuracy, distance and speed are removed."
    )

    def handle(self, *args, **options) -> None:
        reduced = services.apply_retention()
        self.stdout.write(
            f"{reduced} check-ins older than {settings.CHECKINS_PRECISE_RETENTION_DAYS} days "
            "reduced to the venue and the decision."
        )
