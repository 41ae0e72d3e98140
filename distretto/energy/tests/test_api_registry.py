"""Managers define sites, units, meters and gateways; everyone else sees only their own."""

from __future__ import annotations

import pytest

from distretto.energy.models import Meter, Site
from distretto.testing import error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def campobasso(db):
    from distretto.testing import ComuneFactory

    return ComuneFactory(
        istat_code="070006", name="Campobasso", province="CB", region="Molise", altitude_m=701
    )


def test_energy_manager_creates_a_site_with_its_climate_zone(actors, api_as, campobasso):
    response = api_as(actors.energy_manager).post(
        "energy/sites",
        {"district": actors.district.pk, "name": "Complesso Innovenergy", "comune": "070006"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["climate_zone"], body["degree_days"]) == ("E", 2346)
    assert (body["season_start"], body["season_end"]) == ("10-15", "04-15")


def test_site_in_a_comune_of_unknown_degree_days_needs_them(actors, api_as):
    response = api_as(actors.manager).post(
        "energy/sites", {"district": actors.district.pk, "name": "X", "comune": "098031"}
    )
    assert response.status_code == 201  # Lodi is in the table
    response = api_as(actors.manager).post(
        "energy/sites", {"district": actors.district.pk, "name": "Y"}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "degree_days"


def test_merchant_may_not_create_a_site(actors, api_as):
    response = api_as(actors.merchant).post(
        "energy/sites", {"district": actors.district.pk, "name": "X", "degree_days": 2000}
    )
    assert response.status_code in (403, 404)


def test_units_meters_and_replacement(actors, api_as, site):
    api = api_as(actors.energy_manager)
    unit = api.post(
        "energy/units",
        {
            "site": site.pk,
            "name": "Interno 3",
            "kind": "dwelling",
            "area_m2": "75.5",
            "millesimi_heat": "120.5",
            "millesimi_property": "110",
        },
    )
    assert unit.status_code == 201, unit.content
    unit_id = unit.json()["id"]
    hca = api.post(
        "energy/meters",
        {
            "site": site.pk,
            "unit": unit_id,
            "kind": "hca",
            "external_id": "0012AB34",
            "kq": "1.35",
            "kc": "0.92",
        },
    )
    assert hca.status_code == 201, hca.content
    assert hca.json()["unit_of_measure"] == "HCA"
    duplicate = api.post(
        "energy/meters", {"site": site.pk, "kind": "hca", "external_id": "0012AB34"}
    )
    assert duplicate.status_code == 422
    assert error_of(duplicate)["field"] == "external_id"
    replacement = api.post(
        "energy/meters",
        {"site": site.pk, "kind": "hca", "external_id": "0099FF00", "replaces": hca.json()["id"]},
    )
    assert replacement.status_code == 201
    old = Meter.objects.get(pk=hca.json()["id"])
    assert old.replaced_by_id == replacement.json()["id"]
    assert replacement.json()["unit"] == unit_id


def test_meter_on_a_unit_of_another_site_is_422(actors, api_as, site, flat):
    other = Site.objects.create(district=actors.district, name="Altro")
    response = api_as(actors.manager).post(
        "energy/meters", {"site": other.pk, "unit": flat.pk, "kind": "heat", "external_id": "1"}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "unit"


def test_gateway_token_is_shown_once(actors, api_as, site):
    response = api_as(actors.energy_manager).post(
        "energy/gateways", {"site": site.pk, "name": "Scala B"}
    )
    assert response.status_code == 201
    assert response.json()["token"].startswith("dst_")
    listed = api_as(actors.energy_manager).get("energy/gateways").json()
    assert listed["count"] == 1 and "token" not in listed["items"][0]


def test_resident_sees_only_their_unit(actors, api_as, flat, shop, hca):
    api = api_as(actors.cardholder)
    units = api.get("energy/units").json()
    assert [u["id"] for u in units["items"]] == [flat.pk]
    assert api.get(f"energy/units/{shop.pk}").status_code == 404
    assert api.get(f"energy/units/{flat.pk}/consumption").status_code == 200
    assert api.get(f"energy/units/{shop.pk}/consumption").status_code == 404
    assert api.get(f"energy/sites/{flat.site_id}").status_code == 404
    assert [m["id"] for m in api.get("energy/meters").json()["items"]] == [hca.pk]


def test_outsider_sees_nothing(actors, api_as, site, flat):
    api = api_as(actors.outsider)
    assert api.get("energy/sites").json()["count"] == 0
    assert api.get(f"energy/sites/{site.pk}/consumption").status_code == 404
    assert api.get(f"energy/units/{flat.pk}").status_code == 404


def test_registry_csv_import(actors, site):
    from distretto.energy.registry import import_registry_csv

    text = (
        "type,name,kind,area_m2,millesimi_heat,millesimi_property,external_id,kq,kc\n"
        "unit,Interno 9,dwelling,70,100,90,,,\n"
        'meter,Interno 9,hca,,,,AA01,"1,2",0.9\n'
        "meter,,fuel,,,,GAS1,,\n"
    )
    assert import_registry_csv(site, text.splitlines(keepends=True)) == {"units": 1, "meters": 2}
    meter = Meter.objects.get(external_id="AA01")
    assert meter.unit.name == "Interno 9" and str(meter.k_factor) == "1.08000000"
    assert Meter.objects.get(external_id="GAS1").unit_of_measure == "Sm3"


def test_registry_csv_through_the_api_is_all_or_nothing(actors, api_as, site):
    api = api_as(actors.energy_manager)
    good = "type,name,kind,area_m2,millesimi_heat,external_id\nunit,Interno 2,dwelling,60,80,\n"
    response = api.post(f"energy/sites/{site.pk}/registry.csv", good)
    assert response.json() == {"units": 1, "meters": 0}
    bad = "type,name,kind,external_id\nmeter,Interno 2,hca,X1\nmeter,Nessuno,hca,X2\n"
    response = api.post(f"energy/sites/{site.pk}/registry.csv", bad)
    assert response.status_code == 422
    assert error_of(response)["message"].startswith("Riga 3: ")  # Italian by default
    assert not Meter.objects.filter(external_id="X1").exists()
    assert (
        api_as(actors.outsider).post(f"energy/sites/{site.pk}/registry.csv", good).status_code
        == 404
    )
