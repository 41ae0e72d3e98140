"""Proof of play over a million plays: the report a manager opens answers from the
daily aggregates.

Data: one district, 50 totems, 30 contents, 1,000,000 raw plays (one every 10 s,
about 116 days) written by the database, aggregated per local day, display and content
(``proof.rebuild_daily``).

Figure: latency of ``GET /api/v1/signage/reports/plays`` for the whole 116 days (totals,
per content, per day, the first page of rows), driven by ``wrk`` (2 connections, 10 s)
against uvicorn. Target: p99 under 500 ms.
Baselines, same run: ``GET /healthz`` with the same ``wrk`` (what the server costs
without the report), and, timed once in-process, the same per-content totals computed
from the raw records (what the report cost before the aggregates).

Throw-away SQLite database in a temporary directory (``BENCH_PLAYS`` to change the
count; ``--quick`` for 100,000).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _harness import free_port, start_uvicorn

PROJECT = Path(__file__).resolve().parent.parent
QUICK = "--quick" in sys.argv
PLAYS = int(os.environ.get("BENCH_PLAYS", "100000" if QUICK else "1000000"))
TARGET_P99_MS = 500.0
LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def setup(workdir: Path) -> tuple[str, str]:
    """The data; the manager's token and the report's query string."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from distretto.accounts import tokens
    from distretto.accounts.models import ApiToken, Membership, Role
    from distretto.signage import proof
    from distretto.signage.models import Content, Display
    from distretto.signage.tests.plays import generate_plays
    from distretto.territory.models import Chamber, District

    chamber = Chamber.objects.create(name="Camera bench", code="bench")
    district = District.objects.create(
        chamber=chamber,
        name="Bench",
        slug="bench",
        kind="commerce_tourism",
        centre_lat=44.39,
        centre_lon=7.55,
    )
    displays = Display.objects.bulk_create(
        [Display(district=district, name=f"Totem {n:02d}") for n in range(50)]
    )
    now = timezone.now().replace(microsecond=0)
    contents = Content.objects.bulk_create(
        [
            Content(
                district=district,
                kind="text",
                title=f"Promozione {n:02d}",
                valid_from=now,
                status="approved",
            )
            for n in range(30)
        ]
    )
    start = now - timedelta(seconds=10 * PLAYS)
    began = time.perf_counter()
    generate_plays(displays, contents, PLAYS, start)
    generated = time.perf_counter() - began
    since, until = start.date() - timedelta(days=1), now.date() + timedelta(days=1)
    rows = proof.rebuild_daily(district, since, until)
    aggregated = time.perf_counter() - began - generated
    manager = get_user_model().objects.create(username="bench-manager")
    Membership.objects.create(user=manager, role=Role.DISTRICT_MANAGER, district=district)
    _token, raw = tokens.issue(kind=ApiToken.Kind.PERSONAL, name="b", user=manager)

    # The report before the aggregates: the same per-content totals from the raw rows.
    from django.db.models import Count, Sum

    from distretto.signage.models import PlayRecord

    began = time.perf_counter()
    list(
        PlayRecord.objects.filter(display__district=district)
        .values("content_id", "content_title")
        .annotate(plays=Count("id"), seconds=Sum("duration_s"))
    )
    raw_ms = (time.perf_counter() - began) * 1000
    connection.close()
    print(
        f"{PLAYS:,} plays generated in {generated:.1f} s; {rows:,} daily rows in "
        f"{aggregated:.1f} s; per-content totals from the raw rows (before): {raw_ms:.0f} ms"
    )
    return raw, f"since={since.isoformat()}&until={until.isoformat()}"


def wrk(url: str, token: str | None = None) -> dict[str, float]:
    command = ["wrk", "-t1", "-c2", "-d10s", "--latency", "--timeout", "10s", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = {p: float(v) * UNITS[u] for p, v, u in LATENCY.findall(output)}
    requests = re.search(r"Requests/sec:\s+([\d.]+)", output)
    found["rps"] = float(requests.group(1)) if requests else 0.0
    return found


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)")
        return 1
    sys.path.insert(0, str(PROJECT))
    workdir = Path(tempfile.mkdtemp(prefix="bench-signage-report-"))
    env = {
        "DJANGO_SETTINGS_MODULE": "distretto.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "DISTRETTO_VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    server = None
    try:
        token, query = setup(workdir)
        port = free_port()
        server = start_uvicorn(port, dict(os.environ))
        base = f"http://127.0.0.1:{port}"
        wrk(f"{base}/api/v1/signage/reports/plays?{query}", token)  # warm up
        report = wrk(f"{base}/api/v1/signage/reports/plays?{query}", token)
        health = wrk(f"{base}/healthz")
        print("signage report over the daily aggregates, SQLite, one uvicorn process, wrk -c2")
        print(f"{'':<28} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
        for label, found in ((f"report ({PLAYS:,} plays)", report), ("baseline /healthz", health)):
            print(f"{label:<28} {found['50']:8.1f} {found['99']:8.1f} {found['rps']:8.1f}")
        met = "met" if report["99"] < TARGET_P99_MS else "NOT met"
        print(
            f"report p99 {report['99']:.0f} ms (target {TARGET_P99_MS:.0f} ms: {met}); "
            f"{report['99'] / max(health['99'], 0.001):.1f}x the baseline's p99"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(15)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
