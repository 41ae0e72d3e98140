"""The MQTT ingester against the local Mosquitto: nothing published while it is down is lost."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
import pytest

from distretto.energy.models import Reading, RejectedReading
from distretto.energy.mqtt import MqttIngester

pytestmark = pytest.mark.django_db(transaction=True)


def publish(url: str, topic: str, payloads: list[bytes]) -> None:
    parsed = urlparse(url)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex}")
    client.connect(parsed.hostname, parsed.port or 1883)
    client.loop_start()
    for payload in payloads:
        client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def telegram(hour: int, value: float) -> bytes:
    return json.dumps(
        {
            "media": "heat",
            "meter": "kamheat",
            "id": "87654321",
            "total_energy_consumption_kwh": value,
            "timestamp": f"2026-01-05T{hour:02d}:00:00Z",
        }
    ).encode()


def test_messages_published_while_the_ingester_is_down_are_ingested(mqtt_url, heat_meter):
    run = uuid.uuid4().hex
    topic = f"test/{run}/wmbusmeters"
    client_id = f"ingest-{run}"

    # First start creates the persistent session on the broker, then the ingester stops.
    first = MqttIngester(mqtt_url, topic, client_id=client_id, flush_seconds=0.2)
    first.run(idle_exit=0.5)
    assert first.stats.connects == 1

    # While it is down, a gateway publishes a day of readings and one broken payload.
    publish(mqtt_url, topic, [telegram(h, 100 + 5 * h) for h in range(24)] + [b"\x00garbage"])

    second = MqttIngester(mqtt_url, topic, client_id=client_id, batch_size=10, flush_seconds=0.2)
    stats = second.run(idle_exit=1.0, max_messages=25)
    assert stats.messages == 25
    assert stats.accepted == 24
    assert Reading.objects.filter(meter=heat_meter).count() == 24
    assert RejectedReading.objects.get(source="mqtt").code == "malformed"
    assert stats.batches >= 3  # batched writes, at most 10 messages each

    # Redelivery or a repeated publish changes nothing.
    publish(mqtt_url, topic, [telegram(5, 125)])
    third = MqttIngester(mqtt_url, topic, client_id=client_id, flush_seconds=0.2)
    assert third.run(idle_exit=0.5, max_messages=1).duplicates == 1
    assert Reading.objects.filter(meter=heat_meter).count() == 24

    forget_session(mqtt_url, client_id)


def forget_session(url: str, client_id: str) -> None:
    """Leave no persistent session behind on the broker."""
    parsed = urlparse(url)
    cleaner = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    cleaner.connect(parsed.hostname, parsed.port or 1883)
    cleaner.disconnect()


def test_command_reports_what_it_ingested(mqtt_url, heat_meter):
    from io import StringIO

    from django.core.management import call_command

    run = uuid.uuid4().hex
    out = StringIO()
    call_command(
        "mqtt-ingest",
        url=mqtt_url,
        topic=f"test/{run}/#",
        client_id=f"cmd-{run}",
        idle_exit=0.3,
        flush_seconds=0.1,
        stdout=out,
    )
    assert "0 messages" in out.getvalue()
    forget_session(mqtt_url, f"cmd-{run}")
    with pytest.raises(Exception, match="MQTT_URL"):
        call_command("mqtt-ingest", url="", stdout=out)
