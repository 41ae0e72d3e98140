"""The assembly method of D.Lgs. 102/2014 art. 9 c.5 d) as amended by D.Lgs. 73/2020:
at least 50% by measured consumption, the rest by a key the assembly chooses.

The worked example, "Palazzo Sannio": four flats with unit heat meters, fuel
10,000.00 €, 60% by consumption and 40% by m² of floor area.

    flat  m²   kWh    consumption part           fixed part (by m²)
    A     100  4000   6000 × 4000/10000 = 2400   4000 × 100/280 = 1428.5714…
    B      80  3000   6000 × 3000/10000 = 1800   4000 ×  80/280 = 1142.8571…
    C      60  2000   6000 × 2000/10000 = 1200   4000 ×  60/280 =  857.1428…
    D      40  1000   6000 × 1000/10000 =  600   4000 ×  40/280 =  571.4285…

Totals exact: 3828.5714…, 2942.8571…, 2057.1428…, 1171.4285…; in cents the floors
382857 + 294285 + 205714 + 117142 = 999998: the two cents left go to the largest
remainders, D (.857…) and B (.714…) → 3828.57, 2942.86, 2057.14, 1171.43 (10,000.00).
Each total is then cut into its parts within a cent of the exact ones: the consumption
parts are whole euros, so the fixed parts are 1428.57, 1142.86, 857.14, 571.43.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from distretto.energy import ingestion
from distretto.energy.allocation import (
    AllocationInput,
    AllocationInputError,
    UnitInput,
    allocate,
)
from distretto.energy.models import HeatEmitter, Meter, Site, Unit
from distretto.testing import ApiClient, error_of

FLATS = {"A": ("100", 4000), "B": ("80", 3000), "C": ("60", 2000), "D": ("40", 1000)}
EXPECTED_TOTALS = {"A": "3828.57", "B": "2942.86", "C": "2057.14", "D": "1171.43"}
EXPECTED_FIXED = {"A": "1428.57", "B": "1142.86", "C": "857.14", "D": "571.43"}
EXPECTED_CONSUMPTION = {"A": "2400.00", "B": "1800.00", "C": "1200.00", "D": "600.00"}
ASSEMBLY_BY_AREA = {
    "involuntary_method": "assembly",
    "voluntary_share": "0.60",
    "fixed_key": "area_m2",
    "measure": "heat_meters",
}
SEASON = {"period_start": "2025-10-15", "period_end": "2026-04-15", "fuel_cost": "10000.00"}


def pure_units(**changes) -> list[UnitInput]:
    units = []
    for index, (name, (area, kwh)) in enumerate(FLATS.items(), start=1):
        fields = {"area_m2": D(area), "heat_kwh": D(kwh), "millesimi_property": D("250")}
        units.append(UnitInput(index, name, D("250"), **(fields | changes.get(name, {}))))
    return units


class TestPure:
    def test_sixty_percent_by_consumption_forty_by_area_to_the_cent(self):
        result = allocate(
            AllocationInput(
                units=pure_units(),
                fuel_cost=D("10000.00"),
                involuntary_method="assembly",
                voluntary_share=D("0.60"),
                fixed_key="area_m2",
            )
        )
        names = [s.name for s in result.statements]
        assert dict(zip(names, (str(s.total) for s in result.statements), strict=True)) == (
            EXPECTED_TOTALS
        )
        assert {s.name: str(s.components["fuel_involuntary"]) for s in result.statements} == (
            EXPECTED_FIXED
        )
        assert {s.name: str(s.components["fuel_voluntary"]) for s in result.statements} == (
            EXPECTED_CONSUMPTION
        )
        assert result.involuntary_share == D("0.400000")
        assert result.total == D("10000.00")

    @pytest.mark.parametrize(
        "key, attribute",
        [
            ("volume_m3", "volume_m3"),
            ("installed_power", "rated_power_w"),
            ("property_thousandths", "millesimi_property"),
        ],
    )
    def test_every_key_splits_the_fixed_part_by_its_own_figure(self, key, attribute):
        # The figures of each key in the proportions of the areas give the same split.
        units = pure_units(
            **{name: {attribute: D(area) * 3} for name, (area, _kwh) in FLATS.items()}
        )
        result = allocate(
            AllocationInput(
                units=units,
                fuel_cost=D("10000.00"),
                involuntary_method="assembly",
                voluntary_share=D("0.60"),
                fixed_key=key,
            )
        )
        assert {s.name: str(s.total) for s in result.statements} == EXPECTED_TOTALS

    def test_the_old_seventy_percent_rule_is_refused_for_a_season_after_july_2020(self):
        with pytest.raises(AllocationInputError) as refused:
            allocate(
                AllocationInput(
                    units=pure_units(),
                    fuel_cost=D("100.00"),
                    involuntary_method="compensation",
                    voluntary_share=D("0.70"),
                    requirement_difference=D("0.6"),
                    period_end=dt.date(2020, 7, 29),
                )
            )
        assert refused.value.field == "involuntary_method"

    def test_the_old_rule_still_computes_a_season_that_ended_before_july_2020(self):
        result = allocate(
            AllocationInput(
                units=pure_units(),
                fuel_cost=D("10000.00"),
                involuntary_method="compensation",
                voluntary_share=D("0.70"),
                requirement_difference=D("0.6"),
                period_end=dt.date(2020, 7, 28),
            )
        )
        # 30% by heat thousandths (all 250): 750.00 each; 70% by kWh: 2800/2100/1400/700.
        assert [str(s.total) for s in result.statements] == [
            "3550.00",
            "2850.00",
            "2150.00",
            "1450.00",
        ]


# --- Over the API ---------------------------------------------------------------------------


@pytest.fixture
def sannio(actors) -> Site:
    return Site.objects.create(district=actors.district, name="Palazzo Sannio")


@pytest.fixture
def flats(sannio, actors) -> dict[str, Unit]:
    units = {}
    for name, (area, kwh) in FLATS.items():
        unit = Unit.objects.create(
            site=sannio,
            name=name,
            area_m2=D(area),
            millesimi_heat=D("250"),
            millesimi_property=D("250"),
            occupant=actors.cardholder if name == "A" else None,
        )
        meter = Meter.objects.create(
            site=sannio,
            unit=unit,
            kind=Meter.Kind.HEAT,
            external_id=f"H-{name}",
            reading_type=Meter.ReadingType.INTERVAL,
        )
        ingestion.store([(meter.pk, dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC), kwh)])
        units[name] = unit
    return units


@pytest.fixture
def manager_api(actors) -> ApiClient:
    return ApiClient(actors.manager)


def allocations(site: Site) -> str:
    return f"energy/sites/{site.pk}/allocations"


def test_the_assembly_split_by_area_over_the_api_to_the_cent(sannio, flats, manager_api):
    response = manager_api.post(allocations(sannio), {**SEASON, "options": ASSEMBLY_BY_AREA})
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["involuntary_method"] == "assembly"
    assert answer["fixed_key"] == "area_m2"
    assert answer["involuntary_kwh"] is None  # the fixed part is a key, not heat lost
    rows = {row["name"]: row for row in answer["units"]}
    assert {name: row["total"] for name, row in rows.items()} == EXPECTED_TOTALS
    assert {n: r["components"]["fuel_involuntary"] for n, r in rows.items()} == EXPECTED_FIXED
    assert answer["totals"]["total"] == "10000.00"


def test_installed_power_sums_the_radiators_of_each_unit(sannio, flats, manager_api):
    # Heat emitters in the proportions of the areas (A 100 m² → 2 × 1,000 W, ...).
    for name, (area, _kwh) in FLATS.items():
        for _ in range(2):
            HeatEmitter.objects.create(unit=flats[name], rated_power_w=D(area) * 10)
    options = {**ASSEMBLY_BY_AREA, "fixed_key": "installed_power"}
    answer = manager_api.post(allocations(sannio), {**SEASON, "options": options}).json()
    assert {row["name"]: row["total"] for row in answer["units"]} == EXPECTED_TOTALS


@pytest.mark.parametrize(
    "change, field",
    [
        ({"voluntary_share": "0.4"}, "voluntary_share"),
        ({"voluntary_share": "0.49"}, "voluntary_share"),
        ({"voluntary_share": None}, "voluntary_share"),
        ({"fixed_key": "by_mood"}, "fixed_key"),
        ({"fixed_key": None}, "fixed_key"),
    ],
)
def test_refusals_name_the_field_and_store_nothing(sannio, flats, manager_api, change, field):
    options = {k: v for k, v in (ASSEMBLY_BY_AREA | change).items() if v is not None}
    response = manager_api.post(allocations(sannio), {**SEASON, "options": options})
    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert sannio.allocation_runs.count() == 0


def test_a_key_missing_for_some_units_names_the_field_and_the_units(sannio, flats, manager_api):
    Unit.objects.filter(pk__in=[flats["A"].pk, flats["B"].pk]).update(volume_m3=D("300"))
    options = {**ASSEMBLY_BY_AREA, "fixed_key": "volume_m3"}
    response = manager_api.post(allocations(sannio), {**SEASON, "options": options})
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "volume_m3"
    assert "C, D" in error["message"] and "A" not in error["message"].split(":")[-1]


def test_installed_power_is_missing_where_an_allocator_has_no_rating(sannio, flats, manager_api):
    for name in FLATS:
        HeatEmitter.objects.create(unit=flats[name], rated_power_w=D("1500"))
    Meter.objects.create(site=sannio, unit=flats["B"], kind=Meter.Kind.HCA, external_id="B-HCA")
    options = {**ASSEMBLY_BY_AREA, "fixed_key": "installed_power"}
    response = manager_api.post(allocations(sannio), {**SEASON, "options": options})
    assert response.status_code == 422
    assert error_of(response)["field"] == "rated_power_w"
    assert error_of(response)["message"].endswith("missing for: B.")


def test_the_historical_rule_is_refused_for_this_season(sannio, flats, manager_api):
    options = {
        "involuntary_method": "compensation",
        "voluntary_share": "0.70",
        "requirement_difference": "0.62",
        "measure": "heat_meters",
    }
    response = manager_api.post(allocations(sannio), {**SEASON, "options": options})
    assert response.status_code == 422
    assert error_of(response)["field"] == "involuntary_method"
    assert "29" in error_of(response)["message"]


def test_the_registry_api_keeps_volume_and_rated_power(sannio, flats, manager_api):
    unit = manager_api.patch(f"energy/units/{flats['A'].pk}", {"volume_m3": "270.50"})
    assert unit.status_code == 200, unit.content
    assert unit.json()["volume_m3"] == "270.50"
    meter = manager_api.post(
        "energy/meters",
        {
            "site": sannio.pk,
            "unit": flats["A"].pk,
            "kind": "hca",
            "external_id": "A-HCA",
            "rated_power_w": "1450.5",
        },
    )
    assert meter.status_code == 201, meter.content
    patched = manager_api.patch(f"energy/meters/{meter.json()['id']}", {"rated_power_w": "1500"})
    assert D(patched.json()["rated_power_w"]) == D("1500")
    assert Meter.objects.get(external_id="A-HCA").rated_power_w == D("1500.0")
    negative = manager_api.patch(f"energy/units/{flats['A'].pk}", {"volume_m3": "-1"})
    assert negative.status_code == 422 and error_of(negative)["field"] == "volume_m3"
