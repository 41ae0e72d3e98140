"""Metrics in Prometheus format at ``/metrics`` (prometheus_client).

What is counted, and where:

- every request Django answers, by method, URL route and status, and its latency
  (``MetricsMiddleware``, first in ``MIDDLEWARE``; sync- and async-capable, a few
  dictionary look-ups per request);
- the tills' movements by kind and outcome, and their refusals by error code
  (``counted_movement`` around ``loyalty.till.movement``, which the API handler, the
  tills' fast path and the web till share);
- the signage players whose event stream is open on this worker (read from the push
  hub at most every ``GAUGE_REFRESH_S``);
- the meter-ingestion worker's messages by outcome and its lag (``record_ingest``,
  called by ``energy.mqtt`` after each batch);
- energy anomalies notified by e-mail or whose notification failed
  (``record_anomaly_notifications``, called by ``energy.anomalies``).

With several worker processes (``distretto serve --workers N``, or the ingester
beside the web workers) set ``PROMETHEUS_MULTIPROC_DIR`` to a directory shared by
all of them on the host: each process writes its figures there and ``/metrics``
adds them up (prometheus_client's multiprocess mode; ``distretto serve`` removes
the files of processes that have ended when it starts).

``/metrics`` answers a caller that presents ``METRICS_TOKEN`` as a bearer token or
comes from an address in ``METRICS_ALLOW_NETWORKS``; with neither configured it is 404.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Generator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from distretto.core.errors import DomainError, NotFound, Unauthenticated
from distretto.core.inline_middleware import InlineMiddleware

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
GAUGE_REFRESH_S = 5.0
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "distretto_http_requests",
    "HTTP requests answered by Django, by method, URL route and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "distretto_http_request_duration_seconds",
    "Time from the request reaching Django to its response (streams: to its headers).",
    ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TILL_MOVEMENTS = Counter(
    "distretto_till_movements",
    "POS till movements answered: posted (new) or replayed (same Idempotency-Key).",
    ["kind", "outcome"],
)
TILL_REFUSALS = Counter(
    "distretto_till_refusals",
    "POS till movements refused, by error code (insufficient_points, card_blocked...).",
    ["kind", "code"],
)
PLAYERS_CONNECTED = Gauge(
    "distretto_signage_players_connected",
    "Signage players with an open event stream (summed over the worker processes).",
    multiprocess_mode="livesum",
)
INGEST_MESSAGES = Counter(
    "distretto_energy_ingest_readings",
    "Meter readings taken from MQTT by the ingestion worker, by outcome.",
    ["outcome"],
)
INGEST_LAG = Gauge(
    "distretto_energy_ingest_lag_seconds",
    "Age of the oldest message of the ingester's last batch when it was stored.",
    multiprocess_mode="max",
)
ANOMALY_NOTIFICATIONS = Counter(
    "distretto_energy_anomaly_notifications",
    "Energy anomalies e-mailed to their managers (sent), or not for a mail error (failed:"
    " they are retried).",
    ["outcome"],
)
INGEST_QUEUED = Gauge(
    "distretto_energy_ingest_queued_messages",
    "Messages received from the broker and not yet stored, after the last batch.",
    multiprocess_mode="sum",
)


# --- Requests -------------------------------------------------------------------------------


class MetricsMiddleware(InlineMiddleware):
    """Counts each request by method, route (the URL pattern, so ids do not multiply
    the series) and status, and observes its latency."""

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._players_due = 0.0

    def before(self, request: HttpRequest) -> float:
        return time.perf_counter()

    def after(self, request: HttpRequest, response, started: float):
        self._observe(request, response.status_code, started)
        return response

    def _observe(self, request: HttpRequest, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        match = request.resolver_match
        route = "/" + match.route if match is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)
        if started >= self._players_due:
            self._players_due = started + GAUGE_REFRESH_S
            refresh_players()


def refresh_players() -> None:
    """Set the connected-players gauge from this process's push hub."""
    from distretto.signage import push  # the hub lives in signage; nothing else is read

    # RuntimeError: the hub's loop changed its subscribers meanwhile; next time, then.
    with contextlib.suppress(RuntimeError):
        PLAYERS_CONNECTED.set(push.hub().connections())


# --- Till movements -------------------------------------------------------------------------


def counted_movement(steps: Callable[..., Generator]) -> Callable[..., Generator]:
    """Count the outcome of each run of the till's steps (``loyalty.till.movement``):
    a movement posted or replayed, or refused with its error code. The steps are a
    generator that is sent what it yields for; this one passes everything through."""

    @functools.wraps(steps)
    def counted(request, *args, **kwargs):
        kind = getattr(request, "kind", "") or "unknown"
        inner = steps(request, *args, **kwargs)
        last_outcome = None
        try:
            need = next(inner)
            while True:
                reply = yield need
                last_outcome = getattr(reply, "outcome", last_outcome)
                need = inner.send(reply)
        except StopIteration as done:
            outcome = "replayed" if last_outcome == "replay" else "posted"
            TILL_MOVEMENTS.labels(kind, outcome).inc()
            return done.value
        except DomainError as refused:
            TILL_REFUSALS.labels(kind, refused.code).inc()
            raise

    return counted


# --- Ingestion ------------------------------------------------------------------------------


def record_ingest(
    *, accepted: int, duplicates: int, rejected: int, lag_seconds: float, queued: int
) -> None:
    """What the MQTT ingester did with one batch (called after the batch is stored)."""
    INGEST_MESSAGES.labels("accepted").inc(accepted)
    INGEST_MESSAGES.labels("duplicate").inc(duplicates)
    INGEST_MESSAGES.labels("rejected").inc(rejected)
    INGEST_LAG.set(lag_seconds)
    INGEST_QUEUED.set(queued)


def record_anomaly_notifications(outcome: str, count: int) -> None:
    """Anomalies whose notification was sent, or failed (retried later)."""
    ANOMALY_NOTIFICATIONS.labels(outcome).inc(count)


# --- The endpoint ---------------------------------------------------------------------------


def client_allowed(request: HttpRequest) -> bool | None:
    """True if the caller may read the metrics, False if not, None when access is
    not configured at all (then the endpoint does not exist)."""
    token, networks = settings.METRICS_TOKEN, settings.METRICS_ALLOW_NETWORKS
    if not token and not networks:
        return None
    if token:
        presented = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if presented and hmac.compare_digest(presented.encode(), token.encode()):
            return True
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in _network(n) for n in networks)
    return False


@functools.cache
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def exposition() -> bytes:
    """The metrics of this process, or of all processes in multiprocess mode."""
    refresh_players()
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics`` for Prometheus (see the module for who may read it)."""
    allowed = client_allowed(request)
    if allowed is None:
        return JsonResponse(NotFound("Not found.").as_dict(), status=404)
    if not allowed:
        refused = Unauthenticated(
            "Send the metrics token (Authorization: Bearer <token>) or scrape from an "
            "allowed network."
        )
        response = JsonResponse(refused.as_dict(), status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
