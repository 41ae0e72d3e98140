"""Allocation runs over the database and the API: POST /api/v1/energy/sites/{id}/allocations.

The cast: "Residenza Tigli", a complex of three flats with radiator allocators in the
actors' district. Flat A (the cardholder lives there) has two radiators, B one, C's
allocator sent nothing this season. The numbers are those of the pure worked example
``test_allocators_compensation_and_an_estimated_unit``:

    A: 100 u × KQ 1.2 × KC 1.0 + 50 u × 0.8 × 1.0 = 160      thousandths 400
    B: 200 u × 1.0 × 0.9                        = 180      thousandths 350
    C: no data → estimated 340 / 750 × 250      = 113.333  thousandths 250

Fuel 3,000.00 € with 70% by consumption → A 1,101.18, B 1,148.82, C 750.00.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from distretto.core.errors import Conflict
from distretto.energy import allocation_services, ingestion
from distretto.energy.allocation_models import AllocationRun
from distretto.energy.models import Meter, Site, Unit
from distretto.energy.services import meter_consumption
from distretto.testing import ApiClient, error_of

SEASON = {"period_start": "2025-10-15", "period_end": "2026-04-15"}
MID_SEASON = dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)
# The assembly's split (D.Lgs. 73/2020): 70% by consumption, 30% by heat thousandths,
# the same figures as the old compensation rule of the pure worked example.
COMPENSATION = {
    "involuntary_method": "assembly",
    "voluntary_share": "0.70",
    "fixed_key": "heat_thousandths",
}


def allocator(unit: Unit, external_id: str, kq: str, kc: str) -> Meter:
    return Meter.objects.create(
        site=unit.site,
        unit=unit,
        kind=Meter.Kind.HCA,
        external_id=external_id,
        kq=D(kq),
        kc=D(kc),
        reading_type=Meter.ReadingType.INTERVAL,
        unit_of_measure="HCA",
    )


def consume(meter: Meter, amount: float, at: dt.datetime = MID_SEASON) -> None:
    """An interval reading: ``amount`` consumed in the hour starting at ``at``."""
    ingestion.store([(meter.pk, at, amount)])


@pytest.fixture
def tigli(actors) -> Site:
    return Site.objects.create(district=actors.district, name="Residenza Tigli")


@pytest.fixture
def flats(tigli, actors) -> dict[str, Unit]:
    units = {
        "A": Unit.objects.create(
            site=tigli,
            name="A",
            millesimi_heat=D("400"),
            millesimi_property=D("400"),
            occupant=actors.cardholder,
        ),
        "B": Unit.objects.create(
            site=tigli, name="B", millesimi_heat=D("350"), millesimi_property=D("350")
        ),
        "C": Unit.objects.create(
            site=tigli, name="C", millesimi_heat=D("250"), millesimi_property=D("250")
        ),
    }
    consume(allocator(units["A"], "A-1", "1.2", "1.0"), 100)
    consume(allocator(units["A"], "A-2", "0.8", "1.0"), 50)
    consume(allocator(units["B"], "B-1", "1.0", "0.9"), 200)
    allocator(units["C"], "C-1", "1.0", "1.0")  # silent all season
    return units


@pytest.fixture
def manager_api(actors) -> ApiClient:
    return ApiClient(actors.manager)


@pytest.fixture
def resident_api(actors) -> ApiClient:
    return ApiClient(actors.cardholder)


def url(site: Site, rest: str = "") -> str:
    return f"energy/sites/{site.pk}/allocations{rest}"


def season_request(**changes) -> dict:
    body = {**SEASON, "fuel_cost": "3000.00", "options": COMPENSATION}
    body.update(changes)
    return body


def by_name(answer: dict) -> dict[str, dict]:
    return {row["name"]: row for row in answer["units"]}


@pytest.fixture
def run(tigli, flats, manager_api) -> dict:
    response = manager_api.post(url(tigli), season_request())
    assert response.status_code == 201, response.content
    return response.json()


class TestCreating:
    def test_manager_allocates_a_season_and_gets_every_unit_breakdown(self, run):
        units = by_name(run)
        assert {name: row["total"] for name, row in units.items()} == {
            "A": "1101.18",
            "B": "1148.82",
            "C": "750.00",
        }
        assert units["A"]["voluntary_quantity"] == "160.000"
        assert units["C"]["estimated"] is True
        assert units["C"]["estimate_method"] == "average_per_thousandth"
        assert units["A"]["estimated"] is False
        # 30% of 3,000.00 by thousandths 400/350/250 → 360.00 / 315.00 / 225.00
        assert [units[n]["components"]["fuel_involuntary"] for n in "ABC"] == [
            "360.00",
            "315.00",
            "225.00",
        ]
        assert run["status"] == "draft"
        assert run["measure"] == "allocators"
        assert run["totals"] == {
            "components": {"fuel_involuntary": "900.00", "fuel_voluntary": "2100.00"},
            "total": "3000.00",
            "units": 3,
            "estimated_units": 1,
        }

    def test_other_costs_are_split_each_by_its_key(self, tigli, flats, manager_api):
        body = season_request(
            costs=[
                {
                    "name": "maintenance",
                    "label": "Manutenzione",
                    "amount": "300.00",
                    "key": "property_thousandths",
                },
                {"name": "reading", "amount": "90.00", "key": "per_unit"},
            ]
        )
        answer = manager_api.post(url(tigli), body).json()
        units = by_name(answer)
        # 300.00 by 400/350/250 → 120.00 / 105.00 / 75.00; 90.00 / 3 = 30.00 each
        assert [units[n]["components"]["maintenance"] for n in "ABC"] == [
            "120.00",
            "105.00",
            "75.00",
        ]
        assert {units[n]["components"]["reading"] for n in "ABC"} == {"30.00"}
        assert answer["totals"]["total"] == "3390.00"
        assert sum(D(row["total"]) for row in answer["units"]) == D("3390.00")

    def test_the_energy_manager_of_the_district_may_allocate(self, tigli, flats, actors):
        response = ApiClient(actors.energy_manager).post(url(tigli), season_request())
        assert response.status_code == 201

    def test_units_named_by_the_administrator_are_estimated(self, tigli, flats, manager_api):
        # B's allocator was tampered with: estimated like C at A's 160 / 400 = 0.4 a
        # thousandth → B 140, C 100.
        options = {**COMPENSATION, "estimated_units": [flats["B"].pk]}
        answer = manager_api.post(url(tigli), season_request(options=options)).json()
        units = by_name(answer)
        assert units["B"]["estimated"] and units["C"]["estimated"]
        assert (units["B"]["voluntary_quantity"], units["C"]["voluntary_quantity"]) == (
            "140.000",
            "100.000",
        )

    def test_a_unit_with_one_silent_radiator_is_estimated_as_a_whole(
        self, tigli, flats, manager_api
    ):
        # A third radiator in A sent nothing: A's reading is incomplete, so A is
        # estimated like C, at B's 180 / 350 per thousandth → A 205.714.
        allocator(flats["A"], "A-3", "1.0", "1.0")
        units = by_name(manager_api.post(url(tigli), season_request()).json())
        assert units["A"]["estimated"]
        assert units["A"]["voluntary_quantity"] == "205.714"

    def test_allocators_out_of_service_in_the_period_do_not_count(self, tigli, flats, manager_api):
        # A-3 was taken off before the season and A-4 put on after it: A is measured.
        removed = allocator(flats["A"], "A-3", "1.0", "1.0")
        removed.removed_at = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
        removed.save()
        later = allocator(flats["A"], "A-4", "1.0", "1.0")
        later.installed_at = dt.datetime(2026, 5, 2, tzinfo=dt.UTC)
        later.save()
        units = by_name(manager_api.post(url(tigli), season_request()).json())
        assert not units["A"]["estimated"]
        assert units["A"]["voluntary_quantity"] == "160.000"

    def test_a_replaced_allocator_counts_for_its_replacement(self, tigli, flats, manager_api):
        # B's allocator was swapped in March: 200 u on the old one, 50 u on the new one,
        # (200 + 50) × 1.0 × 0.9 = 225.
        old = Meter.objects.get(external_id="B-1")
        new = allocator(flats["B"], "B-1b", "1.0", "0.9")
        old.replaced_by = new
        old.save()
        consume(new, 50, MID_SEASON.replace(month=3))
        units = by_name(manager_api.post(url(tigli), season_request()).json())
        assert units["B"]["voluntary_quantity"] == "225.000"
        assert not units["B"]["estimated"]

    def test_the_site_wide_read_gives_the_same_figures_as_meter_consumption(self, tigli, flats):
        # The allocation reads a site's rollups in one pass (for speed, see
        # site_meter_consumption); it must agree with services.meter_consumption on the
        # current meters: replacement chains, silent meters, hours at the period's edges
        # and month and day pieces of the period alike.
        b1 = Meter.objects.get(external_id="B-1")
        b2 = allocator(flats["B"], "B-1b", "1.0", "0.9")
        b3 = allocator(flats["B"], "B-1c", "1.0", "0.9")
        b1.replaced_by, b2.replaced_by = b2, b3
        b1.save()
        b2.save()
        consume(b2, 30, MID_SEASON.replace(month=2, day=27, hour=22))
        consume(b3, 7.25, dt.datetime(2026, 3, 1, 23, tzinfo=dt.UTC))
        a1 = Meter.objects.get(external_id="A-1")
        consume(a1, 4.5, dt.datetime(2025, 10, 14, 22, tzinfo=dt.UTC))  # 15 Oct, local 00:00
        consume(a1, 1.5, dt.datetime(2025, 10, 14, 21, tzinfo=dt.UTC))  # 14 Oct, local 23:00
        shared = Meter.objects.create(site=tigli, kind=Meter.Kind.HCA, external_id="S-1")
        consume(shared, 9)
        heat = Meter.objects.create(site=tigli, unit=flats["A"], kind="heat", external_id="H-A")
        consume(heat, 500)

        current = Meter.objects.filter(site=tigli, kind="hca", replaced_by__isnull=True)
        periods = [
            (dt.date(2025, 10, 15), dt.date(2026, 4, 16)),
            (dt.date(2026, 1, 10), dt.date(2026, 1, 11)),
            (dt.date(2026, 2, 27), dt.date(2026, 3, 3)),
            (dt.date(2025, 10, 14), dt.date(2025, 10, 15)),
        ]
        for start, after in periods:
            wide = allocation_services.site_meter_consumption(tigli, "hca", start, after)
            exact = meter_consumption(current, start, after)
            assert {pk: wide[pk] for pk in exact} == exact
            assert not set(wide) & set(current.values_list("pk", flat=True)) - set(exact)
        season = allocation_services.site_meter_consumption(
            tigli, "hca", dt.date(2025, 10, 15), dt.date(2026, 4, 16)
        )
        assert season[b3.pk] == D("237.250")  # 200 + 30 + 7.25 through the chain
        assert season[a1.pk] == D("104.500")

    def test_heat_meters_with_a_generator_meter_measure_the_network_losses(
        self, tigli, flats, manager_api
    ):
        # Heat meters on A and B (3,000 and 1,000 kWh), C estimated at 4,000 / 750 × 250
        # = 1,333.333; generator 6,000 kWh → losses 6,000 − 5,333.333 = 666.667 kWh.
        for unit, kwh in ((flats["A"], 3000), (flats["B"], 1000)):
            meter = Meter.objects.create(
                site=tigli,
                unit=unit,
                kind="heat",
                external_id=f"H-{unit.name}",
                reading_type="interval",
            )
            consume(meter, kwh)
        # The boiler delivered 4,500 kWh and the co-generation unit 1,500 kWh.
        boiler = Meter.objects.create(
            site=tigli, kind="heat", role="generator", external_id="GEN", reading_type="interval"
        )
        consume(boiler, 4500)
        chp = Meter.objects.create(
            site=tigli,
            kind="chp_thermal",
            role="generator",
            external_id="CHP",
            reading_type="interval",
        )
        consume(chp, 1500)
        body = season_request(
            fuel_cost="600.00", options={"measure": "heat_meters", "involuntary_method": "measured"}
        )
        answer = manager_api.post(url(tigli), body).json()
        assert answer["measure"] == "heat_meters"
        assert answer["involuntary_kwh"] == "666.667"
        # 600.00 × 666.667 / 6,000 = 66.67 involuntary; A: 26.67 + 533.33 × 3,000/5,333.333
        assert answer["totals"]["components"]["fuel_involuntary"] == "66.67"
        assert by_name(answer)["A"]["total"] == "326.67"


class TestInputErrors:
    def test_thousandths_that_do_not_sum_to_1000_are_422_naming_them(
        self, tigli, flats, manager_api
    ):
        Unit.objects.filter(pk=flats["C"].pk).update(millesimi_heat=D("240"))
        response = manager_api.post(url(tigli), season_request())
        assert response.status_code == 422
        error = error_of(response)
        assert error["field"] == "millesimi_heat"
        assert "990" in error["message"]

    def test_a_unit_without_thousandths_is_422_naming_it(self, tigli, flats, manager_api):
        Unit.objects.create(site=tigli, name="D")  # no heat-requirement key
        error = error_of(manager_api.post(url(tigli), season_request()))
        assert error["field"] == "millesimi_heat"
        assert "D" in error["message"]

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"fuel_cost": "-1.00"}, "fuel_cost"),
            ({"costs": [{"name": "pumps", "amount": "-5.00", "key": "per_unit"}]}, "costs"),
            ({"costs": [{"name": "pumps", "amount": "5.00", "key": "by_mood"}]}, "costs"),
            ({"costs": [{"name": "Pumps!", "amount": "5.00", "key": "per_unit"}]}, "costs.name"),
            ({"fuel_cost": "1.001"}, "fuel_cost"),
            ({"period_end": "2025-10-01"}, "period_end"),
            ({"options": {"involuntary_method": "share"}}, "involuntary_share"),
            ({"options": {**COMPENSATION, "voluntary_share": "0.4"}}, "voluntary_share"),
            ({"options": {"involuntary_method": "measured"}}, "generator_heat_kwh"),
            ({"options": {"measure": "guesswork"}}, "measure"),
            ({"options": {**COMPENSATION, "estimated_units": [999999]}}, "options.estimated_units"),
            ({"period_start": "0001-01-01"}, "period_start"),
            ({"period_end": "9999-12-31"}, "period_end"),
            (
                {
                    "fuel_cost": "9999999999.99",
                    "costs": [{"name": "x", "amount": "1.00", "key": "per_unit"}],
                },
                "costs",
            ),
            ({"options": {**COMPENSATION, "degree_days": "-5"}}, "options.degree_days"),
            (
                {"options": {"involuntary_method": "measured", "generator_heat_kwh": "1e30"}},
                "options.generator_heat_kwh",
            ),
            ({"options": {"involuntary_share": "NaN"}}, "options.involuntary_share"),
        ],
    )
    def test_missing_or_wrong_input_is_422_naming_the_field(
        self, tigli, flats, manager_api, change, field
    ):
        response = manager_api.post(url(tigli), season_request(**change))
        assert response.status_code == 422, response.content
        assert error_of(response)["field"] == field
        assert not AllocationRun.objects.exists()

    def test_estimating_from_last_season_without_degree_days_is_422(
        self, tigli, flats, manager_api
    ):
        # C read 100 u last season: the estimate needs both seasons' degree days.
        consume(Meter.objects.get(external_id="C-1"), 100, MID_SEASON.replace(year=2025))
        options = {**COMPENSATION, "estimate_method": "previous_season"}
        error = error_of(manager_api.post(url(tigli), season_request(options=options)))
        assert error["field"] == "degree_days"


class TestScoping:
    def test_a_manager_of_another_district_gets_404(self, tigli, flats, actors):
        response = ApiClient(actors.outsider).post(url(tigli), season_request())
        assert response.status_code == 404

    def test_a_resident_cannot_allocate(self, tigli, flats, resident_api):
        assert resident_api.post(url(tigli), season_request()).status_code == 404

    def test_a_resident_does_not_see_drafts(self, tigli, run, resident_api):
        assert resident_api.get(url(tigli, f"/{run['id']}")).status_code == 404
        assert resident_api.get(url(tigli)).json()["count"] == 0

    def test_a_resident_reads_only_their_own_statement_of_a_closed_run(
        self, tigli, run, manager_api, resident_api, flats
    ):
        manager_api.post(url(tigli, f"/{run['id']}/close"))
        answer = resident_api.get(url(tigli, f"/{run['id']}")).json()
        assert [row["name"] for row in answer["units"]] == ["A"]
        assert resident_api.get(url(tigli)).json()["count"] == 1
        own = resident_api.get(url(tigli, f"/{run['id']}/units/{flats['A'].pk}/statement.pdf"))
        assert own.status_code == 200
        other = resident_api.get(url(tigli, f"/{run['id']}/units/{flats['B'].pk}/statement.pdf"))
        assert other.status_code == 404
        assert resident_api.get(url(tigli, f"/{run['id']}/statements.csv")).status_code == 404
        archive = zipfile.ZipFile(
            io.BytesIO(resident_api.get(url(tigli, f"/{run['id']}/statements.zip")).content)
        )
        assert archive.namelist() == [f"riparto-{run['id']}-a.pdf"]

    def test_an_outsider_cannot_read_a_run(self, tigli, run, actors):
        response = ApiClient(actors.outsider).get(url(tigli, f"/{run['id']}"))
        assert response.status_code == 404


class TestStoredRuns:
    def test_the_run_is_reproducible_from_its_stored_inputs(self, tigli, run, manager_api):
        stored = AllocationRun.objects.get(pk=run["id"])
        again = allocation_services.recompute(stored)
        assert {s.unit_id: f"{s.total:.2f}" for s in again.statements} == {
            row["unit"]: row["total"] for row in run["units"]
        }
        # New readings arriving later change the database, not the stored run.
        consume(Meter.objects.get(external_id="C-1"), 500)
        assert manager_api.get(url(tigli, f"/{run['id']}")).json()["units"] == run["units"]

    def test_a_closed_run_cannot_change(self, tigli, run, manager_api):
        closed = manager_api.post(url(tigli, f"/{run['id']}/close"))
        assert closed.status_code == 200
        assert closed.json()["status"] == "closed"
        again = manager_api.post(url(tigli, f"/{run['id']}/close"))
        assert again.status_code == 409
        assert manager_api.delete(url(tigli, f"/{run['id']}")).status_code == 409
        stored = AllocationRun.objects.get(pk=run["id"])
        stored.note = "edited"
        with pytest.raises(Conflict):
            stored.save()

    def test_a_draft_may_be_dropped(self, tigli, run, manager_api):
        assert manager_api.delete(url(tigli, f"/{run['id']}")).status_code == 204
        assert not AllocationRun.objects.exists()

    def test_a_correction_is_a_new_run_superseding_the_closed_one(self, tigli, run, manager_api):
        manager_api.post(url(tigli, f"/{run['id']}/close"))
        response = manager_api.post(
            url(tigli), season_request(supersedes=run["id"], fuel_cost="3100.00")
        )
        assert response.status_code == 201
        correction = response.json()
        assert correction["supersedes"] == run["id"]
        assert correction["totals"]["total"] == "3100.00"
        assert manager_api.get(url(tigli, f"/{run['id']}")).json()["totals"]["total"] == "3000.00"

    def test_a_draft_is_not_corrected_but_redone(self, tigli, run, manager_api):
        response = manager_api.post(url(tigli), season_request(supersedes=run["id"]))
        assert response.status_code == 409

    def test_the_list_is_newest_first_with_a_count(self, tigli, run, manager_api):
        second = manager_api.post(url(tigli), season_request(fuel_cost="10.00")).json()
        page = manager_api.get(url(tigli)).json()
        assert page["count"] == 2
        assert [item["id"] for item in page["items"]] == [second["id"], run["id"]]

    def test_next_season_compares_with_the_closed_previous_season(
        self, tigli, run, manager_api, flats
    ):
        manager_api.post(url(tigli, f"/{run['id']}/close"))
        for meter, amount in (("A-1", 90), ("A-2", 40), ("B-1", 210), ("C-1", 60)):
            consume(Meter.objects.get(external_id=meter), amount, MID_SEASON.replace(year=2027))
        body = season_request(period_start="2026-10-15", period_end="2027-04-15")
        answer = manager_api.post(url(tigli), body).json()
        a = by_name(answer)["A"]
        assert a["previous_total"] == "1101.18"
        assert a["previous_quantity"] == "160.000"
        assert D(a["change_from_previous"]) == D(a["total"]) - D("1101.18")

    def test_a_silent_unit_is_estimated_from_last_season_corrected_by_degree_days(
        self, tigli, run, manager_api
    ):
        # Last season B was billed for 180; B is silent this season, which had 2,100
        # degree days against 2,000: 180 × 2,100 / 2,000 = 189.
        manager_api.post(url(tigli, f"/{run['id']}/close"))
        for meter, amount in (("A-1", 90), ("A-2", 40), ("C-1", 60)):
            consume(Meter.objects.get(external_id=meter), amount, MID_SEASON.replace(year=2027))
        options = {
            **COMPENSATION,
            "estimate_method": "previous_season",
            "degree_days": "2100",
            "previous_degree_days": "2000",
        }
        body = season_request(period_start="2026-10-15", period_end="2027-04-15", options=options)
        b = by_name(manager_api.post(url(tigli), body).json())["B"]
        assert (b["estimated"], b["estimate_method"]) == (True, "previous_season")
        assert b["voluntary_quantity"] == "189.000"


class TestStatements:
    def test_the_zip_holds_a_pdf_per_unit_and_the_site_csv(self, tigli, run, manager_api):
        response = manager_api.get(url(tigli, f"/{run['id']}/statements.zip"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        rid = run["id"]
        assert sorted(archive.namelist()) == sorted(
            [
                f"riparto-{rid}-a.pdf",
                f"riparto-{rid}-b.pdf",
                f"riparto-{rid}-c.pdf",
                f"riparto-{rid}.csv",
            ]
        )
        text = PdfReader(io.BytesIO(archive.read(f"riparto-{rid}-c.pdf"))).pages[0].extract_text()
        assert "C" in text and "750,00" in text and "250,000" in text
        rows = list(csv.DictReader(io.StringIO(archive.read(f"riparto-{rid}.csv").decode())))
        assert [row["unit"] for row in rows] == ["A", "B", "C"]
        assert sum(D(row["total"]) for row in rows) == D("3000.00")
        assert rows[2]["estimated"] == "yes"

    def test_one_unit_statement_as_pdf(self, tigli, run, manager_api, flats):
        response = manager_api.get(url(tigli, f"/{run['id']}/units/{flats['A'].pk}/statement.pdf"))
        assert response["Content-Type"] == "application/pdf"
        text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        assert "1.101,18" in text and "160,000" in text
