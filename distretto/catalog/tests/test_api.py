"""The catalog API: public reading with filters, scoped editing (out of scope = 404)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from distretto.catalog.models import Product, ServiceDelivery, VenueProfile, VenueService
from distretto.testing import error_of

pytestmark = pytest.mark.django_db


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


# --- Reading --------------------------------------------------------------------------------


def test_products_filter_by_category_designation_region_comune_venue_and_text(
    anonymous_api, venue, foreign_venue, products
):
    get = lambda **params: names(anonymous_api.get("catalog/products", params))  # noqa: E731
    assert get() == {"Branzi", "Taleggio", "Castelmagno", "Nocciola Piemonte"}
    assert get(category="cheese") == {"Branzi", "Taleggio", "Castelmagno"}
    assert get(designation="DOP") == {"Taleggio", "Castelmagno"}
    assert get(region="piemonte") == {"Castelmagno", "Nocciola Piemonte"}
    assert get(comune="016036") == {"Branzi"}  # comune of origin
    assert get(comune="Lodi") == {"Branzi", "Taleggio"}  # sold at a venue in Lodi
    assert get(venue=foreign_venue.pk) == {"Castelmagno"}
    assert get(q="hazelnut") == {"Nocciola Piemonte"}  # any language
    assert get(q="piemonte nocciola") == {"Nocciola Piemonte"}
    assert get(category="cheese", designation="DOP", region="Lombardia") == {"Taleggio"}


def test_product_list_is_paginated_newest_first_with_count(anonymous_api, products):
    body = anonymous_api.get("catalog/products", {"limit": 2}).json()
    assert body["count"] == 4
    assert [p["name"] for p in body["items"]] == ["Nocciola Piemonte", "Castelmagno"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "sweets"}, "category"),
        ({"designation": "DOCG"}, "designation"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_bad_product_filters_are_422_naming_the_field(anonymous_api, products, params, field):
    response = anonymous_api.get("catalog/products", params)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_services_list_in_catalogue_order_with_cost_as_text(anonymous_api, service_types):
    body = anonymous_api.get("catalog/services", {"lang": "en", "limit": 100}).json()
    codes = [s["code"] for s in body["items"]]
    assert codes[:3] == ["pagopa_payments", "registry_certificates", "health_booking"]
    pagopa = body["items"][0]
    assert pagopa["name"] == "pagoPA payments" and pagopa["cost"] == "2.00"
    assert "18-digit" in pagopa["what_to_bring"]


def test_venue_detail_has_hours_products_services_and_links(anonymous_api, venue):
    body = anonymous_api.get(f"catalog/venues/{venue.pk}").json()
    assert body["name"] == "Panetteria Fanfulla"
    assert body["opening_hours"]["sat"] == [["08:00", "12:30"]]
    assert {p["name"] for p in body["products"]} == {"Branzi", "Taleggio"}
    offers = {s["code"]: s for s in body["services"]}
    assert offers["spid_help"]["opening_hours"] == {"sat": [["09:00", "12:00"]]}
    assert offers["tourist_info"]["opening_hours"] == venue.opening_hours  # the venue's
    assert offers["tourist_info"]["contact"] == "0371 000000"
    assert body["url"] == f"/catalog/v/{venue.pk}/"
    assert body["kiosk_url"] == f"/catalog/v/{venue.pk}/kiosk/"


def test_venues_filter_by_service_type_comune_district_and_product(
    anonymous_api, actors, venue, foreign_venue
):
    get = lambda **params: names(anonymous_api.get("catalog/venues", params))  # noqa: E731
    assert get() == {"Panetteria Fanfulla", "Caffè Galimberti"}
    assert get(service_type="atm") == {"Caffè Galimberti"}
    assert get(service_type="spid_help") == {"Panetteria Fanfulla"}
    assert get(comune="Lodi") == {"Panetteria Fanfulla"}
    assert get(district="cuneo") == {"Caffè Galimberti"}
    assert get(designation="PAT") == {"Panetteria Fanfulla"}
    assert get(q="galimberti") == {"Caffè Galimberti"}


def test_unpublished_venues_are_not_found(anonymous_api, actors, venue):
    VenueProfile.objects.filter(venue=venue).update(published=False)
    response = anonymous_api.get(f"catalog/venues/{venue.pk}")
    assert response.status_code == 404
    assert anonymous_api.get(f"catalog/venues/{actors.other_shop.pk}").status_code == 404
    assert names(anonymous_api.get("catalog/venues")) == set()


def test_venues_near_a_point_nearest_first_within_the_radius(
    anonymous_api, actors, venue, foreign_venue
):
    near_lodi = anonymous_api.get("catalog/venues", {"lat": 45.3, "lon": 9.5, "radius": 10})
    items = near_lodi.json()["items"]
    assert [v["name"] for v in items] == ["Panetteria Fanfulla"]
    assert 0 < items[0]["distance_km"] < 3
    wide = anonymous_api.get("catalog/venues", {"lat": 45.3, "lon": 9.5, "radius": 400}).json()
    assert [v["name"] for v in wide["items"]] == ["Panetteria Fanfulla", "Caffè Galimberti"]
    assert wide["count"] == 2
    only_lat = anonymous_api.get("catalog/venues", {"lat": 45.3})
    assert only_lat.status_code == 422 and error_of(only_lat)["field"] == "lon"
    far = anonymous_api.get("catalog/venues", {"lat": 95, "lon": 9.5})
    assert far.status_code == 422 and error_of(far)["field"] == "lat"


# --- Editing products -------------------------------------------------------------------------


def test_manager_creates_and_edits_a_product_linking_venues_in_scope(api_as, actors, comuni):
    api = api_as(actors.manager)
    created = api.post(
        "catalog/products",
        {
            "name": "Salva Cremasco",
            "category": "cheese",
            "designation": "DOP",
            "region": "Lombardia",
            "description": "Formaggio a pasta cruda.",
            "comuni": ["98031"],
            "venues": [actors.shop.pk],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["slug"] == "salva-cremasco-lombardia"
    assert body["comuni"] == ["Lodi"]
    assert body["venues"] == [{"id": actors.shop.pk, "name": "Panetteria Fanfulla"}]
    changed = api.patch(f"catalog/products/{body['id']}", {"description_en": "A raw-curd cheese."})
    assert changed.status_code == 200
    assert Product.objects.get(pk=body["id"]).description_en == "A raw-curd cheese."


def test_product_links_outside_the_editors_scope_are_not_found(api_as, actors, products):
    api = api_as(actors.manager)
    response = api.patch(
        f"catalog/products/{products['branzi'].pk}", {"venues": [actors.foreign_shop.pk]}
    )
    assert response.status_code == 404
    assert not products["branzi"].venues.exists()


@pytest.mark.parametrize("who", ["merchant", "cardholder", "assessor"])
def test_only_managers_and_operators_edit_products(api_as, actors, products, who):
    api = api_as(getattr(actors, who))
    response = api.patch(f"catalog/products/{products['branzi'].pk}", {"name": "Branzone"})
    assert response.status_code == 403
    assert (
        api.post(
            "catalog/products",
            {"name": "X", "category": "cheese", "designation": "PAT", "region": "Molise"},
        ).status_code
        == 403
    )
    assert Product.objects.get(pk=products["branzi"].pk).name == "Branzi"


def test_product_validation_names_the_field(api_as, actors, products):
    api = api_as(actors.operator)
    bad = api.post(
        "catalog/products",
        {"name": "X", "category": "sweets", "designation": "PAT", "region": "Molise"},
    )
    assert bad.status_code == 422 and error_of(bad)["field"] == "category"
    season = api.patch(f"catalog/products/{products['branzi'].pk}", {"season_from": 13})
    assert season.status_code == 422 and error_of(season)["field"] == "season_from"
    half = api.patch(f"catalog/products/{products['branzi'].pk}", {"season_from": 3})
    assert half.status_code == 422 and error_of(half)["field"] == "season_to"


def test_anonymous_callers_cannot_edit(anonymous_api, products, venue):
    assert anonymous_api.patch(f"catalog/products/{products['branzi'].pk}", {}).status_code == 401
    assert anonymous_api.patch(f"catalog/venues/{venue.pk}", {"intro": "x"}).status_code == 401


# --- Editing venues ---------------------------------------------------------------------------


def test_manager_edits_a_venue_of_the_district(api_as, actors, venue):
    api = api_as(actors.manager)
    response = api.patch(
        f"catalog/venues/{venue.pk}", {"intro_de": "Bäckerei mit Käseecke.", "kiosk_seconds": 12}
    )
    assert response.status_code == 200, response.content
    profile = VenueProfile.objects.get(venue=venue)
    assert (profile.intro_de, profile.kiosk_seconds) == ("Bäckerei mit Käseecke.", 12)


def test_merchant_edits_its_own_venue_only(api_as, actors, venue, foreign_venue):
    api = api_as(actors.merchant)
    own = api.put(
        f"catalog/venues/{venue.pk}/services/parcel_pickup",
        {"opening_hours": {"fri": [["15:00", "19:00"]]}, "contact": "Chiedere al banco"},
    )
    assert own.status_code == 200
    assert "parcel_pickup" in {s["code"] for s in own.json()["services"]}
    other_shop = api.patch(f"catalog/venues/{actors.other_shop.pk}", {"intro": "Mio!"})
    assert other_shop.status_code == 404
    assert not VenueProfile.objects.filter(venue=actors.other_shop).exists()


@pytest.mark.parametrize("who", ["outsider", "cardholder", "assessor"])
def test_callers_without_scope_get_not_found(api_as, actors, venue, who):
    api = api_as(getattr(actors, who))
    assert api.patch(f"catalog/venues/{venue.pk}", {"intro": "x"}).status_code == 404
    assert api.delete(f"catalog/venues/{venue.pk}/services/tourist_info").status_code == 404
    assert api.get(f"catalog/venues/{venue.pk}/deliveries").status_code == 404
    assert VenueService.objects.filter(venue=venue, service_type__code="tourist_info").exists()


def test_read_only_token_cannot_edit(api_as, actors, venue):
    api = api_as(actors.manager, scope="read")
    response = api.patch(f"catalog/venues/{venue.pk}", {"intro": "x"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "read_only_token"


def test_offer_and_withdraw_a_service_and_set_products(api_as, actors, venue, products):
    api = api_as(actors.manager)
    bad_hours = api.put(
        f"catalog/venues/{venue.pk}/services/atm", {"opening_hours": {"mon": [["19:00", "09:00"]]}}
    )
    assert bad_hours.status_code == 422 and error_of(bad_hours)["field"] == "opening_hours"
    unknown = api.put(f"catalog/venues/{venue.pk}/services/teleport", {})
    assert unknown.status_code == 422 and error_of(unknown)["field"] == "service_type"
    assert api.delete(f"catalog/venues/{venue.pk}/services/spid_help").status_code == 204
    listed = api.put(f"catalog/venues/{venue.pk}/products", {"products": [products["nocciola"].pk]})
    assert [p["name"] for p in listed.json()["products"]] == ["Nocciola Piemonte"]
    assert {s["code"] for s in listed.json()["services"]} == {"tourist_info"}
    missing = api.put(f"catalog/venues/{venue.pk}/products", {"products": [999999]})
    assert missing.status_code == 422 and error_of(missing)["field"] == "products"


def test_record_and_list_services_delivered(api_as, actors, venue):
    api = api_as(actors.merchant)
    today = timezone.localdate()
    created = api.post(
        f"catalog/venues/{venue.pk}/deliveries",
        {"service_type": "spid_help", "date": today.isoformat(), "count": 3, "people": 2},
    )
    assert created.status_code == 201, created.content
    delivery = ServiceDelivery.objects.get()
    assert (delivery.count, delivery.recorded_by) == (3, actors.merchant)
    future = api.post(
        f"catalog/venues/{venue.pk}/deliveries",
        {
            "service_type": "spid_help",
            "date": (today + dt.timedelta(days=2)).isoformat(),
            "count": 1,
        },
    )
    assert future.status_code == 422 and error_of(future)["field"] == "date"
    zero = api.post(
        f"catalog/venues/{venue.pk}/deliveries",
        {"service_type": "spid_help", "date": today.isoformat(), "count": 0},
    )
    assert zero.status_code == 422 and error_of(zero)["field"] == "count"
    listed = api_as(actors.manager).get(f"catalog/venues/{venue.pk}/deliveries").json()
    assert listed["count"] == 1 and listed["items"][0]["service_type"] == "spid_help"


def test_text_search_looks_in_stories_and_category_names(anonymous_api, products):
    get = lambda **params: names(anonymous_api.get("catalog/products", params))  # noqa: E731
    assert get(q="formaggio") == {"Branzi", "Taleggio", "Castelmagno"}  # category Formaggi
    assert get(q="cheese") == {"Branzi", "Taleggio", "Castelmagno"}
    assert get(q="vallée") == {"Castelmagno"}  # the French story
    assert get(q="formaggio grana") == {"Castelmagno"}


def test_import_through_the_api_reports_bad_rows(api_as, actors):
    body = "name,category,designation,region\nBitto,cheese,DOP,Lombardia\nX,cheese,DOC,Molise\n"
    upload = {"file": io.BytesIO(body.encode())}
    upload["file"].name = "p.csv"
    api = api_as(actors.operator)
    response = api.client.post("/api/v1/catalog/products/import", upload, **api.headers)
    assert response.status_code == 200
    report = response.json()
    assert report["written"] is False
    assert report["errors"] == [
        {"line": 3, "field": "designation", "reason": report["errors"][0]["reason"]}
    ]
    assert not Product.objects.exists()
    merchant = api_as(actors.merchant)
    upload["file"].seek(0)
    refused = merchant.client.post("/api/v1/catalog/products/import", upload, **merchant.headers)
    assert refused.status_code == 403


def test_bad_venue_filters_are_422(anonymous_api):
    response = anonymous_api.get("catalog/venues", {"category": "spaceships"})
    assert response.status_code == 422 and error_of(response)["field"] == "category"
    radius = anonymous_api.get("catalog/venues", {"lat": 45, "lon": 9, "radius": 0})
    assert radius.status_code == 422 and error_of(radius)["field"] == "radius"
