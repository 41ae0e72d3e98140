"""Allocator weights: KQ × KC (or 1 with product scale) in the unit and site rollups,
recomputed when a manager changes KQ, KC or the product-scale flag."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from distretto.energy.ingestion import ingest
from distretto.energy.models import GroupRollup, Meter
from distretto.testing import ApiClient

from .conftest import make_meter

pytestmark = pytest.mark.django_db

# 10 units in the first hour, 20 over the next five (spread by the hour), 30 after a day.
READINGS = [
    ("2026-01-05T08:00:00Z", 100),
    ("2026-01-05T09:00:00Z", 110),
    ("2026-01-05T14:00:00Z", 130),
    ("2026-01-06T14:00:00Z", 160),
]
RAW = 60.0


def totals(site, unit_key: int) -> dict[str, float]:
    """The unit's (or the site's, 0) allocator consumption at each granularity."""
    found = {}
    for granularity in "hdm":
        rows = GroupRollup.objects.filter(
            site=site, unit_key=unit_key, kind="hca", granularity=granularity
        ).values_list("consumption", flat=True)
        found[granularity] = round(sum(rows), 6)
    return found


def weighted(factor: float) -> dict[str, float]:
    # The last reading follows a day-long gap: it counts by day only, not by hour.
    return {"h": round(30 * factor, 6), "d": round(RAW * factor, 6), "m": round(RAW * factor, 6)}


@pytest.fixture
def allocator(site, flat):
    meter = make_meter(
        site, flat, kind="hca", external_id="70000001", kq=Decimal("1.2"), kc=Decimal("0.9")
    )
    items = [{"meter": "70000001", "ts": ts, "value": value} for ts, value in READINGS]
    assert ingest(items, site_ids=[site.pk]).accepted == 4
    return meter


def test_rollups_are_weighted_by_k(site, flat, allocator):
    assert totals(site, flat.pk) == weighted(1.08)
    assert totals(site, 0) == weighted(1.08)


def test_changing_kq_kc_or_the_flag_over_the_api_recomputes(site, flat, allocator, actors):
    api = ApiClient(actors.manager)
    response = api.patch(f"energy/meters/{allocator.pk}", {"kq": "2"})
    assert response.status_code == 200, response.content
    assert totals(site, flat.pk) == weighted(1.8)
    assert totals(site, 0) == weighted(1.8)

    api.patch(f"energy/meters/{allocator.pk}", {"kc": "0.5"})
    assert totals(site, flat.pk) == weighted(1.0)
    api.patch(f"energy/meters/{allocator.pk}", {"kq": "3"})
    assert totals(site, flat.pk) == weighted(1.5)

    body = api.patch(f"energy/meters/{allocator.pk}", {"product_scale": True}).json()
    assert body["product_scale"] is True
    assert totals(site, flat.pk) == weighted(1.0)
    # KQ changes of an already-scaled allocator change nothing.
    api.patch(f"energy/meters/{allocator.pk}", {"kq": "4"})
    assert totals(site, flat.pk) == weighted(1.0)
    api.patch(f"energy/meters/{allocator.pk}", {"product_scale": False})
    assert totals(site, flat.pk) == weighted(2.0)
    assert totals(site, 0) == weighted(2.0)


def test_new_readings_after_a_change_use_the_new_weight(site, flat, allocator):
    allocator.refresh_from_db()
    allocator.kq = Decimal("2")
    allocator.save()
    ingest([{"meter": "70000001", "ts": "2026-01-06T15:00:00Z", "value": 170}], site_ids=[site.pk])
    assert totals(site, flat.pk)["d"] == pytest.approx((RAW + 10) * 1.8)


def test_a_product_scale_allocator_is_counted_as_it_reports(site, flat):
    make_meter(
        site, flat, kind="hca", external_id="70000002", kq=Decimal("1.5"), product_scale=True
    )
    items = [{"meter": "70000002", "ts": ts, "value": value} for ts, value in READINGS]
    ingest(items, site_ids=[site.pk])
    assert totals(site, flat.pk) == weighted(1.0)
    assert Meter.objects.get(external_id="70000002").weight == Decimal("1")


def test_check_is_only_for_device_alarms(site, flat, allocator, actors):
    from distretto.energy.models import Anomaly

    other = Anomaly.objects.create(
        site=site,
        meter=allocator,
        rule="stuck_meter",
        severity="warning",
        started_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    )
    api = ApiClient(actors.manager)
    response = api.post(f"energy/anomalies/{other.pk}/check", {})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_a_device_alarm"
    alarm = Anomaly.objects.create(
        site=site,
        meter=allocator,
        unit=flat,
        rule="device_alarm",
        severity="critical",
        started_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        evidence={"status": "SEAL_BROKEN"},
    )
    body = api.post(f"energy/anomalies/{alarm.pk}/check", {}).json()
    assert body["checked_at"] is not None
    assert body["checked_by"] == actors.manager.pk
    assert ApiClient(actors.cardholder).post(
        f"energy/anomalies/{alarm.pk}/check", {}
    ).status_code in (
        403,
        404,
    )
