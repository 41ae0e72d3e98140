"""Meter ingestion throughput and dashboard query time, on PostgreSQL and SQLite.

Figure: readings/s through the bulk API (POST /api/v1/energy/readings, JSON,
50,000 readings a request (``BENCH_PER_REQUEST``), two concurrent gateways each
owning half of the meters, two uvicorn processes, one per gateway, as a reverse
proxy would spread them) for 15-minute readings of 1,000 meters, with hourly,
daily, monthly, unit and site rollups kept up to date on the way in. Baseline, in
the same run and on the same rows: PostgreSQL ``COPY`` (SQLite: ``executemany`` in
one transaction) into a table shaped like the readings table, with its unique
(meter, ts) index and no rollups, the rows sorted by meter and time (the
baseline's best order). Target: the API at least half the speed of the baseline.
Before the clock starts each server answers one empty batch, as the other benches
warm up: a fresh process loads the URLconf and opens its database pool at its first
request (about a second of CPU each), a one-off cost that the short default run
would otherwise count as ingestion time.

Then the dashboard queries, timed (median of 5) on rollup tables filled to the size
of a whole heating season for the 1,000 meters: month by unit over the season for
the whole site, day by site over the season, hour by site over a week (the unit
and site rollups are filled too). Target: each under 100 ms.

Sizes: ``BENCH_METERS`` (1000) and ``BENCH_DAYS``. One heating season is 182 days,
about 17.5 million readings: with both databases, the JSON bodies and the baselines
that is well over 15 minutes on a 2-core machine, so the default is 7 days (672,000
readings per backend) and the time of the full season is extrapolated from the
measured rates and printed. ``BENCH_DAYS=182`` runs the issue's full size.
``BENCH_BACKENDS=postgres,sqlite`` chooses the databases. ``BENCH_FORMAT=telegram``
posts wmbusmeters telegrams (the ``qcaloric`` allocator's JSON, with its set date and
status) instead of plain readings, so that the driver table and the telegram details
are in the measured path; the baseline is the same.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import free_port, postgres_reachable, psql, start_uvicorn

PROJECT = Path(__file__).resolve().parent.parent
# Another name lets two checkouts run the bench at once on one server.
BENCH_DB = os.environ.get("BENCH_ENERGY_DB", "distretto_bench_energy")
METERS = int(os.environ.get("BENCH_METERS", "1000"))
DAYS = int(os.environ.get("BENCH_DAYS", "7"))
SEASON_DAYS = 182
STEP = dt.timedelta(minutes=15)
FORMAT = os.environ.get("BENCH_FORMAT", "plain")
# Telegrams are some 240 bytes each: 40,000 keep a request under Django's 10 MiB body limit.
PER_REQUEST = int(os.environ.get("BENCH_PER_REQUEST", "40000" if FORMAT == "telegram" else "50000"))
GATEWAYS = 2
RADIATORS_PER_UNIT = 4
SEASON_START = dt.datetime(2025, 10, 15, tzinfo=dt.UTC)


# --- Inside one backend (a child process with its DATABASE_URL) --------------------------------


def setup_site() -> tuple[list[str], list[int], str]:
    """A site of METERS allocators (4 per unit) and one gateway token per half of them."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from distretto.accounts import tokens
    from distretto.accounts.models import ApiToken
    from distretto.energy.models import Gateway, Meter, Site, Unit
    from distretto.territory.models import Chamber, District

    chamber = Chamber.objects.create(name="Camera bench", code="bench")
    district = District.objects.create(
        chamber=chamber,
        name="Bench",
        slug="bench",
        kind="urban_commerce",
        centre_lat=41.5,
        centre_lon=14.6,
    )
    site = Site.objects.create(district=district, name="Bench site")
    units = Unit.objects.bulk_create(
        Unit(site=site, name=f"U{n:04d}", area_m2=80, millesimi_heat=1)
        for n in range(METERS // RADIATORS_PER_UNIT)
    )
    Meter.objects.bulk_create(
        Meter(
            site=site,
            unit=units[n // RADIATORS_PER_UNIT],
            kind="hca",
            external_id=f"{n:08d}",
            unit_of_measure="HCA",
        )
        for n in range(METERS)
    )
    raw_tokens = []
    for index in range(GATEWAYS):
        gateway = Gateway.objects.create(site=site, name=f"gw{index}")
        raw_tokens.append(
            tokens.issue(kind=ApiToken.Kind.GATEWAY, name=f"gw{index}", device=gateway)[1]
        )
    ids = list(Meter.objects.filter(site=site).order_by("external_id").values_list("pk", flat=True))
    from django.db import connection

    connection.close()
    return raw_tokens, ids, str(site.pk)


def value_at(meter: int, step: int) -> float:
    # A counter that rises by a meter-dependent amount, deterministic.
    return round(step * (0.5 + (meter % 7) * 0.1), 2)


def item(meter: int, ts: str, value: float) -> dict:
    """A plain reading, or what wmbusmeters prints for a qcaloric allocator."""
    if FORMAT != "telegram":
        return {"meter": f"{meter:08d}", "ts": ts, "value": value}
    return {
        "_": "telegram",
        "media": "heat cost allocation",
        "meter": "qcaloric",
        "name": f"hca{meter}",
        "id": f"{meter:08d}",
        "status": "OK",
        "current_consumption_hca": value,
        "set_date": "2025-12-31",
        "consumption_at_set_date_hca": 0,
        "timestamp": ts,
    }


def request_bodies(gateway: int) -> list[bytes]:
    """The JSON bodies one gateway posts, in time order: its meters, slice after slice."""
    meters = range(gateway, METERS, GATEWAYS)
    steps_per_request = max(1, PER_REQUEST // len(meters))
    total_steps = DAYS * 96
    bodies = []
    for first in range(0, total_steps, steps_per_request):
        items = []
        for step in range(first, min(first + steps_per_request, total_steps)):
            ts = (SEASON_START + step * STEP).isoformat()
            items.extend(item(m, ts, value_at(m, step)) for m in meters)
        bodies.append(json.dumps(items).encode())
    return bodies


async def warm_up(url: str, token: str) -> None:
    """One empty batch: the server's first-request start-up, with no reading stored."""
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600) as http:
        response = await http.post("/api/v1/energy/readings", content=b"[]")
        response.raise_for_status()


async def post_all(url: str, token: str, bodies: list[bytes]) -> int:
    import httpx

    accepted = 0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=600) as http:
        for body in bodies:
            response = await http.post("/api/v1/energy/readings", content=body)
            response.raise_for_status()
            answer = response.json()
            if answer["rejected"]:
                raise RuntimeError(f"rejected: {answer['rejected'][:3]}")
            accepted += answer["accepted"]
    return accepted


def start_server() -> tuple[subprocess.Popen, str]:
    """One uvicorn process (one worker) on a free port; its URL once it listens."""
    port = free_port()
    server = start_uvicorn(port, os.environ | {"LOG_LEVEL": "WARNING"})
    return server, f"http://127.0.0.1:{port}"


def baseline_rows(ids: list[int]) -> list[tuple]:
    return [
        (ids[m], SEASON_START + step * STEP, value_at(m, step), None)
        for m in range(METERS)
        for step in range(DAYS * 96)
    ]


def baseline_load(ids: list[int]) -> float:
    """Seconds to load the same rows with COPY (PostgreSQL) or executemany (SQLite)."""
    from django.db import connection, transaction

    rows = baseline_rows(ids)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE TABLE bench_reading (LIKE energy_reading INCLUDING ALL)")
            started = time.perf_counter()
            with (
                transaction.atomic(),
                cursor.cursor.copy(
                    "COPY bench_reading (meter_id, ts, value, delta) FROM STDIN"
                ) as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return time.perf_counter() - started
        cursor.execute(
            "CREATE TABLE bench_reading (id integer PRIMARY KEY AUTOINCREMENT, "
            "meter_id bigint NOT NULL, ts datetime NOT NULL, value real NOT NULL, delta real)"
        )
        cursor.execute("CREATE UNIQUE INDEX bench_reading_meter_ts ON bench_reading (meter_id, ts)")
        text_rows = [(m, str(ts.replace(tzinfo=None)), v, d) for m, ts, v, d in rows]
        started = time.perf_counter()
        with transaction.atomic():
            cursor.executemany(
                "INSERT INTO bench_reading (meter_id, ts, value, delta) VALUES (%s, %s, %s, %s)",
                text_rows,
            )
        return time.perf_counter() - started


def fill_season_rollups(ids: list[int], site_id: str) -> None:
    """Rollup rows for the rest of the season, so queries run on full-size tables."""
    from django.db import connection, transaction

    from distretto.energy.models import Unit

    # From the second day after the ingested ones: local days straddle UTC midnight.
    first_day = (SEASON_START + dt.timedelta(days=DAYS + 1)).date()
    days = [first_day + dt.timedelta(days=n) for n in range(SEASON_DAYS - DAYS - 1)]
    sqlite = connection.vendor == "sqlite"

    def stamp(moment):
        return str(moment.replace(tzinfo=None)) if sqlite else moment

    with transaction.atomic(), connection.cursor() as cursor:
        hourly = (
            (pk, stamp(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)), 1.0, 4)
            for day in days
            for hour in range(24)
            for pk in ids
        )
        daily = ((pk, str(day) if sqlite else day, 24.0, 96) for day in days for pk in ids)
        months = sorted({day.replace(day=1) for day in days} - {SEASON_START.date().replace(day=1)})
        monthly = ((pk, str(m) if sqlite else m, 700.0, 2900) for m in months for pk in ids)
        keys = [0, *Unit.objects.filter(site_id=site_id).values_list("pk", flat=True)]
        local = services_tz()

        def group(granularity, moments):
            return (
                (int(site_id), key, "hca", "consumption", granularity, stamp(moment), 1.0)
                for moment in moments
                for key in keys
            )

        hours = [
            dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
            for day in days
            for hour in range(24)
        ]
        midnights = [dt.datetime.combine(day, dt.time(), tzinfo=local) for day in days]
        firsts = [dt.datetime.combine(m, dt.time(), tzinfo=local) for m in months]
        groups = [*group("h", hours), *group("d", midnights), *group("m", firsts)]
        if sqlite:
            cursor.executemany(
                "INSERT OR IGNORE INTO energy_grouprollup (site_id, unit_key, kind, role, "
                "granularity, bucket, consumption) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                groups,
            )
        else:
            with cursor.cursor.copy(
                "COPY energy_grouprollup (site_id, unit_key, kind, role, granularity, bucket, "
                "consumption) FROM STDIN"
            ) as copy:
                for row in groups:
                    copy.write_row(row)
        for table, rows in (
            ("energy_hourlyrollup", hourly),
            ("energy_dailyrollup", daily),
            ("energy_monthlyrollup", monthly),
        ):
            if sqlite:
                cursor.executemany(
                    f"INSERT OR IGNORE INTO {table} (meter_id, bucket, consumption, samples) "
                    "VALUES (%s, %s, %s, %s)",
                    rows,
                )
            else:
                with cursor.cursor.copy(
                    f"COPY {table} (meter_id, bucket, consumption, samples) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
        cursor.execute("ANALYZE")


def services_tz():
    from distretto.energy.services import LOCAL_TZ

    return LOCAL_TZ


def time_queries(site_id: str) -> dict[str, float]:
    from distretto.energy import services
    from distretto.energy.models import Site

    site = Site.objects.get(pk=site_id)
    start = SEASON_START.date()
    end = start + dt.timedelta(days=SEASON_DAYS)
    week_end = SEASON_START + dt.timedelta(days=7)
    queries = {
        "month by unit, season": lambda: services.consumption_series(
            site, start, end, granularity="month", by="unit"
        ),
        "day by site, season": lambda: services.consumption_series(
            site, start, end, granularity="day", by="site"
        ),
        "hour by site, week": lambda: services.consumption_series(
            site, SEASON_START, week_end, granularity="hour", by="site"
        ),
    }
    timings = {}
    for name, query in queries.items():
        query()  # warm
        runs = []
        for _i in range(5):
            started = time.perf_counter()
            query()
            runs.append(time.perf_counter() - started)
        timings[name] = statistics.median(runs) * 1000
    return timings


def run_backend(backend: str) -> dict:
    tokens, ids, site_id = setup_site()
    bodies = [request_bodies(g) for g in range(GATEWAYS)]
    # One server process per gateway, as a reverse proxy spreads gateways over workers.
    # (Two workers of one uvicorn share a socket, and the first to wake accepts both
    # gateways' connections: the other worker then stays idle.)
    servers = [start_server() for _g in range(GATEWAYS)]
    try:

        async def warm_all() -> None:
            await asyncio.gather(*(warm_up(servers[g][1], tokens[g]) for g in range(GATEWAYS)))

        async def all_gateways() -> int:
            counts = await asyncio.gather(
                *(post_all(servers[g][1], tokens[g], bodies[g]) for g in range(GATEWAYS))
            )
            return sum(counts)

        asyncio.run(warm_all())
        started = time.perf_counter()
        accepted = asyncio.run(all_gateways())
        api_seconds = time.perf_counter() - started
    finally:
        for server, _url in servers:
            server.terminate()
            server.wait(30)
    import django

    django.setup()
    from distretto.energy.models import HourlyRollup, Reading

    stored = Reading.objects.count()
    hourly = HourlyRollup.objects.count()
    baseline_seconds = baseline_load(ids)
    fill_season_rollups(ids, site_id)
    queries = time_queries(site_id)
    return {
        "backend": backend,
        "rows": METERS * DAYS * 96,
        "accepted": accepted,
        "stored": stored,
        "hourly_rollups": hourly,
        "api_seconds": api_seconds,
        "baseline_seconds": baseline_seconds,
        "queries_ms": queries,
    }


# --- The orchestrating process ------------------------------------------------------------------


def child(backend: str, workdir: Path) -> dict:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "distretto.settings"}
    env["DISTRETTO_VAR_DIR"] = str(workdir)
    if backend == "postgres":
        psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        psql(f"CREATE DATABASE {BENCH_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench-energy.sqlite3'}"
    try:
        finished = subprocess.run(
            [sys.executable, __file__, "--child", backend],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
        )
        if finished.returncode != 0:
            print(finished.stderr[-3000:])
            raise RuntimeError(f"the {backend} run failed")
        output = finished.stdout
    finally:
        if backend == "postgres":
            psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    return json.loads(output.strip().splitlines()[-1])


def report(result: dict) -> None:
    rows = result["rows"]
    api_rate = rows / result["api_seconds"]
    base_rate = rows / result["baseline_seconds"]
    baseline_name = "COPY" if result["backend"] == "postgres" else "executemany"
    full = METERS * SEASON_DAYS * 96
    print(f"\n{result['backend']}: {rows:,} readings ({METERS} meters × {DAYS} days × 96)")
    print(
        f"  bulk API      {api_rate:>10,.0f} readings/s  ({result['api_seconds']:.1f} s, "
        f"{result['accepted']:,} accepted, {result['stored']:,} stored, "
        f"{result['hourly_rollups']:,} hourly rollups)"
    )
    seconds = result["baseline_seconds"]
    print(f"  {baseline_name:<13} {base_rate:>10,.0f} readings/s  ({seconds:.1f} s)")
    print(f"  ratio API / {baseline_name}: {api_rate / base_rate:.2f} (target >= 0.50)")
    if DAYS < SEASON_DAYS:
        print(
            f"  full season ({full:,} readings) extrapolated: API {full / api_rate / 60:.0f} min, "
            f"{baseline_name} {full / base_rate / 60:.0f} min"
        )
    for name, ms in result["queries_ms"].items():
        verdict = "ok" if ms < 100 else "SLOW"
        print(f"  query {name:<24} {ms:>7.1f} ms (target < 100 ms, full-season tables) {verdict}")


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.path.insert(0, str(PROJECT))
        print(json.dumps(run_backend(sys.argv[2])))
        return 0
    backends = os.environ.get("BENCH_BACKENDS", "postgres,sqlite").split(",")
    if "postgres" in backends and not postgres_reachable():
        print("PostgreSQL not reachable: skipped")
        backends.remove("postgres")
    print(
        f"energy ingestion: {METERS} meters, {DAYS} days of 15-minute readings "
        f"({METERS * DAYS * 96:,} per backend; the issue's full season is {SEASON_DAYS} days, "
        f"{METERS * SEASON_DAYS * 96:,}); {PER_REQUEST:,} readings a request, "
        f"{GATEWAYS} gateways in parallel, {FORMAT} items. Machine shared with other work: "
        "figures are noisy."
    )
    workdir = Path(tempfile.mkdtemp(prefix="bench-energy-"))
    try:
        for backend in backends:
            report(child(backend, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
