"""/metrics: Prometheus text with requests by route and status, latency, till movements
and refusals by code, connected players and ingestion; readable with the token or from
an allowed network only."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from django.core.asgi import get_asgi_application
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from distretto.core import metrics
from distretto.loyalty import services as loyalty
from distretto.loyalty.tests.conftest import terminal_client
from distretto.testing import run_async

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "metrics-secret-token"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` with these labels in exposition ``text``."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


@override_settings(METRICS_TOKEN=TOKEN)
def test_requests_are_counted_by_route_and_status_with_their_latency(client, actors):
    before = scrape(client)
    route = "/territory/d/<slug:slug>/"
    count = sample(before, "distretto_http_requests_total", route=route, status="200")
    client.get("/territory/d/lodi/")
    client.get("/territory/d/no-such-district/")
    after = scrape(client)
    assert sample(after, "distretto_http_requests_total", route=route, status="200") == count + 1
    assert sample(after, "distretto_http_requests_total", route=route, status="404") >= 1
    assert (
        sample(after, "distretto_http_request_duration_seconds_count", route=route, method="GET")
        >= 2
    )
    assert sample(after, "distretto_http_request_duration_seconds_bucket", route=route, le="+Inf")


@override_settings(METRICS_TOKEN=TOKEN)
def test_till_movements_and_refusals_by_code_are_counted(client, actors):
    program = loyalty.create_program(
        actors.district,
        {"name": "Carta", "point_value": Decimal("0.01"), "earn_rate": Decimal("1.00")},
    )
    card, _raw = loyalty.issue_card(program)
    till = terminal_client(actors.shop)
    before = scrape(client)

    def earn(key: str):
        body = {"card": card.number, "kind": "earn", "amount": "10.00"}
        return till.post("loyalty/transactions", body, HTTP_IDEMPOTENCY_KEY=key)

    assert earn("m-1").status_code == 201
    assert earn("m-1").status_code == 201  # a replay
    redeem = {"card": card.number, "kind": "redeem", "points": 500}
    assert till.post("loyalty/transactions", redeem).status_code == 409
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("distretto_till_movements_total", kind="earn", outcome="posted") == 1
    assert delta("distretto_till_movements_total", kind="earn", outcome="replayed") == 1
    assert delta("distretto_till_refusals_total", kind="redeem", code="insufficient_points") == 1


def test_ingestion_batches_are_counted():
    before = metrics.INGEST_MESSAGES.labels("rejected")._value.get()
    metrics.record_ingest(accepted=5, duplicates=1, rejected=2, lag_seconds=0.75, queued=3)
    text = metrics.exposition().decode()
    assert sample(text, "distretto_energy_ingest_readings_total", outcome="rejected") == before + 2
    assert sample(text, "distretto_energy_ingest_lag_seconds") == 0.75
    assert sample(text, "distretto_energy_ingest_queued_messages") == 3
    assert "distretto_signage_players_connected" in text


def test_without_a_token_or_network_configured_there_are_no_metrics(client):
    assert client.get("/metrics").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_wrong_or_missing_token_is_401(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


@override_settings(METRICS_ALLOW_NETWORKS=["10.0.0.0/8"])
def test_an_allowed_network_reads_without_a_token(client):
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.1").status_code == 401


def test_a_mistyped_network_stops_the_start_naming_it(monkeypatch):
    """Found at start-up, not as a 500 on every scrape."""
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import distretto.settings as settings_module

    monkeypatch.setenv("METRICS_ALLOW_NETWORKS", "10.0.0.0/8, 10.0.0.0/33")
    try:
        with pytest.raises(ImproperlyConfigured, match=r"'10\.0\.0\.0/33' is not an IP network"):
            importlib.reload(settings_module)
    finally:
        monkeypatch.delenv("METRICS_ALLOW_NETWORKS")
        importlib.reload(settings_module)


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_middleware_counts_requests_under_asgi_too(actors):
    app = get_asgi_application()

    async def scenario() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for _ in range(3):
                assert (await http.get("/healthz")).status_code == 200
            answer = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            return answer.text

    before = sample(
        metrics.exposition().decode(), "distretto_http_requests_total", route="/healthz"
    )
    text = run_async(scenario)
    assert (
        sample(text, "distretto_http_requests_total", route="/healthz", status="200") == before + 3
    )


def test_serve_forgets_the_metric_files_of_ended_processes(tmp_path):
    import os
    import subprocess

    from distretto.core.management.commands.serve import forget_dead_processes

    ended = subprocess.Popen(["true"])
    ended.wait()
    (tmp_path / f"counter_{ended.pid}.db").write_bytes(b"x")
    (tmp_path / f"counter_{os.getpid()}.db").write_bytes(b"x")
    forget_dead_processes(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"counter_{os.getpid()}.db"]
