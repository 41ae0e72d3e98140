"""Device status: a status other than OK opens a ``device_alarm`` with the device's
words, kept with the reading; OK closes it. One test per kind of alarm, each with a
real telegram of wmbusmeters' test vectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from distretto.energy import alarms, allocation_services, anomalies
from distretto.energy.ingestion import ingest
from distretto.energy.models import Anomaly, Meter, Reading
from distretto.testing import ApiClient

from . import test_allocation_runs
from .conftest import make_meter
from .test_drivers import VECTORS

# The Tigli complex of the allocation tests, as fixtures here too.
tigli = test_allocation_runs.tigli
flats = test_allocation_runs.flats
COMPENSATION = test_allocation_runs.COMPENSATION

pytestmark = pytest.mark.django_db


def vector(driver: str, status: str) -> dict:
    return next(
        v["telegram"]
        for v in VECTORS
        if v["telegram"]["meter"] == driver
        and v["telegram"].get("status") == status
        and not v["expect"].get("rejected")
    )


def at(day: int, hour: int = 0) -> str:
    return dt.datetime(2026, 1, day, hour, tzinfo=dt.UTC).isoformat()


ALARMS = [
    # (kind, driver, device's words, meter kind, severity)
    ("seal", "apatoreitn", "SEAL_BROKEN", "hca", "critical"),
    ("sabotage", "hydrocalm3", "SABOTAGE_ENCLOSURE", "heat", "critical"),
    ("tamper", "kaden", "TAMPERING", "hca", "critical"),
    ("battery", "qcaloric", "POWER_LOW", "hca", "warning"),
    ("error", "hydroclimav2", "ERROR_FLAGS_4300", "hca", "warning"),
]


@pytest.mark.parametrize(("kind", "driver", "words", "meter_kind", "severity"), ALARMS)
def test_alarm_opens_with_the_devices_words_and_closes_on_ok(
    gateway_api, site, flat, actors, kind, driver, words, meter_kind, severity
):
    telegram = vector(driver, words)
    meter = make_meter(site, flat, kind=meter_kind, external_id=telegram["id"])
    body = gateway_api.post("energy/readings", [{**telegram, "timestamp": at(5)}]).json()
    assert body["accepted"] == 1
    assert Reading.objects.get(meter=meter).status == words
    listed = ApiClient(actors.energy_manager).get(f"energy/meters/{meter.pk}/readings").json()
    assert listed["items"][0]["status"] == words
    alarm = Anomaly.objects.get(meter=meter, rule="device_alarm")
    assert alarm.is_open
    assert alarm.unit == flat
    assert alarm.severity == severity
    assert alarm.evidence["status"] == words
    assert alarm.evidence["kinds"] == [kind]
    assert alarm.started_at == dt.datetime(2026, 1, 5, tzinfo=dt.UTC)

    # Still in alarm the next day: the same anomaly, seen again.
    gateway_api.post("energy/readings", [{**telegram, "timestamp": at(6)}])
    assert Anomaly.objects.filter(meter=meter, rule="device_alarm").count() == 1
    alarm.refresh_from_db()
    assert alarm.evidence["last_seen"].startswith("2026-01-06")

    # The anomaly rules of the site leave the device's alarm alone.
    anomalies.detect(site, dt.datetime(2026, 1, 6, 12, tzinfo=dt.UTC), notify=False)
    alarm.refresh_from_db()
    assert alarm.is_open

    # The device reports OK again: the alarm ends at that reading.
    gateway_api.post("energy/readings", [{**telegram, "status": "OK", "timestamp": at(7)}])
    alarm.refresh_from_db()
    assert alarm.ended_at == dt.datetime(2026, 1, 7, tzinfo=dt.UTC)
    assert Reading.objects.get(meter=meter, ts=at(7)).status == "OK"


def test_alarm_and_recovery_within_one_batch(gateway_api, site, flat):
    telegram = vector("apatoreitn", "SEAL_BROKEN")
    meter = make_meter(site, flat, kind="hca", external_id=telegram["id"])
    batch = [
        {**telegram, "status": "OK", "timestamp": at(9)},
        {**telegram, "timestamp": at(8)},
    ]
    gateway_api.post("energy/readings", batch)
    alarm = Anomaly.objects.get(meter=meter, rule="device_alarm")
    assert alarm.started_at == dt.datetime(2026, 1, 8, tzinfo=dt.UTC)
    assert alarm.ended_at == dt.datetime(2026, 1, 9, tzinfo=dt.UTC)


def test_several_flags_are_sorted_into_kinds():
    words = "ALARM OPEN_C PERMANENT_ERROR SENSOR_BREAK UNEXPECTED_RST"
    assert vector("hcae2", words)
    from distretto.energy import drivers

    assert drivers.alarm_kinds(words) == ["other", "sabotage", "error"]
    assert drivers.alarm_kinds("SEAL_BROKEN POWER_LOW") == ["seal", "battery"]
    assert drivers.status_of({"status": "OK"}) is None


def test_allocators_in_alarm_make_their_unit_estimated_unless_checked(
    gateway_api, site, flat, shop, actors
):
    telegram = vector("apatoreitn", "SEAL_BROKEN")
    make_meter(site, flat, kind="hca", external_id=telegram["id"], kq=Decimal("1"))
    gateway_api.post("energy/readings", [{**telegram, "timestamp": at(5)}])
    first, last = dt.date(2026, 1, 1), dt.date(2026, 1, 31)
    assert alarms.units_in_alarm(site, first, last) == {flat.pk}
    # Not in a period that ended before the alarm started.
    assert alarms.units_in_alarm(site, dt.date(2025, 12, 1), dt.date(2025, 12, 31)) == set()
    alarm = Anomaly.objects.get(rule="device_alarm")
    alarms.check(alarm, by=actors.energy_manager)
    assert alarms.units_in_alarm(site, first, last) == set()
    assert alarm.acknowledged_at is not None


class TestAllocation:
    """The Tigli complex of ``test_allocation_runs``: B's allocator breaks its seal."""

    @pytest.fixture
    def season(self, tigli, flats):
        return {
            "period_start": dt.date(2025, 10, 15),
            "period_end": dt.date(2026, 4, 15),
            "fuel_cost": Decimal("3000.00"),
            "options": dict(COMPENSATION),
        }

    def break_seal(self, tigli) -> Anomaly:
        telegram = {
            **vector("apatoreitn", "SEAL_BROKEN"),
            "id": "B-1",
            "current_hca": 0,
            "timestamp": "2026-02-01T10:00:00Z",
        }
        assert ingest([telegram], site_ids=[tigli.pk]).accepted == 1
        return Anomaly.objects.get(rule="device_alarm", meter__external_id="B-1")

    def test_unit_in_alarm_is_estimated_and_flagged(self, tigli, flats, season, actors):
        self.break_seal(tigli)
        run = allocation_services.create_run(tigli, **season)
        statements = {r.unit.name: r for r in run.results.select_related("unit")}
        assert statements["B"].estimated is True
        assert statements["A"].estimated is False
        flagged = {u["name"]: u["device_alarm"] for u in run.inputs["units"]}
        assert flagged == {"A": False, "B": True, "C": False}

    def test_checked_alarm_counts_the_readings_again(self, tigli, flats, season, actors):
        alarm = self.break_seal(tigli)
        alarms.check(alarm, by=actors.energy_manager)
        run = allocation_services.create_run(tigli, **season)
        statements = {r.unit.name: r for r in run.results.select_related("unit")}
        assert statements["B"].estimated is False
        assert statements["B"].voluntary_quantity == Decimal("180.000")

    def test_product_scale_allocators_are_not_weighted_again(self, tigli, flats, season):
        Meter.objects.filter(external_id="A-1").update(product_scale=True)
        run = allocation_services.create_run(tigli, **season)
        statements = {r.unit.name: r for r in run.results.select_related("unit")}
        # 100 units already scaled + 50 u × 0.8 × 1.0
        assert statements["A"].voluntary_quantity == Decimal("140.000")
