"""A series stored in many batches ends up as if stored in one."""

from __future__ import annotations

import datetime as dt
import gc

import pytest

from distretto.energy.ingestion import ingest, store
from distretto.energy.models import DailyRollup, HourlyRollup, MonthlyRollup, Reading
from distretto.energy.tests.conftest import at, make_meter

pytestmark = pytest.mark.django_db

# Quarter-hour readings from 21:00 UTC on 31 January to 01:00 on 1 February: local
# midnight (23:00 UTC) starts a new day and a new month in the middle.
QUARTERS = [
    (at(31, 21) + dt.timedelta(minutes=15 * n), 100.0 + 2.5 * n + (n % 3)) for n in range(17)
]


def rollups(meter) -> list[tuple]:
    """Every rollup row of the meter: (table, bucket, consumption, samples)."""
    return [
        (model.__name__, row.bucket, round(row.consumption, 6), row.samples)
        for model in (HourlyRollup, DailyRollup, MonthlyRollup)
        for row in model.objects.filter(meter=meter).order_by("bucket")
    ]


def test_batches_that_continue_a_series_add_to_the_buckets_they_share(site, flat):
    whole = make_meter(site, flat, external_id="WHOLE")
    pieces = make_meter(site, flat, external_id="PIECES")
    store([(whole.pk, ts, value) for ts, value in QUARTERS])
    # Each batch starts within the hour, day and month of the previous batch's last
    # reading, whose rollup rows it adds to; the later buckets are new rows.
    for first, last in ((0, 6), (6, 10), (10, 15), (15, 17)):
        store([(pieces.pk, ts, value) for ts, value in QUARTERS[first:last]])
    assert rollups(pieces) == rollups(whole)
    # 22:00-23:00 UTC: 111 -> 114.5 -> 115 -> 118.5 -> 122 (at 23:00), 11 in 4 readings.
    assert ("HourlyRollup", at(31, 22), 11.0, 4) in rollups(whole)
    assert Reading.objects.filter(meter=pieces).count() == len(QUARTERS)


def test_ingest_leaves_the_garbage_collector_as_it_found_it(heat_meter):
    item = {"meter": heat_meter.external_id, "ts": "2026-01-05T10:00:00Z", "value": 1}
    assert gc.isenabled()
    ingest([item], site_ids=None)
    assert gc.isenabled()
    gc.disable()
    try:
        ingest([item | {"ts": "2026-01-05T11:00:00Z"}], site_ids=None)
        assert not gc.isenabled()
    finally:
        gc.enable()
