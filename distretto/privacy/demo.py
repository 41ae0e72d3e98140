"""Demo data: a privacy notice for every demo programme. Idempotent."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from distretto.loyalty.models import Program
from distretto.privacy.models import Notice

VERSION = "2026-01"
DEMO_LINKS = [("privacy", "/privacy/")]


def seed() -> None:
    published = datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Rome"))
    for program in Program.objects.select_related("district__chamber"):
        Notice.objects.get_or_create(
            program=program,
            version=VERSION,
            defaults={
                "published_at": published,
                "controller": program.promoter or program.district.chamber.name,
                "contact_email": "privacy@example.org",
            },
        )
