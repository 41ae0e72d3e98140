"""Consumption queries, degree-day normalisation, load profile and co-generation balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from distretto.energy import services
from distretto.energy.ingestion import store
from distretto.energy.tests.conftest import make_meter
from distretto.testing import error_of

pytestmark = pytest.mark.django_db

UTC = dt.UTC
DAY = dt.date(2026, 1, 5)


def hourly_counter(meter, per_hour: list[float], start_value: float = 0.0) -> None:
    start = services.as_local_datetime(DAY)
    rows, value = [(meter.pk, start, start_value)], start_value
    for hour, amount in enumerate(per_hour, start=1):
        value += amount
        rows.append((meter.pk, start + dt.timedelta(hours=hour), value))
    store(rows)


@pytest.fixture
def plant(site):
    """A day of a co-generation plant: 10 h at 20 kWe and 40 kWt, a boiler, the grid."""
    meters = {
        "chp_el": make_meter(site, kind="chp_electric", role="generator", external_id="CHPE"),
        "chp_th": make_meter(site, kind="chp_thermal", role="generator", external_id="CHPT"),
        "boiler": make_meter(site, kind="heat", role="generator", external_id="BOIL"),
        "gas": make_meter(
            site, kind="fuel", external_id="GAS", unit_of_measure="Sm3", calorific_value=10
        ),
        "import": make_meter(site, kind="electricity", role="grid_import", external_id="IMP"),
        "export": make_meter(site, kind="electricity", role="grid_export", external_id="EXP"),
    }
    hourly_counter(meters["chp_el"], [20.0] * 10)  # 200 kWh
    hourly_counter(meters["chp_th"], [40.0] * 10)  # 400 kWh
    hourly_counter(meters["boiler"], [30.0] * 10)  # 300 kWh
    hourly_counter(meters["gas"], [11.0] * 10)  # 110 Sm³ = 1100 kWh
    hourly_counter(meters["export"], [5.0] * 10)  # 50 kWh
    hourly_counter(meters["import"], [15.0] * 10)  # 150 kWh
    return meters


def test_cogeneration_balance(site, plant):
    balance = services.cogeneration_balance(site, DAY, DAY + dt.timedelta(days=1))
    electricity = balance["electricity"]
    # Produced 200, exported 50: 150 self-consumed; consumption 150 + 150 imported = 300.
    assert electricity["self_consumed_kwh"] == 150.0
    assert electricity["consumption_kwh"] == 300.0
    assert electricity["self_consumption_ratio"] == 0.75  # 150 / 200
    assert electricity["self_sufficiency_ratio"] == 0.5  # 150 / 300
    assert balance["heat"] == {"chp_kwh": 400.0, "boiler_kwh": 300.0, "produced_kwh": 700.0}
    assert balance["fuel_kwh"] == 1100.0
    assert balance["overall_efficiency"] == 0.8182  # (200 + 400 + 300) / 1100


def test_load_profile_and_peak(site, shop):
    meter = make_meter(site, shop, kind="electricity", external_id="EL1")
    hourly_counter(meter, [1.0] * 9 + [4.5] + [2.0] * 14)
    profile = services.load_profile(site, DAY, DAY + dt.timedelta(days=1))
    assert profile["peak"]["kw"] == 4.5
    assert profile["peak"]["at"].startswith("2026-01-05T09:00")
    assert profile["profile"][0]["average"] == 1.0


def test_ranking_normalised_by_area_and_degree_days(site, flat, shop):
    services.record_weather(site, [(DAY, 5.0)])  # 15 degree days
    hourly_counter(make_meter(site, flat, kind="heat", external_id="H1"), [10.0] * 12)
    hourly_counter(make_meter(site, shop, kind="heat", external_id="H2"), [10.0] * 12)
    ranking = services.normalised_ranking(site, DAY, DAY + dt.timedelta(days=1))
    assert ranking["degree_days"] == 15.0
    first, second = ranking["units"]
    # 120 kWh each: the shop's 60 m² use more per m² than the flat's 80 m².
    assert (first["name"], first["per_m2"], first["per_degree_day"]) == ("Negozio A", 2.0, 8.0)
    assert (second["name"], second["per_m2"]) == ("Interno 1", 1.5)


def test_site_consumption_api_by_unit_and_month(actors, api_as, site, flat, hca):
    hourly_counter(hca, [2.0] * 5, start_value=100.0)
    response = api_as(actors.energy_manager).get(
        f"energy/sites/{site.pk}/consumption",
        {"from": "2026-01-01", "to": "2026-02-01", "granularity": "month", "by": "unit"},
    )
    assert response.status_code == 200
    [series] = response.json()["series"]
    # 10 allocator units weighted by K = 1.2 × 0.9.
    assert (series["label"], series["kind"]) == ("Interno 1", "hca")
    assert series["points"] == [{"t": "2026-01-01", "value": 10.8}]
    assert services.meter_consumption([hca], DAY, DAY + dt.timedelta(days=1)) == {
        hca.pk: Decimal("10.000")
    }


def test_bad_query_parameters_are_422(actors, api_as, site):
    api = api_as(actors.energy_manager)
    for params, field in (
        ({"granularity": "week"}, "granularity"),
        ({"by": "floor"}, "by"),
        ({"from": "ieri"}, "from"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"kind": "gas"}, "kind"),
    ):
        response = api.get(f"energy/sites/{site.pk}/consumption", params)
        assert response.status_code == 422, params
        assert error_of(response)["field"] == field


def test_cogeneration_api(actors, api_as, site, plant):
    body = (
        api_as(actors.energy_manager)
        .get(f"energy/sites/{site.pk}/cogeneration", {"from": "2026-01-05", "to": "2026-01-06"})
        .json()
    )
    assert body["electricity"]["self_consumption_ratio"] == 0.75
