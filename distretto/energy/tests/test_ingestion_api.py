"""POST /api/v1/energy/readings: plain readings and wmbusmeters telegrams, rejections, replay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from distretto.energy.models import Meter, Reading, RejectedReading, Site
from distretto.energy.services import meter_consumption
from distretto.testing import error_of

pytestmark = pytest.mark.django_db

# As published by wmbusmeters (--format=json) for three drivers.
HCA_TELEGRAM = {
    "media": "heat cost allocation",
    "meter": "qcaloric",
    "name": "Radiatore soggiorno",
    "id": "12345678",
    "current_consumption_hca": 37,
    "set_date": "2025-12-31",
    "consumption_at_set_date_hca": 1249,
    "set_date_1": "2025-12-31",
    "consumption_at_set_date_1_hca": 1249,
    "timestamp": "2026-01-05T09:00:00Z",
}
HEAT_TELEGRAM = {
    "media": "heat",
    "meter": "kamheat",
    "name": "Calorie interno 1",
    "id": "87654321",
    "status": "OK",
    "total_energy_consumption_kwh": 4812,
    "total_volume_m3": 123.45,
    "volume_flow_m3h": 0.2,
    "t1_temperature_c": 55.1,
    "t2_temperature_c": 41.2,
    "timestamp": "2026-01-05T09:00:00Z",
}
WATER_TELEGRAM = {
    "media": "cold water",
    "meter": "multical21",
    "name": "Acqua interno 1",
    "id": "11223344",
    "total_m3": 6.408,
    "target_m3": 6.408,
    "max_flow_m3h": 0,
    "flow_temperature_c": 127,
    "external_temperature_c": 19,
    "current_status": "DRY",
    "timestamp": "2026-01-05T09:00:00Z",
}


def later(telegram: dict, hours: int, **values) -> dict:
    ts = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC) + dt.timedelta(hours=hours)
    return {**telegram, **values, "timestamp": ts.isoformat().replace("+00:00", "Z")}


def test_wmbusmeters_telegrams_of_three_meter_types(gateway_api, hca, heat_meter, water_meter):
    batch = [
        HCA_TELEGRAM,
        HEAT_TELEGRAM,
        WATER_TELEGRAM,
        later(HCA_TELEGRAM, 24, current_consumption_hca=45),
        later(HEAT_TELEGRAM, 24, total_energy_consumption_kwh=4870.5),
        later(WATER_TELEGRAM, 24, total_m3=6.611),
    ]
    response = gateway_api.post("energy/readings", batch)
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 6, "duplicates": 0, "rejected": []}
    totals = meter_consumption(
        [hca, heat_meter, water_meter], dt.date(2026, 1, 1), dt.date(2026, 2, 1)
    )
    # The allocator restarted from zero when its set date (31 December) ended: its
    # first reading counts from there (37), then 8 more.
    assert totals == {
        hca.pk: Decimal("45.000"),
        heat_meter.pk: Decimal("58.500"),
        water_meter.pk: Decimal("0.203"),
    }


def test_plain_readings_and_duplicates(gateway_api, heat_meter):
    batch = [
        {"meter": "87654321", "ts": "2026-01-05T10:00:00+01:00", "value": 100},
        {"meter": "87654321", "ts": "2026-01-05T11:00:00+01:00", "value": "112.5"},
    ]
    assert gateway_api.post("energy/readings", batch).json()["accepted"] == 2
    again = gateway_api.post("energy/readings", batch).json()
    assert again == {"accepted": 0, "duplicates": 2, "rejected": []}
    assert Reading.objects.filter(meter=heat_meter).count() == 2


def test_every_rejection_code_is_reported_and_kept(gateway_api, heat_meter, gateway):
    batch = [
        {"meter": "87654321", "ts": "2026-01-05T10:00:00+01:00", "value": 100},
        {"meter": "NOPE", "ts": "2026-01-05T10:00:00+01:00", "value": 1},
        {"meter": "87654321", "ts": "2026-01-05T10:15:00+01:00", "value": "tanto"},
        {"meter": "87654321", "ts": "2026-01-05T10:30:00+01:00", "value": -4},
        {"meter": "87654321", "ts": "2999-01-01T00:00:00+00:00", "value": 101},
        {"meter": "87654321", "ts": "ieri", "value": 101},
        "not an object",
        {"media": "heat", "meter": "kamheat", "id": "87654321", "timestamp": "2026-01-05T10:00Z"},
    ]
    body = gateway_api.post("energy/readings", batch).json()
    assert body["accepted"] == 1
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [
        (1, "unknown_meter"),
        (2, "not_numeric"),
        (3, "negative_value"),
        (4, "future_timestamp"),
        (5, "malformed"),
        (6, "malformed"),
        (7, "unsupported_driver"),
    ]
    kept = RejectedReading.objects.filter(site=gateway.site, status="open")
    assert kept.count() == 7
    assert kept.get(code="unknown_meter").payload["meter"] == "NOPE"


def test_body_that_is_not_json_is_422(gateway_api):
    response = gateway_api.post("energy/readings", "{oops")
    assert response.status_code == 422
    assert error_of(response)["field"] == "body"


def test_gateway_ingests_only_for_its_own_site(gateway_api, actors):
    other = Site.objects.create(district=actors.district, name="Altro complesso")
    Meter.objects.create(site=other, kind="heat", external_id="OTHER1")
    body = gateway_api.post(
        "energy/readings", [{"meter": "OTHER1", "ts": "2026-01-05T10:00:00Z", "value": 1}]
    ).json()
    assert body["rejected"][0]["code"] == "unknown_meter"
    assert not Reading.objects.exists()


def test_gateway_may_not_read_the_registry(gateway_api, site):
    assert gateway_api.get(f"energy/sites/{site.pk}").status_code == 404
    assert gateway_api.get("energy/meters").json()["count"] == 0


def test_manager_reviews_and_replays_after_fixing_the_registry(
    actors, api_as, gateway_api, site, flat
):
    gateway_api.post(
        "energy/readings",
        [
            {"meter": "NEW1", "ts": "2026-01-05T10:00:00Z", "value": 10},
            {"meter": "NEW1", "ts": "2026-01-05T11:00:00Z", "value": 14},
        ],
    )
    manager = api_as(actors.energy_manager)
    listed = manager.get("energy/rejections").json()
    assert listed["count"] == 2 and listed["items"][0]["code"] == "unknown_meter"
    assert manager.post("energy/rejections/replay", {}).json() == {
        "replayed": 0,
        "still_rejected": 2,
    }
    manager.post(
        "energy/meters", {"site": site.pk, "unit": flat.pk, "kind": "heat", "external_id": "NEW1"}
    )
    assert manager.post("energy/rejections/replay", {}).json() == {
        "replayed": 2,
        "still_rejected": 0,
    }
    assert manager.get("energy/rejections").json()["count"] == 0
    meter = Meter.objects.get(external_id="NEW1")
    assert meter.last_value == 14
    assert api_as(actors.outsider).get("energy/rejections").json()["count"] == 0


def test_csv_upload_streams_in_batches(actors, api_as, heat_meter, hca):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lines = ["meter;ts;value"]
    for hour in range(30):
        lines.append(f"87654321;2026-01-05T{hour % 24:02d}:00:00+00:00;{100 + hour}")
    lines.append("12345678;2026-01-05T10:00:00Z;abc")
    upload = SimpleUploadedFile("letture.csv", "\n".join(lines).encode(), "text/csv")
    api = api_as(actors.energy_manager)
    response = api.client.post("/api/v1/energy/readings.csv", {"file": upload}, **api.headers)
    assert response.status_code == 200, response.content
    body = response.json()
    # Hours 24..29 repeat 00..05 of the same day: duplicates, not new readings.
    assert (body["accepted"], body["duplicates"]) == (24, 6)
    assert body["rejected"] == [
        {"index": 30, "code": "not_numeric", "message": "'abc' is not a number."}
    ]


def test_csv_progress_is_reported_per_batch(site, heat_meter):
    from distretto.energy.ingestion import ingest_csv

    lines = ["meter,ts,value\n"] + [f"87654321,2026-01-05T{h:02d}:00:00Z,{h}\n" for h in range(10)]
    progress = list(ingest_csv(lines, site_ids=[site.pk], batch_size=4))
    assert [p["processed"] for p in progress] == [4, 8, 10, 10]
    assert progress[-1]["done"] and progress[-1]["accepted"] == 10


def test_read_only_token_cannot_send_readings(actors, api_as, heat_meter):
    api = api_as(actors.energy_manager, scope="read")
    response = api.post("energy/readings", [])
    assert response.status_code == 403


def test_values_strict_json_refuses_are_rejected_one_by_one(gateway_api, heat_meter):
    # NaN and Infinity are not JSON, nor is an integer too large for a float to a
    # strict parser, but a gateway may write them: only their readings are refused,
    # not the whole batch. A byte order mark is accepted too.
    body = (
        b"\xef\xbb\xbf["
        b'{"meter": "87654321", "ts": "2026-01-05T10:00:00Z", "value": 100},'
        b'{"meter": "87654321", "ts": "2026-01-05T11:00:00Z", "value": NaN},'
        b'{"meter": "87654321", "ts": "2026-01-05T12:00:00Z", "value": Infinity},'
        b'{"meter": "87654321", "ts": "2026-01-05T13:00:00Z", "value": 1' + b"0" * 400 + b"}]"
    )
    response = gateway_api.post("energy/readings", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["accepted"] == 1
    assert [(r["index"], r["code"]) for r in answer["rejected"]] == [
        (1, "not_numeric"),
        (2, "not_numeric"),
        (3, "not_numeric"),
    ]
    kept = RejectedReading.objects.order_by("id").values_list("payload", flat=True)
    assert [payload["value"] for payload in kept[:2]] == ["nan", "inf"]


def test_unknown_meter_rejects_each_of_its_readings_by_index(gateway_api, heat_meter):
    batch = [
        {"meter": "NOPE", "ts": "2026-01-05T10:00:00Z", "value": 1},
        {"meter": "87654321", "ts": "2026-01-05T10:00:00Z", "value": 100},
        {"meter": "NOPE", "ts": "2026-01-05T11:00:00Z", "value": 2},
    ]
    answer = gateway_api.post("energy/readings", batch).json()
    assert answer["accepted"] == 1
    assert [(r["index"], r["code"]) for r in answer["rejected"]] == [
        (0, "unknown_meter"),
        (2, "unknown_meter"),
    ]
    assert RejectedReading.objects.get(payload__value=2).payload["ts"] == "2026-01-05T11:00:00Z"


def test_openapi_describes_the_readings_body(gateway_api):
    schema = gateway_api.client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/energy/readings"]["post"]["requestBody"]
    items = body["content"]["application/json"]["schema"]["items"]["anyOf"]
    assert [item["title"] for item in items] == ["ReadingIn", "TelegramIn"]
    assert items[0]["required"] == ["meter", "ts", "value"]
    assert "current_consumption_hca" in items[1]["properties"]
