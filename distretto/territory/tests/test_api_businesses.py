"""The businesses resource: list, detail, create, update, deactivate, export, terminals."""

import pytest

from distretto.accounts.models import ApiToken
from distretto.testing import ApiClient, error_of, valid_partita_iva

pytestmark = pytest.mark.django_db


def new_business(district_id: int, **overrides) -> dict:
    return {
        "district": district_id,
        "name": "Bottega Nuova",
        "partita_iva": valid_partita_iva(4242),
        "ateco_code": "47.11.02",
        "category": "grocery",
        "lat": 45.314,
        "lon": 9.503,
        **overrides,
    }


def test_manager_lists_only_their_district(actors):
    body = ApiClient(actors.manager).get("territory/businesses").json()
    names = {item["name"] for item in body["items"]}
    assert names == {"Panetteria Fanfulla", "Libreria del Sole"}
    assert body["count"] == 2


def test_list_filters_by_category_and_search(actors):
    api = ApiClient(actors.manager)
    assert [
        b["name"] for b in api.get("territory/businesses", {"category": "books"}).json()["items"]
    ] == ["Libreria del Sole"]
    assert api.get("territory/businesses", {"q": "fanfulla"}).json()["count"] == 1


def test_list_is_paginated_newest_first(actors):
    body = ApiClient(actors.manager).get("territory/businesses", {"limit": 1}).json()
    assert body["count"] == 2 and len(body["items"]) == 1
    assert body["items"][0]["name"] == "Libreria del Sole"


def test_list_rejects_a_bad_limit_naming_it(actors):
    response = ApiClient(actors.manager).get("territory/businesses", {"limit": 0})
    assert response.status_code == 422
    assert error_of(response)["field"] == "limit"


def test_without_token_is_401(actors, anonymous_api):
    response = anonymous_api.get("territory/businesses")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_revoked_or_bogus_token_is_401(actors):
    assert ApiClient(raw_token="dst_bogus_token").get("territory/businesses").status_code == 401


def test_other_chambers_business_is_404(actors):
    response = ApiClient(actors.manager).get(f"territory/businesses/{actors.foreign_shop.pk}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_manager_creates_a_business(actors):
    response = ApiClient(actors.manager).post(
        "territory/businesses", new_business(actors.district.pk)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Bottega Nuova"
    assert body["comune"] == "098031"  # the district's comune by default
    assert body["active"] is True


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"partita_iva": "01234567890"}, "partita_iva"),
        ({"ateco_code": "4711"}, "ateco_code"),
        ({"category": "spaceships"}, "category"),
        ({"lat": 95.0}, "lat"),
        ({"lon": None}, None),
        ({"name": ""}, "name"),
        ({"opening_hours": {"mon": [["19:00", "08:00"]]}}, "opening_hours"),
        ({"comune": "999999"}, "comune"),
    ],
)
def test_invalid_business_is_422_naming_the_field(actors, overrides, field):
    response = ApiClient(actors.manager).post(
        "territory/businesses", new_business(actors.district.pk, **overrides)
    )
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field


def test_missing_field_is_422_naming_it(actors):
    payload = new_business(actors.district.pk)
    del payload["partita_iva"]
    response = ApiClient(actors.manager).post("territory/businesses", payload)
    assert response.status_code == 422
    assert error_of(response)["field"] == "partita_iva"


