"""The API keeps its contract for inputs that used to make a 500 or be misread (issue 18),
and its OpenAPI document says what the server does."""

from __future__ import annotations

import pytest
from django.utils import translation

from distretto.api import api
from distretto.core.contract import ERROR_SCHEMA, component_classes
from distretto.energy.models import RejectedReading, Site
from distretto.testing import error_of

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63


@pytest.fixture(scope="module")
def document() -> dict:
    return api.get_openapi_schema()


def test_an_id_beyond_64_bits_in_a_path_is_not_found(actors, api_as):
    response = api_as(actors.operator).get(f"territory/chambers/{TOO_BIG}")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        (f"loyalty/campaigns?offset={TOO_BIG}", "offset"),
        (f"territory/districts?chamber={TOO_BIG}", "chamber"),
        (f"territory/businesses?district={-(TOO_BIG + 1)}", "district"),
        ("territory/chambers?limit=501", "limit"),
        ("territory/chambers?offset=-1", "offset"),
    ],
)
def test_an_integer_out_of_range_in_a_filter_is_422_naming_it(actors, api_as, path, parameter):
    response = api_as(actors.operator).get(path)
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == parameter


def test_an_id_beyond_64_bits_in_a_body_is_422(actors, api_as):
    response = api_as(actors.operator).post(
        "energy/rejections/replay", {"ids": [TOO_BIG]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "ids"


@pytest.mark.parametrize("field", ["time_zone", "name", "centre_lat", "active"])
def test_patch_null_on_a_field_that_cannot_be_null_is_422_naming_it(actors, api_as, field):
    response = api_as(actors.operator).patch(
        f"territory/districts/{actors.district.pk}", {field: None}
    )
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field
    actors.district.refresh_from_db()
    assert actors.district.time_zone and actors.district.name


def test_patch_null_on_a_nullable_field_still_clears_it(actors, api_as):
    response = api_as(actors.operator).patch(
        f"territory/districts/{actors.district.pk}", {"boundary": None}
    )
    assert response.status_code == 200, response.content
    assert response.json()["boundary"] is None


def test_a_merchant_patching_their_business_with_null_gets_422(actors, api_as):
    response = api_as(actors.merchant).patch(
        f"territory/businesses/{actors.shop.pk}", {"name": None}
    )
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == "name"


@pytest.mark.parametrize("body", ['"x"', "42", "[]", "null", "true"])
def test_a_body_that_is_not_a_json_object_is_422(actors, api_as, body):
    response = api_as(actors.operator).patch(f"territory/districts/{actors.district.pk}", body)
    assert response.status_code == 422, response.content
    assert error_of(response)["code"] == "invalid"


def test_replaying_rejections_with_a_string_body_replays_nothing(actors, api_as):
    site = Site.objects.create(district=actors.district, name="Condominio")
    rejection = RejectedReading.objects.create(
        site=site, source="api", code="malformed", message="bad", payload={}
    )
    response = api_as(actors.operator).post("energy/rejections/replay", '"x"')
    assert response.status_code == 422
    rejection.refresh_from_db()
    assert rejection.status == RejectedReading.Status.OPEN


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "Lodi\u0000"}, "name"), ({"boundary": {"type": "x\u0000"}}, "boundary")],
)
def test_text_with_a_nul_character_is_422_naming_the_field(actors, api_as, body, field):
    response = api_as(actors.operator).patch(f"territory/districts/{actors.district.pk}", body)
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field


def test_multipart_without_boundary_is_400_with_the_envelope(actors, api_as):
    client = api_as(actors.operator)
    response = client.client.post(
        "/api/v1/catalog/products/import",
        b"--x\r\n",
        content_type="multipart/form-data",
        **client.headers,
    )
    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == "malformed_multipart"


