"""Cumulative counters become consumption: resets, replacements, gaps, late data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from distretto.energy import ingestion
from distretto.energy.ingestion import ingest, store
from distretto.energy.models import (
    DailyRollup,
    GroupRollup,
    HourlyRollup,
    MonthlyRollup,
    Reading,
)
from distretto.energy.services import meter_consumption
from distretto.energy.tests.conftest import at, make_meter

pytestmark = pytest.mark.django_db


def readings(meter, *pairs):
    return [(meter.pk, ts, value) for ts, value in pairs]


def hourly(meter) -> dict:
    return {
        r.bucket: round(r.consumption, 6)
        for r in HourlyRollup.objects.filter(meter=meter).order_by("bucket")
        if round(r.consumption, 6)
    }


def test_consumption_is_the_increase_between_readings(heat_meter):
    store(readings(heat_meter, (at(5, 10), 100.0), (at(5, 10, 30), 104.0), (at(5, 11, 15), 110.0)))
    # The first reading has no baseline; 4 kWh in hour 10, then 6 kWh from 10:30 to 11:15
    # split 30/45 and 15/45 between hours 10 and 11.
    assert hourly(heat_meter) == {at(5, 10): 8.0, at(5, 11): 2.0}
    assert meter_consumption([heat_meter], dt.date(2026, 1, 5), dt.date(2026, 1, 6)) == {
        heat_meter.pk: Decimal("10.000")
    }


def test_initial_value_gives_the_first_reading_its_consumption(site, flat):
    meter = make_meter(site, flat, initial_value=90.0)
    store(readings(meter, (at(5, 10), 100.0)))
    assert hourly(meter) == {at(5, 10): 10.0}


def test_allocator_reset_at_the_set_date_counts_from_zero(hca):
    store(readings(hca, (at(30, 12, month=5), 870.0), (at(31, 12, month=5), 875.0)))
    # After the set date (1 June) the allocator restarts from zero.
    store(readings(hca, (at(1, 12, month=6), 3.0), (at(2, 12, month=6), 10.0)))
    june = meter_consumption([hca], dt.date(2026, 6, 1), dt.date(2026, 7, 1))
    may = meter_consumption([hca], dt.date(2026, 5, 1), dt.date(2026, 6, 1))
    assert may[hca.pk] + june[hca.pk] == Decimal("15.000")
    # 31 May 12:00 UTC -> 1 June 12:00 UTC read 3 units over 24 h; the local June starts
    # at 22:00 UTC, so 14 h of them are June's: 3 × 14/24 = 1.75, plus 7 on 2 June.
    assert june[hca.pk] == Decimal("8.750")


def test_replaced_meter_consumption_counts_for_its_replacement(site, flat):
    old = make_meter(site, flat, external_id="OLD")
    new = make_meter(site, flat, external_id="NEW", initial_value=0.0)
    old.replaced_by = new
    old.save()
    store(readings(old, (at(3), 1000.0), (at(4), 1050.0)))
    store(readings(new, (at(5), 20.0), (at(6), 45.0)))
    totals = meter_consumption([new], dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert totals == {new.pk: Decimal("95.000")}  # 50 on the old, 20 + 25 on the new
    both = meter_consumption([old, new], dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert both == {old.pk: Decimal("50.000"), new.pk: Decimal("45.000")}


def test_gap_is_spread_over_the_hours_it_spans(heat_meter):
    store(readings(heat_meter, (at(5, 10), 100.0), (at(5, 14), 140.0)))
    assert hourly(heat_meter) == {at(5, h): 10.0 for h in (10, 11, 12, 13)}


def test_duplicates_change_nothing(heat_meter):
    pairs = [(at(5, 10), 100.0), (at(5, 11), 110.0)]
    assert store(readings(heat_meter, *pairs)) == (2, 0)
    before = hourly(heat_meter)
    assert store(readings(heat_meter, (at(5, 11), 999.0), (at(5, 10), 100.0))) == (0, 2)
    assert hourly(heat_meter) == before
    assert Reading.objects.get(meter=heat_meter, ts=at(5, 11)).value == 110.0


def test_late_reading_updates_the_rollups_of_the_affected_buckets(heat_meter):
    store(readings(heat_meter, (at(5, 10), 100.0), (at(5, 14), 140.0), (at(5, 15), 150.0)))
    # The reading of 12:00 arrives late: 10-12 used 30, 12-14 only 10.
    assert store(readings(heat_meter, (at(5, 12), 130.0))) == (1, 0)
    assert hourly(heat_meter) == {
        at(5, 10): 15.0,
        at(5, 11): 15.0,
        at(5, 12): 5.0,
        at(5, 13): 5.0,
        at(5, 14): 10.0,
    }
    assert Reading.objects.get(meter=heat_meter, ts=at(5, 14)).delta == 10.0
    day = DailyRollup.objects.get(meter=heat_meter, bucket=dt.date(2026, 1, 5))
    month = MonthlyRollup.objects.get(meter=heat_meter, bucket=dt.date(2026, 1, 1))
    assert round(day.consumption, 6) == round(month.consumption, 6) == 50.0
    assert day.samples == 4
    # The unit's and the whole site's rollups followed the correction too.
    for unit_key in (0, heat_meter.unit_id):
        group = GroupRollup.objects.get(unit_key=unit_key, granularity="d")
        assert round(group.consumption, 6) == 50.0
        hours = GroupRollup.objects.filter(unit_key=unit_key, granularity="h")
        assert {g.bucket: round(g.consumption, 6) for g in hours} == hourly(heat_meter)


def test_unit_rollups_weight_allocators_by_k(hca):
    store(readings(hca, (at(5, 10), 100.0), (at(5, 11), 110.0)))
    # 10 allocator units on a radiator with K = 1.2 × 0.9 = 1.08.
    unit_hour = GroupRollup.objects.get(unit_key=hca.unit_id, granularity="h")
    assert round(unit_hour.consumption, 6) == 10.8


def test_out_of_order_batch_gives_the_same_result_as_in_order(site, flat):
    ordered = make_meter(site, flat, external_id="A")
    shuffled = make_meter(site, flat, external_id="B")
    values = [(at(5, h), 10.0 * h) for h in range(1, 12)]
    store(readings(ordered, *values))
    for ts, value in (values[5:] + values[:5])[::-1]:
        store(readings(shuffled, (ts, value)))
    assert hourly(ordered) == hourly(shuffled)


def test_reading_before_the_first_one_gives_it_a_baseline(heat_meter):
    store(readings(heat_meter, (at(5, 12), 120.0)))
    store(readings(heat_meter, (at(5, 11), 100.0)))
    assert hourly(heat_meter) == {at(5, 11): 20.0}


def test_interval_meter_adds_its_values(site, shop):
    meter = make_meter(site, shop, kind="electricity", reading_type="interval")
    store(readings(meter, (at(5, 10), 2.0), (at(5, 10, 15), 3.0), (at(5, 11), 1.0)))
    assert hourly(meter) == {at(5, 10): 5.0, at(5, 11): 1.0}


def test_meter_without_data_in_the_period_is_absent(heat_meter, hca):
    store(readings(heat_meter, (at(5, 10), 100.0), (at(5, 11), 100.0)))
    totals = meter_consumption([heat_meter, hca], dt.date(2026, 1, 1), dt.date(2026, 2, 1))
    assert totals == {heat_meter.pk: Decimal("0.000")}


def test_local_days_follow_the_italian_clock(heat_meter):
    # 23:30 UTC on 5 January is 00:30 on the 6th in Rome.
    store(readings(heat_meter, (at(5, 23), 100.0), (at(5, 23, 45), 105.0)))
    assert DailyRollup.objects.get(meter=heat_meter).bucket == dt.date(2026, 1, 6)


def test_ingest_resolves_meters_within_the_sites_given(site, heat_meter, actors):
    from distretto.energy.models import Site

    other = Site.objects.create(district=actors.other_district, name="Altro")
    result = ingest(
        [{"meter": heat_meter.external_id, "ts": "2026-01-05T10:00:00+01:00", "value": 1}],
        site_ids=[other.pk],
    )
    assert result.accepted == 0
    assert result.rejected[0].code == "unknown_meter"


def test_quarter_hour_readings_sum_per_hour_with_their_samples(heat_meter):
    quarters = [(at(5, 10) + dt.timedelta(minutes=15 * n), 100.0 + n) for n in range(9)]
    assert store(readings(heat_meter, *quarters)) == (9, 0)
    # Each quarter's increase belongs to the hour in which it started.
    assert hourly(heat_meter) == {at(5, 10): 4.0, at(5, 11): 4.0}
    samples = dict(HourlyRollup.objects.filter(meter=heat_meter).values_list("bucket", "samples"))
    assert samples == {at(5, 10): 4, at(5, 11): 4, at(5, 12): 1}


def test_repeated_timestamp_within_a_batch_is_a_duplicate_and_the_first_counts(heat_meter):
    batch = [(at(5, 10), 100.0), (at(5, 11), 110.0), (at(5, 11), 999.0), (at(5, 12), 115.0)]
    assert store(readings(heat_meter, *batch)) == (3, 1)
    assert Reading.objects.get(meter=heat_meter, ts=at(5, 11)).value == 110.0
    assert hourly(heat_meter) == {at(5, 10): 10.0, at(5, 11): 5.0}


def test_work_prepared_before_the_lock_is_redone_when_the_meter_moved_meanwhile(
    heat_meter, monkeypatch
):
    # Another batch stores 11:00 between this batch's unlocked look at the meter and
    # its write transaction: the 12:00 reading must count from 11:00, not from 10:00.
    store(readings(heat_meter, (at(5, 10), 100.0)))
    stale = ingestion._meter_states([heat_meter.pk])
    store(readings(heat_meter, (at(5, 11), 110.0)))
    fresh = ingestion._meter_states

    def states(meter_ids, *, lock=False):
        return fresh(meter_ids, lock=lock) if lock else stale

    monkeypatch.setattr(ingestion, "_meter_states", states)
    assert store(readings(heat_meter, (at(5, 12), 125.0))) == (1, 0)
    assert Reading.objects.get(meter=heat_meter, ts=at(5, 12)).delta == 15.0
    assert hourly(heat_meter) == {at(5, 10): 10.0, at(5, 11): 15.0}
    heat_meter.refresh_from_db()
    assert (heat_meter.last_ts, heat_meter.last_value) == (at(5, 12), 125.0)
