"""POS throughput: concurrent HTTP tills doing earn/redeem against a running server.

Figure: transactions/s and p50/p99 latency of POST /api/v1/loyalty/transactions at
each client count, on PostgreSQL (database ``distretto_bench_loyalty``, created and
dropped here) behind uvicorn. Baseline: ``pgbench -b tpcb-like`` (the same
ledger-shaped work, three balance updates and a history insert per transaction,
done by the database alone) at the same client count on the same server, and the
ratio. After the run every accepted posting is checked against the ledger: none
lost, none duplicated. Without PostgreSQL the HTTP run uses a temporary SQLite file
and the pgbench comparison is skipped with the reason printed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import free_port, percentile, postgres_reachable, psql

PROJECT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "distretto_bench_loyalty"
CLIENT_COUNTS = [int(n) for n in os.environ.get("BENCH_CLIENTS", "8,32").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CARDS = 2000


def setup_data() -> tuple[str, list[str]]:
    """Migrate, then a district, a shop, its terminal token, a programme and cards."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from distretto.accounts import tokens
    from distretto.accounts.models import ApiToken
    from distretto.loyalty import services
    from distretto.territory.models import Business, Chamber, District

    chamber = Chamber.objects.create(name="Camera bench", code="bench")
    district = District.objects.create(
        chamber=chamber,
        name="Bench",
        slug="bench",
        kind="urban_commerce",
        centre_lat=45.31,
        centre_lon=9.50,
    )
    shop = Business.objects.create(
        district=district, name="Bottega", partita_iva="01234567897", category="bakery"
    )
    from decimal import Decimal

    program = services.create_program(
        district, {"name": "Bench", "point_value": Decimal("0.01"), "earn_rate": Decimal("1")}
    )
    _token, raw = tokens.issue(kind=ApiToken.Kind.TERMINAL, name="bench", business=shop)
    numbers = [services.issue_card(program)[0].number for _i in range(CARDS)]
    from django.db import connection

    connection.close()
    return raw, numbers


async def run_clients(url: str, token: str, numbers: list[str], clients: int, tag: str):
    import httpx

    latencies: list[float] = []
    accepted: dict[str, int] = {}
    errors: dict[int, int] = {}
    deadline = time.perf_counter() + SECONDS
    headers = {"Authorization": f"Bearer {token}"}

    async def till(index: int) -> None:
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
            n = 0
            while time.perf_counter() < deadline:
                n += 1
                card = numbers[(index * 7919 + n * 104729) % len(numbers)]
                redeem = n % 4 == 0
                body = (
                    {"card": card, "kind": "redeem", "points": 100}
                    if redeem
                    else {"card": card, "kind": "earn", "amount": "12.50"}
                )
                key = f"{tag}-{index}-{n}"
                started = time.perf_counter()
                response = await http.post(
                    "/api/v1/loyalty/transactions",
                    json=body,
                    headers={"Idempotency-Key": key},
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code == 201:
                    accepted[key] = response.json()["id"]
                elif not (redeem and response.status_code == 409):
                    errors[response.status_code] = errors.get(response.status_code, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(till(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, accepted, errors


def check_postings(accepted: dict[str, int]) -> tuple[int, int]:
    """(lost, duplicated): accepted answers without exactly one posting, and vice versa."""
    from django.db import connection
    from django.db.models import Count

    from distretto.loyalty.models import LedgerTransaction

    rows = dict(
        LedgerTransaction.objects.filter(idempotency_key__in=list(accepted))
        .values_list("idempotency_key")
        .annotate(n=Count("id"))
    )
    lost = sum(1 for key in accepted if rows.get(key, 0) == 0)
    duplicated = sum(n - 1 for n in rows.values() if n > 1)
    unbalanced = LedgerTransaction.objects.annotate(n=Count("entries")).filter(n__lt=2).count()
    connection.close()
    return lost, duplicated + unbalanced


def pgbench_tps(clients: int) -> float:
    command = [
        shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-b",
        "tpcb-like",
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(int(SECONDS)),
        "-n",
        BENCH_DB,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"tps = ([\d.]+)", output).group(1))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distretto.settings")
    sys.path.insert(0, str(PROJECT))
    workdir = Path(tempfile.mkdtemp(prefix="bench-loyalty-"))
    use_postgres = postgres_reachable()
    if use_postgres:
        psql(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        psql(f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    else:
        print("PostgreSQL not reachable: HTTP run on SQLite, pgbench comparison skipped")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DISTRETTO_VAR_DIR"] = str(workdir)
    server = None
    try:
        token, numbers = setup_data()
        port = free_port()
        env = os.environ | {"LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "distretto.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _i in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        asyncio.run(run_clients(url, token, numbers, 4, "warmup"))
        if use_postgres:
            subprocess.run(
                [
                    shutil.which("pgbench") or "/usr/lib/postgresql/15/bin/pgbench",
                    "-i",
                    "-q",
                    "-s",
                    "1",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    BENCH_DB,
                ],
                check=True,
                capture_output=True,
            )
        print(
            f"{'clients':>7} {'POS tx/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'pgbench tps':>12} "
            f"{'ratio':>6} {'lost':>5} {'dup':>4} errors"
        )
        for clients in CLIENT_COUNTS:
            tps, latencies, accepted, errors = asyncio.run(
                run_clients(url, token, numbers, clients, f"c{clients}")
            )
            lost, duplicated = check_postings(accepted)
            baseline = pgbench_tps(clients) if use_postgres else None
            ratio = f"{tps / baseline:.2f}" if baseline else "-"
            baseline_text = f"{baseline:.0f}" if baseline else "skipped"
            print(
                f"{clients:>7} {tps:>9.0f} {percentile(latencies, 0.5):>7.1f} "
                f"{percentile(latencies, 0.99):>7.1f} {baseline_text:>12} {ratio:>6} "
                f"{lost:>5} {duplicated:>4} {errors or '-'}"
            )
        print(
            f"target: ratio >= 0.5, p99 < 50 ms at 32 clients, 0 lost, 0 duplicated "
            f"(median latency {statistics.median(latencies) * 1000:.1f} ms last run)"
        )
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
