"""Check-in positions are precise for CHECKINS_PRECISE_RETENTION_DAYS, then only the
venue and the decision remain (``distretto privacy-retention``, daily)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from distretto.checkins import services as checkins
from distretto.checkins.models import Attempt

pytestmark = pytest.mark.django_db


def test_the_daily_command_reduces_old_check_ins_to_venue_and_decision(history):
    out = StringIO()
    call_command("privacy-retention", stdout=out)
    assert "1 check-ins older than 30 days" in out.getvalue()
    old, recent = Attempt.objects.order_by("created_at")
    assert (old.lat, old.lon, old.accuracy_m, old.distance_m, old.speed_kmh) == (None,) * 5
    assert old.point_id == recent.point_id and old.decision == "accepted"
    assert old.response["body"]["distance_m"] is None
    assert recent.lat is not None and recent.accuracy_m == 9
    call_command("privacy-retention", stdout=(again := StringIO()))
    assert again.getvalue().startswith("0 check-ins")


def test_the_retention_is_a_setting(history, settings):
    settings.CHECKINS_PRECISE_RETENTION_DAYS = 0
    call_command("privacy-retention", stdout=StringIO())
    assert not Attempt.objects.exclude(lat=None).exists()


def test_a_reduced_check_in_is_still_replayed_by_its_key(history, venue):
    call_command("privacy-retention", stdout=StringIO())
    old = Attempt.objects.order_by("created_at").first()
    replay = checkins.check_in(
        history,
        venue,
        lat=venue.lat + 0.0001,
        lon=venue.lon,
        accuracy_m=9,
        key="visit-40",
    )
    assert replay.replayed and replay.attempt.pk == old.pk
    assert replay.body["points_awarded"] == 10
