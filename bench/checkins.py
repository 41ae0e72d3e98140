"""Check-in decisions per second: the HTTP path against a running server, and the pure
decision function alone.

Figure: decisions/s of POST /api/v1/checkins (card token, many cards and venues, each
request decided, stored and, when accepted, granted through the loyalty ledger) with
concurrent clients against uvicorn. Baseline, same server, same run: the trivial
authenticated GET /api/v1/loyalty/wallet with a card token. The two are measured
alternately in short rounds (six of 2.5 s each) so that load from other processes hits
both alike; the ratio (median of the rounds' ratios) is compared with the target of at
least 0.5. Also printed: the pure
``decision.decide`` on its own (decisions/s in one thread), and the reasons the HTTP
run's decisions gave.

Database: PostgreSQL ``distretto_bench_checkins`` (created and dropped here) when
reachable, else a temporary SQLite file. ``--quick`` (or BENCH_QUICK=1) shrinks sizes.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _harness import free_port, percentile, postgres_reachable, psql, start_uvicorn

PROJECT = Path(__file__).resolve().parent.parent
BENCH_DB = "distretto_bench_checkins"
QUICK = "--quick" in sys.argv or os.environ.get("BENCH_QUICK") == "1"
CARDS = int(os.environ.get("BENCH_CARDS", "300" if QUICK else "2000"))
VENUES = int(os.environ.get("BENCH_VENUES", "20" if QUICK else "200"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "2" if QUICK else "2.5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else "6"))
TARGET_RATIO = 0.5
# Venues spread over a valley about 30 km long (Valle Maira, Cuneo).
ORIGIN = (44.4667, 7.3667)


def setup_data() -> tuple[list[str], list[tuple[int, float, float]]]:
    """Migrate, then a district with VENUES venues, its programme and CARDS cards."""
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from distretto.checkins import services
    from distretto.loyalty import services as loyalty
    from distretto.territory.models import Business, Chamber, District

    chamber = Chamber.objects.create(name="Camera bench", code="bench")
    district = District.objects.create(
        chamber=chamber,
        name="Valle bench",
        slug="bench",
        kind="rural_network",
        centre_lat=ORIGIN[0],
        centre_lon=ORIGIN[1],
    )
    program = loyalty.create_program(
        district, {"name": "Bench", "point_value": Decimal("0.01"), "earn_rate": Decimal("1")}
    )
    rng = random.Random(7)
    venues = []
    for index in range(VENUES):
        lat = ORIGIN[0] + rng.uniform(-0.05, 0.05)
        lon = ORIGIN[1] - rng.uniform(0, 0.35)
        business = Business.objects.create(
            district=district,
            name=f"Bistrot {index}",
            partita_iva="01234567897",
            category="bar_cafe",
            lat=lat,
            lon=lon,
        )
        point = services.create_point(business, {"lat": lat, "lon": lon, "reward_points": 10})
        venues.append((point.pk, lat, lon))
    tokens = []
    while len(tokens) < CARDS:
        batch = loyalty.issue_batch(program, min(1000, CARDS - len(tokens)))
        tokens += [raw for _card, raw in batch]
    connection.close()
    return tokens, venues


async def run_clients(
    url: str, make_request, clients: int, seed: int
) -> tuple[float, list[float], Counter]:
    """``clients`` concurrent loops for SECONDS; returns (requests/s, latencies, outcomes)."""
    import httpx

    latencies: list[float] = []
    outcomes: Counter = Counter()
    deadline = time.perf_counter() + SECONDS

    async def client(index: int) -> None:
        rng = random.Random(seed * 10_000 + index)  # each run its own visitors
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while time.perf_counter() < deadline:
                method, path, token, body = make_request(rng)
                headers = {"Authorization": f"Bearer {token}"}
                started = time.perf_counter()
                response = await http.request(method, path, json=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                if response.status_code == 422:
                    outcomes[response.json()["error"]["code"]] += 1
                else:
                    outcomes[response.status_code] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return len(latencies) / (time.perf_counter() - started), latencies, outcomes


def pure_decisions_per_second(seconds: float) -> tuple[float, Counter]:
    from datetime import UTC, datetime, timedelta

    from distretto.checkins.decision import (
        Attempt,
        History,
        Limits,
        PreviousCheckin,
        Venue,
        decide,
    )

    rng = random.Random(11)
    now = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
    limits = Limits()
    venues = [
        Venue(ORIGIN[0] + rng.uniform(-0.05, 0.05), ORIGIN[1] - rng.uniform(0, 0.35), 75)
        for _i in range(100)
    ]
    cases = []
    for _i in range(1000):
        venue = rng.choice(venues)
        previous = rng.choice(venues)
        cases.append(
            (
                venue,
                Attempt(
                    venue.lat + rng.gauss(0, 0.0006),
                    venue.lon + rng.gauss(0, 0.0006),
                    rng.choice([5.0, 12.0, 40.0, 200.0]),
                    rng.choice([None, None, True, False]),
                    now,
                ),
                History(
                    previous=PreviousCheckin(
                        previous.lat, previous.lon, now - timedelta(minutes=rng.randint(1, 600))
                    ),
                    last_here_at=rng.choice([None, now - timedelta(days=rng.randint(0, 3))]),
                    attempts_last_hour=rng.randint(0, 25),
                ),
            )
        )
    reasons: Counter = Counter()
    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for venue, attempt, history in cases:
            reasons[decide(venue, attempt, history, limits).reason] += 1
        count += len(cases)
    return count / (time.perf_counter() - started), reasons


def shares(counter: Counter) -> str:
    total = sum(counter.values()) or 1
    return ", ".join(
        f"{'accepted' if key == 201 else key} {count / total:.0%}"
        for key, count in counter.most_common()
    )


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distretto.settings")
    sys.path.insert(0, str(PROJECT))
    workdir = Path(tempfile.mkdtemp(prefix="bench-checkins-"))
    use_postgres = postgres_reachable()
    if use_postgres:
        psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        psql(f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
        engine = "PostgreSQL"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        engine = "SQLite (PostgreSQL not reachable)"
    os.environ["DISTRETTO_VAR_DIR"] = str(workdir)
    server = None
    try:
        print(f"setting up {VENUES} venues and {CARDS} cards on {engine}...", flush=True)
        tokens, venues = setup_data()
        port = free_port()
        env = os.environ | {"LOG_LEVEL": "WARNING"}
        server = start_uvicorn(port, env, "--workers", "2")
        url = f"http://127.0.0.1:{port}"

        def wallet(rng: random.Random):
            return "GET", "/api/v1/loyalty/wallet", rng.choice(tokens), None

        def check_in(rng: random.Random):
            point, lat, lon = rng.choice(venues)
            # A phone at the venue, a few metres off, with a typical outdoor fix.
            body = {
                "point": point,
                "lat": lat + rng.gauss(0, 0.0002),
                "lon": lon + rng.gauss(0, 0.0002),
                "accuracy_m": rng.choice([6, 10, 15, 30]),
            }
            return "POST", "/api/v1/checkins", rng.choice(tokens), body

        asyncio.run(run_clients(url, wallet, 4, 0))  # warm-up: connections, imports
        baseline_rates, figure_rates = [], []
        figure_latencies: list[float] = []
        outcomes: Counter = Counter()
        baseline_outcomes: Counter = Counter()
        for round_ in range(1, ROUNDS + 1):
            rate, _lat, seen = asyncio.run(run_clients(url, wallet, CLIENTS, round_))
            baseline_rates.append(rate)
            baseline_outcomes += seen
            rate, latencies, seen = asyncio.run(run_clients(url, check_in, CLIENTS, round_))
            figure_rates.append(rate)
            figure_latencies += latencies
            outcomes += seen
        pure_rate, pure_reasons = pure_decisions_per_second(2.0 if not QUICK else 0.5)
        baseline = statistics.mean(baseline_rates)
        figure = statistics.mean(figure_rates)
        # Paired rounds: the median of their ratios resists the load swings of a shared
        # machine better than the ratio of the means.
        ratio = statistics.median(f / b for f, b in zip(figure_rates, baseline_rates, strict=True))
        print(
            f"sizes: {VENUES} venues, {CARDS} cards, {CLIENTS} concurrent clients, "
            f"{ROUNDS} x {SECONDS:g} s per path, uvicorn 2 workers, {engine}"
        )
        print(
            f"baseline  GET /api/v1/loyalty/wallet (card token): {baseline:8.0f} req/s "
            f"(rounds: {', '.join(f'{r:.0f}' for r in baseline_rates)}) {dict(baseline_outcomes)}"
        )
        print(
            f"figure    POST /api/v1/checkins:          {figure:8.0f} decisions/s "
            f"(rounds: {', '.join(f'{r:.0f}' for r in figure_rates)}), "
            f"p50 {percentile(figure_latencies, 0.5):.1f} ms, "
            f"p99 {percentile(figure_latencies, 0.99):.1f} ms"
        )
        total = sum(outcomes.values())
        print(
            "          decisions: "
            + ", ".join(
                f"{'accepted' if k == 201 else k} {v / total:.0%}"
                for k, v in outcomes.most_common()
            )
        )
        print(
            f"pure      decision.decide alone (1 thread):        {pure_rate:8.0f} decisions/s "
            f"({shares(pure_reasons)})"
        )
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(
            f"ratio HTTP check-in / wallet baseline (median of rounds): {ratio:.2f} "
            f"(target >= {TARGET_RATIO}: {verdict})"
        )
        print("note: the machine is shared; figures are noisy when other processes load the CPU")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        if use_postgres:
            from django.db import connections

            connections.close_all()
            psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