def test_a_bound_in_the_schema_is_refused_in_the_callers_language(actors, api_as):
    client = api_as(actors.operator)
    italian = client.get("territory/businesses?limit=1000")
    assert italian.status_code == 422 and error_of(italian)["field"] == "limit"
    assert error_of(italian)["message"] == "limit: Deve essere al massimo 500."
    english = client.get("territory/businesses?limit=1000", HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(english)["message"] == "limit: Must be at most 500."


def test_a_body_over_the_size_limit_is_413_with_the_envelope(actors, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = api_as(actors.operator).patch(
        f"territory/districts/{actors.district.pk}", {"name": "Lodi " * 400}
    )
    assert response.status_code == 413, response.content
    error = error_of(response)
    assert error["code"] == "too_large" and "1,000 bytes" in error["message"]


@pytest.mark.parametrize("value", ["0", "1700000000", "false"])
def test_a_number_is_not_a_date(actors, api_as, value):
    response = api_as(actors.operator).get(f"multiservice/impact?date_to={value}")
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == "date_to"


def test_an_iso_date_still_is(actors, api_as):
    response = api_as(actors.operator).get("multiservice/impact?date_to=2026-01-31")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("temperature", [False, True])
def test_a_boolean_is_not_a_temperature(actors, api_as, temperature):
    site = Site.objects.create(district=actors.district, name="Condominio")
    response = api_as(actors.operator).post(
        f"energy/sites/{site.pk}/weather",
        {"days": [{"day": "2026-01-05", "mean_temperature": temperature}]},
    )
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == "days.mean_temperature"


def test_role_refusals_speak_the_callers_language(actors, api_as):
    client = api_as(actors.merchant)
    district = {
        "chamber": actors.chamber.pk,
        "name": "Nuovo",
        "slug": "nuovo",
        "kind": "rural_network",
        "centre_lat": 45.3,
        "centre_lon": 9.5,
    }
    italian = client.post("territory/districts", district)
    assert italian.status_code == 403, italian.content
    assert error_of(italian)["message"] == "Il tuo ruolo non consente questa operazione."
    english = client.post("territory/districts", district, HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(english)["message"] == "Your role may not do this."
    translation.activate("it")


def test_every_operation_documents_its_errors_with_the_envelope(document):
    envelope = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    assert document["components"]["schemas"][ERROR_SCHEMA]["required"] == ["error"]
    operations = [op for methods in document["paths"].values() for op in methods.values()]
    assert len(operations) > 150
    for operation in operations:
        responses = operation["responses"]
        for status in (400, 401, 403, 404, 409, 422, 429):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == envelope, (operation["operationId"], status)


def test_the_document_states_the_limits(document):
    chambers = document["paths"]["/api/v1/territory/chambers"]["get"]["parameters"]
    by_name = {parameter["name"]: parameter["schema"] for parameter in chambers}
    assert by_name["limit"]["minimum"] == 1
    assert by_name["limit"]["maximum"] == 500
    assert by_name["offset"]["minimum"] == 0
    chamber = document["paths"]["/api/v1/territory/chambers/{chamber_id}"]["get"]
    assert chamber["parameters"][0]["schema"]["maximum"] == 2**63 - 1
    weather = document["components"]["schemas"]["WeatherDay"]["properties"]
    assert weather["mean_temperature"]["minimum"] == -60
    assert weather["mean_temperature"]["maximum"] == 60
    assert not list(python_named_bounds(document))


def python_named_bounds(node):
    """Bounds spelled as pydantic's ``ge``/``le`` instead of JSON Schema's keywords."""
    if isinstance(node, list):
        for item in node:
            yield from python_named_bounds(item)
    elif isinstance(node, dict):
        if node.get("type") in ("integer", "number") and {"ge", "le", "gt", "lt"} & set(node):
            yield node
        for value in node.values():
            yield from python_named_bounds(value)


def test_catalog_and_multiservice_deliveries_are_documented_with_their_own_fields(document):
    catalog = document["paths"]["/api/v1/catalog/venues/{venue_id}/deliveries"]["post"]
    schema = catalog["responses"][201]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/VenueDeliveryOut"}
    assert "business" in document["components"]["schemas"]["DeliveryOut"]["properties"]


def test_component_names_are_unique():
    classes_by_name = component_classes(api)
    assert "VenueDeliveryOut" in classes_by_name
    assert {name for name, classes in classes_by_name.items() if len(classes) > 1} == set()
