"""/healthz reports the database and each optional service with its latency."""

import socket

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@override_settings(REDIS_URL="", MQTT_URL="")
def test_unconfigured_services_are_reported_as_such(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok" and body["database"]["latency_ms"] >= 0
    assert body["redis"] == {"status": "not_configured"}
    assert body["mqtt"] == {"status": "not_configured"}


def test_real_redis_and_mqtt_are_ok(client, redis_url, mqtt_url):
    with override_settings(REDIS_URL=redis_url, MQTT_URL=mqtt_url):
        body = client.get("/healthz").json()
    assert body["redis"]["status"] == "ok" and "latency_ms" in body["redis"]
    assert body["mqtt"]["status"] == "ok" and "latency_ms" in body["mqtt"]


def test_a_service_that_is_down_makes_the_check_fail(client):
    port = closed_port()
    with override_settings(
        REDIS_URL=f"redis://127.0.0.1:{port}/0", MQTT_URL=f"mqtt://127.0.0.1:{port}"
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["redis"]["status"] == "down" and "error" in body["redis"]
    assert body["mqtt"]["status"] == "down"
