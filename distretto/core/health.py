"""Liveness of the database and of the optional services, each with its latency."""

from __future__ import annotations

import time
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection

OK, NOT_CONFIGURED, DOWN = "ok", "not_configured", "down"


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a health probe reports every failure, whatever its kind
        return {
            "status": DOWN,
            "error": f"{type(exc).__name__}: {exc}",
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return {"status": OK, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def check_database() -> dict:
    def ping() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return {"vendor": connection.vendor, **_timed(ping)}


def check_redis(url: str | None = None) -> dict:
    url = settings.REDIS_URL if url is None else url
    if not url:
        return {"status": NOT_CONFIGURED}

    def ping() -> None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            client.ping()
        finally:
            client.close()

    return _timed(ping)


def check_mqtt(url: str | None = None) -> dict:
    """Open an MQTT session (CONNECT/CONNACK) with the broker and close it."""
    url = settings.MQTT_URL if url is None else url
    if not url:
        return {"status": NOT_CONFIGURED}

    def ping() -> None:
        import paho.mqtt.client as mqtt

        parsed = urlparse(url)
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        if parsed.username:
            client.username_pw_set(parsed.username, parsed.password)
        client.connect(parsed.hostname or "127.0.0.1", parsed.port or 1883, keepalive=5)
        client.socket().settimeout(1)
        deadline = time.monotonic() + 2
        while not client.is_connected():
            if time.monotonic() > deadline:
                raise TimeoutError("no CONNACK from broker")
            client.loop(timeout=0.1)
        client.disconnect()

    return _timed(ping)


def overall() -> dict:
    checks = {"database": check_database(), "redis": check_redis(), "mqtt": check_mqtt()}
    healthy = all(check["status"] != DOWN for check in checks.values())
    return {"status": OK if healthy else DOWN, **checks}