def test_malformed_json_is_400_not_500(actors):
    response = ApiClient(actors.manager).post("territory/businesses", "{not json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


def test_creating_in_a_district_out_of_scope_names_the_district(actors):
    response = ApiClient(actors.manager).post(
        "territory/businesses", new_business(actors.other_district.pk)
    )
    assert response.status_code == 422
    assert error_of(response) == {
        "code": "unknown_district",
        "message": f"No district with id {actors.other_district.pk}.",
        "field": "district",
    }


def test_merchant_updates_own_opening_hours_but_cannot_deactivate(actors):
    api = ApiClient(actors.merchant)
    hours = {"mon": [["08:00", "13:00"]]}
    response = api.patch(f"territory/businesses/{actors.shop.pk}", {"opening_hours": hours})
    assert response.status_code == 200
    assert response.json()["opening_hours"] == hours
    assert api.post(f"territory/businesses/{actors.shop.pk}/deactivate").status_code == 403
    assert api.patch(f"territory/businesses/{actors.shop.pk}", {"active": False}).status_code == 403


def test_merchant_cannot_see_a_neighbours_business(actors):
    response = ApiClient(actors.merchant).get(f"territory/businesses/{actors.other_shop.pk}")
    assert response.status_code == 404


def test_manager_deactivates_a_business(actors):
    response = ApiClient(actors.manager).post(f"territory/businesses/{actors.shop.pk}/deactivate")
    assert response.status_code == 200
    assert response.json()["active"] is False
    actors.shop.refresh_from_db()
    assert actors.shop.active is False


def test_read_only_token_cannot_write(actors):
    api = ApiClient(actors.manager, scope="read")
    assert api.get("territory/businesses").status_code == 200
    response = api.post("territory/businesses", new_business(actors.district.pk))
    assert response.status_code == 403
    assert error_of(response)["code"] == "read_only_token"


def test_export_csv_and_geojson(actors):
    api = ApiClient(actors.manager)
    csv_response = api.get("territory/businesses/export", {"format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response["Content-Disposition"] == 'attachment; filename="businesses.csv"'
    lines = csv_response.content.decode().strip().splitlines()
    assert lines[0].startswith("id,district,name,")
    assert len(lines) == 3
    geo = api.get("territory/businesses/export", {"format": "geojson"}).json()
    assert geo["type"] == "FeatureCollection"
    assert {f["properties"]["name"] for f in geo["features"]} == {
        "Panetteria Fanfulla",
        "Libreria del Sole",
    }
    assert geo["features"][0]["geometry"]["type"] == "Point"
    assert api.get("territory/businesses/export", {"format": "xls"}).status_code == 422


class TestTerminals:
    def test_manager_gets_a_terminal_token_once_and_it_authenticates(self, actors):
        response = ApiClient(actors.manager).post(
            f"territory/businesses/{actors.shop.pk}/terminals", {"name": "Cassa 1"}
        )
        assert response.status_code == 201
        raw = response.json()["token"]
        stored = ApiToken.objects.get(pk=response.json()["id"])
        assert raw not in (stored.token_hash, stored.prefix)
        assert stored.kind == "terminal" and stored.business == actors.shop
        listed = ApiClient(actors.manager).get(f"territory/businesses/{actors.shop.pk}/terminals")
        assert "token" not in listed.json()[0]
        # The terminal sees its own business only.
        terminal = ApiClient(raw_token=raw)
        assert terminal.get(f"territory/businesses/{actors.shop.pk}").status_code == 200
        assert terminal.get(f"territory/businesses/{actors.other_shop.pk}").status_code == 404

    def test_revoked_terminal_is_401(self, actors):
        manager = ApiClient(actors.manager)
        created = manager.post(
            f"territory/businesses/{actors.shop.pk}/terminals", {"name": "Cassa 1"}
        ).json()
        revoked = manager.delete(f"territory/businesses/{actors.shop.pk}/terminals/{created['id']}")
        assert revoked.json()["revoked_at"] is not None
        terminal = ApiClient(raw_token=created["token"])
        assert terminal.get(f"territory/businesses/{actors.shop.pk}").status_code == 401

    def test_merchant_cannot_issue_terminals(self, actors):
        response = ApiClient(actors.merchant).post(
            f"territory/businesses/{actors.shop.pk}/terminals", {"name": "Cassa 2"}
        )
        assert response.status_code == 403

    def test_terminal_name_is_required(self, actors):
        response = ApiClient(actors.manager).post(
            f"territory/businesses/{actors.shop.pk}/terminals", {"name": ""}
        )
        assert response.status_code == 422
        assert error_of(response)["field"] == "name"
