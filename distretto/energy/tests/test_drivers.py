"""wmbusmeters' own driver test vectors, over HTTP and over MQTT (the local Mosquitto).

The vectors are in ``wmbusmeters_vectors.json``: the JSON wmbusmeters prints for
its drivers' test telegrams (source, commit and licence named in the file). Each
must be stored with the counter value its driver's table entry names, in the
right unit; a vector that carries no counter is refused as ``unsupported_driver``
with the driver and its fields named.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest

from distretto.energy import drivers
from distretto.energy.ingestion import ingest
from distretto.energy.models import Meter, Reading, RejectedReading
from distretto.energy.mqtt import MqttIngester
from distretto.energy.tests.test_mqtt import forget_session, publish

from .conftest import make_meter

FIXTURE = json.loads((Path(__file__).parent / "wmbusmeters_vectors.json").read_text())
VECTORS = FIXTURE["vectors"]
START = dt.datetime(2026, 1, 10, tzinfo=dt.UTC)
KINDS = {"hca": "hca", "heat": "heat", "water": "water", "fuel": "fuel"}
UNITS = {"hca": "HCA", "heat": "kWh", "water": "m3", "fuel": "m3"}


def stamped() -> list[tuple[dict, dict, dt.datetime]]:
    """Each vector with its own timestamp (theirs is a placeholder, 1111-11-11)."""
    out = []
    for index, vector in enumerate(VECTORS):
        moment = START + dt.timedelta(hours=index)
        telegram = {**vector["telegram"], "timestamp": moment.isoformat()}
        out.append((vector, telegram, moment))
    return out


def register_meters(site) -> dict[str, Meter]:
    """One meter per wM-Bus id, of the kind of the first vector with that id."""
    meters: dict[str, Meter] = {}
    for vector in VECTORS:
        external_id = vector["telegram"]["id"]
        if external_id not in meters:
            meters[external_id] = make_meter(
                site, kind=KINDS[vector["kind"]], external_id=external_id
            )
    return meters


def check_stored(meters: dict[str, Meter]) -> None:
    rejections = list(RejectedReading.objects.filter(code="unsupported_driver"))
    refused = [v for v in VECTORS if v["expect"].get("rejected")]
    assert len(rejections) == len(refused) >= 5
    for vector, telegram, moment in stamped():
        expect = vector["expect"]
        meter = meters[telegram["id"]]
        if expect.get("rejected"):
            assert not Reading.objects.filter(meter=meter, ts=moment).exists()
            continue
        reading = Reading.objects.get(meter=meter, ts=moment)
        assert reading.value == pytest.approx(expect["value"]), (telegram["meter"], telegram)
        assert drivers.unit_of(expect["field"]) == expect["unit"] == UNITS[vector["kind"]]
        assert reading.status == telegram.get("status")
    for rejection in rejections:
        driver = rejection.payload["meter"]
        assert f"driver {driver!r}" in rejection.message
        numeric = drivers.carried_fields(rejection.payload)
        assert all(name in rejection.message for name in numeric[:3])


def test_every_vector_is_covered_by_the_table():
    """The fixture holds allocators, heat, water and gas vectors of many drivers."""
    names = {v["telegram"]["meter"] for v in VECTORS}
    for needed in [
        "qcaloric",
        "sontex868",
        "fhkvdataiii",
        "fhkvdataiv",
        "hydroclimav2",
        "apatoreitn",
        "bfw240radio",
        "kamheat",
        "sharky774",
        "qheatv2",
        "hydrocalm3",
        "ultraheat",
        "itron",
        "iperl",
    ]:
        assert needed in names
        assert needed in drivers.DRIVERS
    assert len(VECTORS) > 250
    assert "GPL-3.0" in FIXTURE["licence"]


@pytest.mark.django_db
def test_vectors_over_http(gateway_api, site):
    meters = register_meters(site)
    items = [telegram for _vector, telegram, _moment in stamped()]
    accepted = 0
    for first in range(0, len(items), 100):
        response = gateway_api.post("energy/readings", items[first : first + 100])
        assert response.status_code == 200, response.content
        body = response.json()
        accepted += body["accepted"]
        assert {r["code"] for r in body["rejected"]} <= {"unsupported_driver"}
    assert accepted == sum(1 for v in VECTORS if not v["expect"].get("rejected"))
    check_stored(meters)


@pytest.mark.django_db(transaction=True)
def test_vectors_over_mqtt(mqtt_url, site):
    meters = register_meters(site)
    run = uuid.uuid4().hex
    topic = f"test/{run}/wmbusmeters"
    client_id = f"drivers-{run}"
    first = MqttIngester(mqtt_url, topic, client_id=client_id, flush_seconds=0.2)
    first.run(idle_exit=0.3)
    payloads = [json.dumps(telegram).encode() for _vector, telegram, _moment in stamped()]
    publish(mqtt_url, topic, payloads)
    ingester = MqttIngester(mqtt_url, topic, client_id=client_id, flush_seconds=0.2)
    stats = ingester.run(idle_exit=1.0, max_messages=len(payloads))
    forget_session(mqtt_url, client_id)
    assert stats.messages == len(payloads)
    assert stats.accepted == sum(1 for v in VECTORS if not v["expect"].get("rejected"))
    check_stored(meters)


def test_unknown_driver_uses_the_fallback_order():
    unknown = {"meter": "newdevice", "total_m3": 3.5, "current_hca": 12}
    driver = drivers.driver_of(unknown)
    assert driver is drivers.FALLBACK
    # Allocator counters come before volumes in the fallback order.
    assert drivers.value_field(unknown, driver) == "current_hca"
    assert drivers.scaled("total_energy_consumption_mwh", 1.5) == 1500.0
    assert drivers.unit_of("total_energy_consumption_mwh") == "kWh"


@pytest.mark.django_db
def test_unsupported_driver_names_the_driver_and_its_fields(gateway_api, hca):
    telegram = {
        "media": "heat cost allocation",
        "meter": "mysterycal",
        "id": "12345678",
        "strange_units": 12,
        "temp_c": 21.5,
        "timestamp": "2026-01-05T09:00:00Z",
    }
    body = gateway_api.post("energy/readings", [telegram]).json()
    assert body["accepted"] == 0
    (rejection,) = body["rejected"]
    assert rejection["code"] == "unsupported_driver"
    assert "'mysterycal'" in rejection["message"]
    assert "strange_units" in rejection["message"] and "temp_c" in rejection["message"]
    # Broken telegrams stay malformed.
    broken = {**telegram, "timestamp": ""}
    assert gateway_api.post("energy/readings", [broken]).json()["rejected"][0]["code"] == (
        "malformed"
    )


@pytest.mark.parametrize(
    "raw", ["2127-01-01", "2127-15-31", "2000-00-00", "2021-02-30", "", None, 20201231]
)
def test_unset_or_impossible_dates_are_ignored(raw):
    assert drivers.parse_date(raw) is None


def test_real_dates_are_read():
    assert drivers.parse_date("2025-12-31") == dt.date(2025, 12, 31)
    assert drivers.parse_date("2026-02-09 04:01") == dt.date(2026, 2, 9)


@pytest.mark.django_db
def test_unset_set_date_is_not_an_error(site, flat):
    """A kaden allocator reports target_date 2127-01-01 (unset): the reading stands."""
    vector = next(v["telegram"] for v in VECTORS if v["telegram"]["meter"] == "kaden")
    meter = make_meter(site, flat, kind="hca", external_id=vector["id"])
    result = ingest([{**vector, "timestamp": "2026-02-09T05:00:00Z"}], site_ids=[site.pk])
    assert result.accepted == 1 and not result.rejected
    reading = Reading.objects.get(meter=meter)
    assert reading.set_at is None and reading.set_value is None
    assert reading.value == vector["consumption_hca"]
