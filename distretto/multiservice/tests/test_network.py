"""The network of shops: registering a shop, its services and hours, the public map."""

from __future__ import annotations

import pytest
from django.test import Client

from distretto.catalog import services as catalog
from distretto.multiservice.models import MultiserviceShop
from distretto.testing import BusinessFactory, ComuneFactory, error_of

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.fixture
def fuipiano(db):
    return ComuneFactory(
        istat_code="016106",
        name="Fuipiano Valle Imagna",
        province="BG",
        province_name="Bergamo",
        population=221,
        altitude_m=1019,
    )


def test_a_manager_registers_a_shop_with_the_comune_data(api_as, actors, fuipiano):
    actors.foreign_shop.category = "bar_cafe"  # the only other grocery is the one below
    actors.foreign_shop.save()
    BusinessFactory(district=actors.district, name="Alimentari vicino", lat=45.3200, lon=9.5034)
    response = api_as(actors.manager).post(
        "multiservice/shops",
        {
            "business": actors.shop.pk,
            "since": "2020-10-01",
            "comune": "016106",
            "funding_eur": "24000",
            "funding_source": "CCIAA Bergamo",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["comune"], body["population"], body["altitude_m"]) == (
        "Fuipiano Valle Imagna",
        221,
        1019,
    )
    # The figure comes with its year (2011 legal population, the bundled reference data).
    assert (body["population_year"], body["comune_population_year"]) == (2011, 2011)
    assert body["funding_eur"] == "24000.00"
    # 0.0058° of latitude ≈ 0.6 km to the nearest other grocery on the registry
    assert body["nearest_grocery_km"] == "0.6"
    assert body["nearest_grocery_name"] == "Alimentari vicino"


def test_a_frazione_has_its_own_population(api_as, actors, fuipiano):
    response = api_as(actors.manager).post(
        "multiservice/shops",
        {
            "business": actors.shop.pk,
            "comune": "016106",
            "frazione": "Cà Mazzoleni",
            "frazione_population": 40,
            "frazione_altitude_m": 1100,
        },
    )
    body = response.json()
    assert body["population"] == 40 and body["comune_population"] == 221
    assert (body["population_year"], body["comune_population_year"]) == (None, 2011)
    assert body["altitude_m"] == 1100
    assert body["place"] == "Cà Mazzoleni (Fuipiano Valle Imagna)"


def test_only_the_districts_managers_register_shops(api_as, actors):
    response = api_as(actors.merchant).post("multiservice/shops", {"business": actors.shop.pk})
    assert response.status_code == 403
    response = api_as(actors.outsider).post("multiservice/shops", {"business": actors.shop.pk})
    assert response.status_code == 404
    response = api_as(actors.manager).post(
        "multiservice/shops", {"business": actors.shop.pk, "comune": "999999"}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "comune"
    assert not MultiserviceShop.objects.exists()


def test_services_are_catalogue_types_with_their_own_hours(api_as, actors, network_shop):
    hours = {"sat": [["09:00", "12:00"]]}
    url = f"multiservice/shops/{network_shop.pk}/services/parcel_pickup"
    response = api_as(actors.merchant).put(url, {"opening_hours": hours})
    assert response.status_code == 200
    services = {s["code"]: s for s in response.json()["services"]}
    assert services["parcel_pickup"]["opening_hours"] == hours
    assert services["tourist_info"]["opening_hours"] == actors.shop.opening_hours
    bad = api_as(actors.merchant).put(f"multiservice/shops/{network_shop.pk}/services/teleport", {})
    assert bad.status_code == 422 and error_of(bad)["field"] == "service_type"
    wrong_hours = api_as(actors.merchant).put(url, {"opening_hours": {"sat": [["12:00", "09:00"]]}})
    assert wrong_hours.status_code == 422
    gone = api_as(actors.merchant).delete(url)
    assert gone.status_code == 204
    assert api_as(actors.outsider).delete(url).status_code == 404


def test_a_shops_services_are_listed_at_the_information_point(api_as, actors, network_shop):
    hours = {"sat": [["09:00", "12:00"]]}
    url = f"multiservice/shops/{network_shop.pk}/services/parcel_pickup"
    assert api_as(actors.merchant).put(url, {"opening_hours": hours}).status_code == 200
    listed = catalog.venue_services(actors.shop).get(service_type__code="parcel_pickup")
    assert listed.opening_hours == hours
    assert api_as(actors.merchant).delete(url).status_code == 204
    assert not catalog.venue_services(actors.shop).filter(service_type__code="parcel_pickup")


def test_the_network_is_public(network_shop):
    client = Client()
    body = client.get("/api/v1/multiservice/shops").json()
    assert body["count"] == 1
    assert body["items"][0]["place"] == "Riolo (Lodi)"
    assert body["items"][0]["population"] == 310
    geojson = client.get("/multiservice/network.geojson").json()
    feature = geojson["features"][0]
    assert feature["geometry"]["coordinates"] == [
        network_shop.business.lon,
        network_shop.business.lat,
    ]
    assert {s["code"] for s in feature["properties"]["services"]} == {
        "tourist_info",
        "pagopa_payments",
    }
    page = client.get("/multiservice/")
    assert page.status_code == 200
    assert "Panetteria Fanfulla" in page.content.decode()
