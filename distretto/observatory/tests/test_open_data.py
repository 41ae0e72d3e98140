"""The public indicators API, its CSV, small-count suppression and the DCAT-AP_IT
catalogue."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from distretto.observatory.models import MonthlyValue
from distretto.observatory.tests.conftest import at
from distretto.testing import DistrictFactory, error_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/observatory/indicators"


def put(actors, code: str, value: float, basis: int | None, month=date(2026, 3, 1), **where):
    return MonthlyValue.objects.create(
        chamber=actors.chamber,
        district=where.get("district", actors.district),
        month=month,
        indicator=code,
        value=value,
        numerator=value,
        basis=basis,
        computed_at=at(1, month=4),
    )


@pytest.fixture
def published(actors):
    """March 2026: 12 active cards (shown), 3 cross-shopping cards (suppressed),
    5 totems (public things), a check-up score (never published), the chamber's 12."""
    put(actors, "cards_active", 12, 12)
    put(actors, "cards_cross_shopping", 3, 3)
    put(actors, "totems", 5, None)
    put(actors, "checkup_score", 71.5, 2)
    put(actors, "cards_active", 12, 12, district=None)


def test_values_resting_on_fewer_than_five_are_suppressed(anonymous_api, published):
    response = anonymous_api.get(URL, {"from": "2026-03", "to": "2026-03"})
    assert response.status_code == 200
    rows = {(r["indicator"], r["district"]): r for r in response.json()["results"]}
    assert rows[("cards_active", "lodi")]["value"] == 12
    assert rows[("cards_active", "lodi")]["suppressed"] is False
    assert rows[("cards_cross_shopping", "lodi")]["value"] is None
    assert rows[("cards_cross_shopping", "lodi")]["suppressed"] is True
    assert rows[("totems", "lodi")]["value"] == 5
    assert rows[("cards_active", None)]["district_name"] == "Camera di Commercio di Lodi"
    assert ("checkup_score", "lodi") not in rows  # not publishable


def test_a_chamber_total_that_would_give_a_small_district_away_is_suppressed(anonymous_api, actors):
    """Lodi's chamber gets a second district with 3 cross-shopping cards (suppressed)
    beside Lodi's 40: the chamber's 43, less Lodi's 40, would give the 3 away, so the
    total is blanked too, whichever filter asks. Active cards, 40 and 20, stay shown."""
    small = DistrictFactory(chamber=actors.chamber, name="Distretto di Codogno", slug="codogno")
    put(actors, "cards_cross_shopping", 40, 40)
    put(actors, "cards_cross_shopping", 3, 3, district=small)
    put(actors, "cards_cross_shopping", 43, 43, district=None)
    put(actors, "cards_active", 40, 40)
    put(actors, "cards_active", 20, 20, district=small)
    put(actors, "cards_active", 60, 60, district=None)

    for params in ({}, {"chamber": "lodi"}):
        response = anonymous_api.get(URL, {"from": "2026-03", "to": "2026-03", **params})
        rows = {(r["indicator"], r["district"]): r for r in response.json()["results"]}
        assert rows[("cards_cross_shopping", "lodi")]["value"] == 40
        assert rows[("cards_cross_shopping", "codogno")]["suppressed"] is True
        assert rows[("cards_cross_shopping", None)]["value"] is None
        assert rows[("cards_cross_shopping", None)]["suppressed"] is True
        assert rows[("cards_active", None)]["value"] == 60


def test_a_chamber_total_is_shown_when_what_is_held_back_is_not_small(anonymous_api, actors):
    """Two small districts (3 and 4 cards) are suppressed, but together they are 7:
    the total less Lodi's 40 gives only their sum, so the chamber's 47 is shown."""
    for slug, count in (("codogno", 3), ("casale", 4)):
        district = DistrictFactory(chamber=actors.chamber, slug=slug, name=slug.title())
        put(actors, "cards_cross_shopping", count, count, district=district)
    put(actors, "cards_cross_shopping", 40, 40)
    put(actors, "cards_cross_shopping", 47, 47, district=None)
    response = anonymous_api.get(URL, {"from": "2026-03", "to": "2026-03"})
    rows = {(r["indicator"], r["district"]): r for r in response.json()["results"]}
    assert rows[("cards_cross_shopping", None)]["value"] == 47


