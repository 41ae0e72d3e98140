"""Registry pages: managers define sites, units and meters by page, as the API allows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from distretto.energy.models import Meter, Site, Unit
from distretto.energy.tests.conftest import make_meter
from distretto.testing import ComuneFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def campobasso():
    return ComuneFactory(istat_code="070006")  # the bundled ISTAT and DPR 412/93 data


def test_manager_creates_a_site_a_unit_and_a_meter(actors, campobasso):
    client = client_for(actors.manager)
    assert b"/energy/sites/new/" in client.get("/energy/").content

    response = client.post(
        "/energy/sites/new/",
        {
            "district": actors.district.pk,
            "name": "Condominio Molise",
            "address": "Via Roma 1",
            "comune": "070006",
        },
    )
    site = Site.objects.get(name="Condominio Molise")
    assert response.status_code == 302
    assert response["Location"] == f"/energy/sites/{site.pk}/registry/"
    # Climate figures come from the comune, as through the API.
    assert (site.comune_id, site.degree_days, site.climate_zone) == ("070006", 2346, "E")
    assert (site.season_start_month, site.season_start_day) == (10, 15)

    response = client.post(
        f"/energy/sites/{site.pk}/registry/",
        {
            "action": "unit",
            "unit-name": "Interno 3",
            "unit-kind": "shop",
            "unit-area_m2": "72,5",
            "unit-millesimi_heat": "120",
            "unit-millesimi_property": "110.5",
        },
    )
    assert response.status_code == 302
    unit = site.units.get()
    assert (unit.name, unit.kind, unit.area_m2) == ("Interno 3", "shop", Decimal("72.5"))
    assert (unit.millesimi_heat, unit.millesimi_property) == (Decimal("120"), Decimal("110.5"))

    response = client.post(
        f"/energy/sites/{site.pk}/registry/",
        {
            "action": "meter",
            "meter-kind": "hca",
            "meter-unit": unit.pk,
            "meter-external_id": "55667788",
            "meter-role": "consumption",
            "meter-reading_type": "cumulative",
            "meter-description": "Soggiorno",
            "meter-kq": "1.25",
            "meter-kc": "0.95",
            "meter-expected_interval_minutes": "60",
        },
    )
    assert response.status_code == 302
    meter = site.meters.get()
    assert (meter.unit, meter.kind, meter.external_id) == (unit, "hca", "55667788")
    assert (meter.kq, meter.kc, meter.unit_of_measure) == (Decimal("1.25"), Decimal("0.95"), "HCA")

    page = client.get(f"/energy/sites/{site.pk}/registry/").content.decode()
    assert "Interno 3" in page and "55667788" in page
    assert "Unità e contatori" in page and "Aggiungi contatore" in page  # Italian first
    assert f"/energy/units/{unit.pk}/edit/" in page and f"/energy/meters/{meter.pk}/edit/" in page
    assert (
        f"/energy/sites/{site.pk}/registry/"
        in client.get(f"/energy/sites/{site.pk}/").content.decode()
    )


def test_energy_manager_adds_sites_to_their_own_district_only(actors, campobasso):
    actors.district.comune = campobasso
    actors.district.save()
    client = client_for(actors.energy_manager)
    response = client.get("/energy/sites/new/")
    assert list(response.context["form"].fields["district"].queryset) == [actors.district]
    assert b'value="070006"' in response.content  # comuni of the district's province offered

    response = client.post(
        "/energy/sites/new/",
        {"district": actors.other_district.pk, "name": "Altrove", "degree_days": "2000"},
    )
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert not Site.objects.filter(name="Altrove").exists()

    client.post(
        "/energy/sites/new/",
        {"district": actors.district.pk, "name": "Senza comune", "degree_days": "1500"},
    )
    assert Site.objects.get(name="Senza comune").climate_zone == "D"


def test_a_bad_value_shows_the_error_and_writes_nothing(actors, site, flat, shop, hca):
    client = client_for(actors.manager)
    units, meters, sites = Unit.objects.count(), Meter.objects.count(), Site.objects.count()

    response = client.post(
        "/energy/sites/new/",
        {"district": actors.district.pk, "name": "Nuovo", "comune": "999999"},
    )
    # The service's refusal, in the page's language (Italian by default).
    assert response.context["form"].errors["comune"] == ["Nessun comune con codice ISTAT 999999."]
    assert "Nessun comune con codice ISTAT 999999." in response.content.decode()

    response = client.post(
        f"/energy/sites/{site.pk}/registry/",
        {
            "action": "unit",
            "unit-name": "Interno 9",
            "unit-kind": "dwelling",
            "unit-area_m2": "50",
            "unit-millesimi_heat": "1500",
        },
    )
    assert response.status_code == 200
    # The API schema's bound, said in Italian next to the field.
    error = "Assicurati che questo valore sia minore o uguale a 1000."
    assert response.context["unit_form"].errors["millesimi_heat"] == [error]
    assert f'<strong class="error" id="id_unit-millesimi_heat_error">{error}</strong>' in (
        response.content.decode()
    )

    response = client.post(
        f"/energy/sites/{site.pk}/registry/",
        {
            "action": "meter",
            "meter-kind": "heat",
            "meter-external_id": hca.external_id,
            "meter-role": "consumption",
            "meter-reading_type": "cumulative",
            "meter-expected_interval_minutes": "60",
        },
    )
    assert response.context["meter_form"].errors["external_id"] == [
        "Questo complesso ha già un contatore con quell'id esterno."
    ]

    response = client.post(
        f"/energy/sites/{site.pk}/registry/",
        {
            "action": "meter",
            "meter-kind": "hca",
            "meter-external_id": "99",
            "meter-role": "consumption",
            "meter-reading_type": "cumulative",
            "meter-kq": "0",
            "meter-expected_interval_minutes": "60",
        },
    )
    assert "kq" in response.context["meter_form"].errors

    response = client.post(f"/energy/units/{flat.pk}/edit/", _unit_edit(flat, name="Negozio A"))
    assert response.status_code == 200
    assert response.context["form"].errors  # the name is taken on this site
    assert Unit.objects.get(pk=flat.pk).name == "Interno 1"

    assert (Unit.objects.count(), Meter.objects.count(), Site.objects.count()) == (
        units,
        meters,
        sites,
    )


def _unit_edit(unit, **changes) -> dict:
    data = {
        "name": unit.name,
        "area_m2": unit.area_m2,
        "millesimi_heat": unit.millesimi_heat,
        "millesimi_property": unit.millesimi_property,
        "empty_since": "",
    }
    data.update(changes)
    return data


def test_merchant_outsider_and_resident_get_404(actors, site, flat, shop, hca):
    pages = [
        f"/energy/sites/{site.pk}/registry/",
        f"/energy/units/{flat.pk}/edit/",
        f"/energy/meters/{hca.pk}/edit/",
    ]
    for user in (actors.merchant, actors.outsider, actors.cardholder):
        client = client_for(user)
        for url in pages:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(pages[1], _unit_edit(flat, name="X")).status_code == 404
    assert Unit.objects.get(pk=flat.pk).name == "Interno 1"
    for user in (actors.merchant, actors.cardholder):
        assert client_for(user).get("/energy/sites/new/").status_code == 404
    # The resident sees their unit page, without the edit link.
    assert b"/edit/" not in client_for(actors.cardholder).get(f"/energy/units/{flat.pk}/").content


def test_manager_edits_a_unit_and_a_meter(actors, site, flat, shop, hca):
    client = client_for(actors.energy_manager)
    assert (
        f"/energy/units/{flat.pk}/edit/" in client.get(f"/energy/units/{flat.pk}/").content.decode()
    )
    response = client.post(
        f"/energy/units/{flat.pk}/edit/",
        _unit_edit(flat, area_m2="85.5", declared_empty="on", empty_since="2026-01-10"),
    )
    assert response.status_code == 302
    flat.refresh_from_db()
    assert flat.area_m2 == Decimal("85.5")
    assert flat.declared_empty and flat.empty_since.isoformat() == "2026-01-10"

    response = client.post(
        f"/energy/meters/{hca.pk}/edit/",
        {
            "external_id": hca.external_id,
            "unit": shop.pk,
            "description": "Bagno",
            "kq": "1.5",
            "kc": "1",
            "expected_interval_minutes": "15",
        },
    )
    assert response.status_code == 302
    hca.refresh_from_db()
    assert (hca.unit, hca.kq, hca.description) == (shop, Decimal("1.5"), "Bagno")


def test_a_new_meter_replaces_an_old_one(actors, site, flat):
    old = make_meter(site, flat, kind="heat", external_id="OLD1")
    response = client_for(actors.manager).post(
        f"/energy/sites/{site.pk}/registry/",
        {
            "action": "meter",
            "meter-kind": "heat",
            "meter-external_id": "NEW1",
            "meter-role": "consumption",
            "meter-reading_type": "cumulative",
            "meter-expected_interval_minutes": "60",
            "meter-replaces": old.pk,
        },
    )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.replaced_by.external_id == "NEW1"
    assert old.replaced_by.unit == flat and old.removed_at is not None
