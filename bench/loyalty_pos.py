"""POS throughput: concurrent HTTP tills doing earn/redeem against a running server.

Figure: postings/s (answers 201: earns and redemptions written to the ledger) and
p50/p99 latency of POST /api/v1/loyalty/transactions at each client count; the
answers/s column adds the redemptions refused for too few points (409), which the
tills also send, on PostgreSQL (database ``distretto_bench_loyalty``, created and
dropped here) behind uvicorn. Baseline: ``pgbench -b tpcb-like`` (the same
ledger-shaped work, three balance updates and a history insert per transaction,
done by the database alone) at the same client count on the same server, and the
ratio. After the run every accepted posting is checked against the ledger: none
lost, none duplicated. Without PostgreSQL the HTTP run uses a temporary SQLite file
and the pgbench comparison is skipped with the reason printed.

The server is the whole application (``distretto.asgi``), so the tills' requests are
answered by its fast path (``loyalty/fastpath.py``) as in a deployment. It runs as one
uvicorn process per core (``WORKERS``), each on its own port, and the tills take them
in turn, as the reverse proxy of a deployment would spread them.
(With ``uvicorn --workers`` sharing one socket, the kernel gave all eight keep-alive
connections of the 8-client run to the same worker: one core measured, not two.)
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import free_port, percentile, postgres_reachable, psql, start_uvicorn

PROJECT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "distretto_bench_loyalty"
CLIENT_COUNTS = [int(n) for n in os.environ.get("BENCH_CLIENTS", "8,32").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CARDS = 2000
WORKERS = 2


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
    numbers = [
        card.number
        for _i in range(CARDS // 1000)
        for card, _raw in services.issue_batch(program, 1000)
    ]
    from django.db import connection

    connection.close()
    return raw, numbers


class Till:
    """One POS terminal: a keep-alive HTTP/1.1 connection, one request at a time.

    A few lines of asyncio instead of an HTTP client library: the tills share the
    machine's two cores with the server and PostgreSQL, and pgbench, the baseline, is C.
    Only the POS answers are parsed: status, Content-Length, the JSON body.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (
            "POST /api/v1/loyalty/transactions HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\n"
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: dict, key: str) -> tuple[int, dict]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = json.dumps(body).encode()
        request = f"{self.head}Idempotency-Key: {key}\r\nContent-Length: {len(payload)}\r\n\r\n"
        self.writer.write(request.encode() + payload)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                self.writer = None
        answer = json.loads(await self.reader.readexactly(length)) if length else {}
        return status, answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_clients(ports: list[int], token: str, numbers: list[str], clients: int, tag: str):
    latencies: list[float] = []
    accepted: dict[str, int] = {}
    errors: dict[int, int] = {}
    deadline = time.perf_counter() + SECONDS

    async def till(index: int) -> None:
        http = Till("127.0.0.1", ports[index % len(ports)], token)
        n = 0
        try:
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
                status, answer = await http.post(body, key)
                latencies.append(time.perf_counter() - started)
                if status == 201:
                    accepted[key] = answer["id"]
                elif not (redeem and status == 409):
                    errors[status] = errors.get(status, 0) + 1
        finally:
            http.close()

    started = time.perf_counter()
    await asyncio.gather(*(till(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    return len(accepted) / elapsed, len(latencies) / elapsed, latencies, accepted, errors


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
    servers: list[subprocess.Popen] = []
    try:
        token, numbers = setup_data()
        ports: list[int] = []
        while len(ports) < WORKERS:
            if (port := free_port()) not in ports:
                ports.append(port)
        env = os.environ | {"LOG_LEVEL": "WARNING"}
        servers += [start_uvicorn(port, env) for port in ports]
        # Warm up at the largest client count: every worker and its connection pool
        # serve their first requests (imports, connections) before anything is timed.
        asyncio.run(run_clients(ports, token, numbers, max(CLIENT_COUNTS), "warmup"))
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
            f"{'clients':>7} {'postings/s':>10} {'answers/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'pgbench tps':>12} {'ratio':>6} {'lost':>5} {'dup':>4} errors"
        )
        for clients in CLIENT_COUNTS:
            tps, answers, latencies, accepted, errors = asyncio.run(
                run_clients(ports, token, numbers, clients, f"c{clients}")
            )
            lost, duplicated = check_postings(accepted)
            baseline = pgbench_tps(clients) if use_postgres else None
            ratio = f"{tps / baseline:.2f}" if baseline else "-"
            baseline_text = f"{baseline:.0f}" if baseline else "skipped"
            print(
                f"{clients:>7} {tps:>10.0f} {answers:>9.0f} {percentile(latencies, 0.5):>7.1f} "
                f"{percentile(latencies, 0.99):>7.1f} {baseline_text:>12} {ratio:>6} "
                f"{lost:>5} {duplicated:>4} {errors or '-'}"
            )
        print(
            "target: ratio (postings/s / pgbench tps) >= 0.5, p99 < 50 ms at 32 clients, "
            "0 lost, 0 duplicated "
            f"(median latency {statistics.median(latencies) * 1000:.1f} ms last run)"
        )
        return 0
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(10)
        if use_postgres:
            from django.db import connections

            connections.close_all()
            psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