def test_the_district_filter_and_the_default_period(anonymous_api, actors, published):
    put(actors, "cards_active", 20, 20, district=actors.other_district)
    response = anonymous_api.get(URL, {"district": "lodi", "from": "2026-01", "to": "2026-06"})
    assert {r["district"] for r in response.json()["results"]} == {"lodi"}
    assert response.json()["count"] == 3


def test_csv_has_the_documented_columns_and_blank_suppressed_values(anonymous_api, published):
    response = anonymous_api.get(URL, {"from": "2026-03", "to": "2026-03", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "month",
        "chamber",
        "district",
        "district_name",
        "area",
        "indicator",
        "name",
        "unit",
        "value",
        "suppressed",
        "estimate",
    ]
    by_key = {(r["indicator"], r["district"]): r for r in rows}
    assert by_key[("cards_active", "lodi")]["value"] == "12.0"
    assert by_key[("cards_cross_shopping", "lodi")]["value"] == ""
    assert by_key[("cards_cross_shopping", "lodi")]["suppressed"] == "true"
    assert all(r["month"] == "2026-03" for r in rows)
    assert float(by_key[("cards_active", "")]["value"]) == 12


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"to": "March"}, "to"),
        ({"from": "2026-05", "to": "2026-03"}, "from"),
        ({"from": "2000-01", "to": "2026-03"}, "to"),
        ({"district": "atlantide"}, "district"),
        ({"chamber": "nowhere"}, "chamber"),
        ({"indicator": "checkup_score"}, "indicator"),
        ({"format": "xml"}, "format"),
        ({"limit": "0"}, "limit"),
    ],
)
def test_bad_input_is_422_naming_the_field(anonymous_api, params, field):
    response = anonymous_api.get(URL, params)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_definitions_list_every_published_indicator(anonymous_api):
    from distretto.observatory import indicators as ind

    response = anonymous_api.get("/api/v1/observatory/definitions")
    codes = [row["code"] for row in response.json()]
    assert codes == [i.code for i in ind.published()]
    assert "checkup_score" not in codes


def test_catalog_is_a_dcat_ap_it_document(anonymous_api, actors, published):
    response = anonymous_api.get("/api/v1/observatory/catalog.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    assert {"dcat", "dct", "dcatapit", "foaf"} <= set(document["@context"])
    assert "dcat:Catalog" in document["@type"]
    for key in ("dct:title", "dct:description", "dct:publisher", "dct:modified", "dcat:dataset"):
        assert document[key], key
    datasets = {d["dct:publisher"]["dct:identifier"]: d for d in document["dcat:dataset"]}
    lodi = datasets["lodi"]
    assert lodi["dct:publisher"]["foaf:name"] == actors.chamber.name
    assert lodi["dct:rightsHolder"]["foaf:name"] == actors.chamber.name
    assert "dcatapit:Dataset" in lodi["@type"]
    assert lodi["dct:accrualPeriodicity"]["@id"].endswith("/frequency/MONTHLY")
    assert lodi["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
    assert lodi["dct:temporal"]["dcat:startDate"]["@value"] == "2026-03-01"
    for key in ("dct:identifier", "dct:title", "dcat:theme", "dct:modified", "dcat:contactPoint"):
        assert lodi[key], key
    formats = {}
    for distribution in lodi["dcat:distribution"]:
        assert distribution["dct:license"]["@id"].endswith("/by/4.0/")
        url = distribution["dcat:accessURL"]["@id"]
        formats[distribution["dct:format"]["@id"].rsplit("/", 1)[1]] = url
        # Every distribution answers.
        assert anonymous_api.get(url.split("testserver", 1)[1]).status_code == 200
    assert set(formats) == {"CSV", "JSON"}


def test_catalog_of_one_chamber_and_an_unknown_one(anonymous_api, published):
    one = json.loads(anonymous_api.get("/api/v1/observatory/catalog.json?chamber=lodi").content)
    assert one["dct:publisher"]["dct:identifier"] == "lodi"
    missing = anonymous_api.get("/api/v1/observatory/catalog.json?chamber=nowhere")
    assert missing.status_code == 422
    assert error_of(missing)["field"] == "chamber"
