"""Allocators' set (billing) dates: a heating season across the annual reset, with
readings missing around it, counted once.

A qcaloric allocator restarts its current counter when its set date (31 December)
ends and reports the counter at that date (``consumption_at_set_date_hca``). The
season below runs from 15 October to 15 April; nothing is read between
15 November and 20 January.
"""

from __future__ import annotations

import datetime as dt

import pytest

from distretto.energy.ingestion import ingest
from distretto.energy.models import Reading
from distretto.energy.services import meter_consumption

from .conftest import make_meter

pytestmark = pytest.mark.django_db

SEASON = (dt.date(2025, 10, 15), dt.date(2026, 4, 15))


def telegram(when: str, current: float, set_date: str, at_set_date: float) -> dict:
    return {
        "media": "heat cost allocation",
        "meter": "qcaloric",
        "id": "55550001",
        "status": "OK",
        "current_consumption_hca": current,
        "set_date": set_date,
        "consumption_at_set_date_hca": at_set_date,
        "timestamp": when,
    }


def season_of(meter) -> float:
    # Gaps spread over local days count the days of the clock changes (26 October,
    # 29 March) as 24 hours (see the report): within 0.1 of the exact figure.
    return pytest.approx(float(meter_consumption([meter], *SEASON)[meter.pk]), abs=0.1)


def test_season_across_the_reset_with_gaps(site, flat):
    meter = make_meter(site, flat, kind="hca", external_id="55550001")
    readings = [
        telegram("2025-10-15T00:00:00+02:00", 500, "2024-12-31", 1200),
        telegram("2025-11-15T00:00:00+01:00", 600, "2024-12-31", 1200),
        # The reset at the end of 31 December: 750 then, 80 since.
        telegram("2026-01-20T00:00:00+01:00", 80, "2025-12-31", 750),
        telegram("2026-02-20T00:00:00+01:00", 200, "2025-12-31", 750),
        telegram("2026-04-15T00:00:00+02:00", 300, "2025-12-31", 750),
    ]
    assert ingest(readings, site_ids=[site.pk]).accepted == 5
    # 100 to mid-November, 150 to the reset and 80 after it, 120, 100.
    assert season_of(meter) == 550
    # The 150 before the reset fall between 15 November and 1 January (47 days, 31 of
    # them in December), the 80 after it in January, with 12 of the 31 days of the
    # next 120.
    december = meter_consumption([meter], dt.date(2025, 12, 1), dt.date(2026, 1, 1))[meter.pk]
    january = meter_consumption([meter], dt.date(2026, 1, 1), dt.date(2026, 2, 1))[meter.pk]
    assert float(december) == pytest.approx(150 * 31 / 47, abs=0.01)
    assert float(january) == pytest.approx(80 + 120 * 12 / 31, abs=0.01)
    crossing = Reading.objects.get(meter=meter, value=80)
    assert crossing.delta == 230
    assert crossing.set_value == 750

    # The same telegrams again change nothing; a reading found late in the gap
    # (20 December, still before the reset) moves nothing between the months twice.
    again = ingest(readings, site_ids=[site.pk])
    assert again.duplicates == 5
    late = telegram("2025-12-20T00:00:00+01:00", 700, "2024-12-31", 1200)
    assert ingest([late], site_ids=[site.pk]).accepted == 1
    assert season_of(meter) == 550
    crossing.refresh_from_db()
    assert crossing.delta == 50 + 80


def test_counter_above_the_old_value_after_the_reset(site, flat):
    """Without the set date, 600 → 700 would look like 100; it is 150 + 700."""
    meter = make_meter(site, flat, kind="hca", external_id="55550001")
    ingest(
        [
            telegram("2025-11-15T00:00:00+01:00", 600, "2024-12-31", 1200),
            telegram("2026-03-01T00:00:00+01:00", 700, "2025-12-31", 750),
        ],
        site_ids=[site.pk],
    )
    assert Reading.objects.get(meter=meter, value=700).delta == 850
    after_november = meter_consumption([meter], dt.date(2025, 11, 15), dt.date(2026, 4, 15))
    assert float(after_november[meter.pk]) == pytest.approx(850, abs=0.1)


def test_without_set_date_a_drop_is_still_a_reset(site, flat):
    meter = make_meter(site, flat, kind="hca", external_id="55550001")
    plain = [
        {"meter": "55550001", "ts": "2025-11-15T00:00:00+01:00", "value": 600},
        {"meter": "55550001", "ts": "2026-01-20T00:00:00+01:00", "value": 80},
    ]
    ingest(plain, site_ids=[site.pk])
    assert season_of(meter) == 80
