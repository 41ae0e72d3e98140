"""Anomaly notification with no reachable mail server (issue 18, item 4): the anomalies
are saved, the caller gets its answer, the failure is recorded, logged and counted,
and a later run sends what is still unnotified."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from prometheus_client import REGISTRY

from distretto.energy.ingestion import store
from distretto.energy.models import Anomaly
from distretto.testing import ApiClient

pytestmark = pytest.mark.django_db

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def closed_port() -> int:
    """A local TCP port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_smtp():
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=closed_port(),
        EMAIL_TIMEOUT=5,
    )


def failed_count() -> float:
    value = REGISTRY.get_sample_value(
        "distretto_energy_anomaly_notifications_total", {"outcome": "failed"}
    )
    return value or 0.0


def test_detection_with_the_mail_server_down_answers_and_retries_later(
    site, heat_meter, actors, caplog
):
    store([(heat_meter.pk, LONG_AGO, 10.0)])  # silent for years: missing data
    before = failed_count()
    api = ApiClient(actors.energy_manager)
    with unreachable_smtp(), caplog.at_level(logging.WARNING, "distretto.energy.anomalies"):
        response = api.post(f"energy/sites/{site.pk}/anomalies/detect")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1
    anomaly = Anomaly.objects.get(site=site, meter=heat_meter)
    assert anomaly.notified_at is None
    assert anomaly.notify_attempts == 1
    assert "ConnectionRefused" in anomaly.notify_error
    assert "anomaly notification failed" in caplog.text
    assert failed_count() == before + 1
    listed = api.get("energy/anomalies", {"site": site.pk}).json()["items"][0]
    assert listed["notify_attempts"] == 1 and listed["notified_at"] is None

    # Still down: the periodic job tries again and counts another attempt.
    out = StringIO()
    with unreachable_smtp():
        call_command("energy-anomalies", "--notify-only", stdout=out)
    assert "0 notified, 1 waiting" in out.getvalue()
    anomaly.refresh_from_db()
    assert anomaly.notify_attempts == 2

    # The server is back (the test's mail outbox): the anomaly is sent once.
    call_command("energy-anomalies", "--notify-only", stdout=out)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [actors.energy_manager.email]
    anomaly.refresh_from_db()
    assert anomaly.notified_at is not None and anomaly.notify_error == ""
    call_command("energy-anomalies", "--notify-only", stdout=out)
    assert len(mail.outbox) == 1


def test_attempts_stop_after_the_limit(site, heat_meter, actors):
    from distretto.energy import anomalies

    store([(heat_meter.pk, LONG_AGO, 10.0)])
    with unreachable_smtp():
        anomalies.detect(site)
    Anomaly.objects.update(notify_attempts=anomalies.MAX_NOTIFY_ATTEMPTS)
    assert anomalies.notify_pending(site) == 0
    assert len(mail.outbox) == 0


def test_metrics_endpoint_shows_the_failures(site, heat_meter, actors, client):
    store([(heat_meter.pk, LONG_AGO, 10.0)])
    with unreachable_smtp():
        ApiClient(actors.energy_manager).post(f"energy/sites/{site.pk}/anomalies/detect")
    with override_settings(METRICS_TOKEN="secret-metrics", METRICS_ALLOW_NETWORKS=[]):
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer secret-metrics")
    assert response.status_code == 200
    assert b'distretto_energy_anomaly_notifications_total{outcome="failed"}' in response.content
