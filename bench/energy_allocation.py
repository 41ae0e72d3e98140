"""Heating-cost allocation (UNI 10200) of a large site, including the database reads.

Figure: the time of ``allocation_services.create_run`` for a site of 1,000 units and
10,000 radiator allocators (10 a unit) over a heating season: reading this and last
season's consumption of every allocator from the rollups, the K factors and the
thousandths, running the pure allocation and storing the run with its snapshot and
1,000 unit statements. Target: under 2 s.

Two cases are timed: a site's first allocation (last season's quantities read from
the rollups too) and the steady state (last season allocated and closed: its
statements give last season's quantities and totals). Baselines measured in the
same run: the bare database read of the same consumption (the rollup sums per
allocator, both seasons, as a first run reads them) and the pure allocation
function alone on the same inputs.

Data: one season of rollups per allocator (daily at the season's edges, monthly in
between, as ingestion keeps them) for this and last season, 1% of the allocators
silent (their units are estimated). Each backend runs in its own process on a
throw-away database: a temporary SQLite file, and PostgreSQL (database
``distretto_bench_allocation``, created and dropped here) when reachable.

    .venv/bin/python bench/energy_allocation.py            # 1,000 units, 10,000 radiators
    .venv/bin/python bench/energy_allocation.py --quick    # 100 units, 1,000 radiators
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _harness import postgres_reachable, psql

PROJECT = Path(__file__).resolve().parent.parent
BENCH_DB = "distretto_bench_allocation"
TARGET_SECONDS = 2.0
REPEATS = 3
SEASON_START = dt.date(2025, 10, 15)
SEASON_END = dt.date(2026, 4, 15)  # included


def sizes() -> tuple[int, int]:
    """(units, radiators per unit)."""
    if "--quick" in sys.argv or os.environ.get("BENCH_QUICK"):
        return 100, 10
    return int(os.environ.get("BENCH_UNITS", "1000")), 10


def season_buckets(first: dt.date, last: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """(days, month starts) the rollups of [first, last] use: days at the edges."""
    days, months = [], []
    day = first
    while day <= last:
        if day.day == 1 and (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) <= last:
            months.append(day)
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            days.append(day)
            day += dt.timedelta(days=1)
    return days, months


def build_site(units: int, per_unit: int):
    """A site with ``units`` units, ``per_unit`` allocators each, two seasons of rollups."""
    from django.contrib.auth import get_user_model

    from distretto.energy.models import DailyRollup, Meter, MonthlyRollup, Site, Unit
    from distretto.territory.models import Chamber, District

    rng = random.Random(10200)
    chamber = Chamber.objects.create(name="Camera bench", code="bench")
    district = District.objects.create(
        chamber=chamber,
        name="Bench",
        slug="bench",
        kind="urban_commerce",
        centre_lat=41.56,
        centre_lon=14.66,
    )
    site = Site.objects.create(district=district, name="Complesso bench")
    # Thousandths summing to exactly 1000: whole thousandths with the rest spread.
    base, extra = divmod(1_000_000, units)
    Unit.objects.bulk_create(
        [
            Unit(
                site=site,
                name=f"U{i:04d}",
                millesimi_heat=Decimal(base + (1 if i < extra else 0)) / 1000,
                millesimi_property=Decimal(base + (1 if i < extra else 0)) / 1000,
            )
            for i in range(units)
        ],
        batch_size=1000,
    )
    unit_ids = list(Unit.objects.filter(site=site).order_by("name").values_list("pk", flat=True))
    Meter.objects.bulk_create(
        [
            Meter(
                site=site,
                unit_id=unit_id,
                kind=Meter.Kind.HCA,
                external_id=f"{unit_id:05d}{r:02d}",
                kq=Decimal(rng.choice(["0.85", "1.00", "1.20", "1.45"])),
                kc=Decimal(rng.choice(["0.90", "1.00", "1.05"])),
                unit_of_measure="HCA",
            )
            for unit_id in unit_ids
            for r in range(per_unit)
        ],
        batch_size=2000,
    )
    meter_ids = list(Meter.objects.filter(site=site).values_list("pk", flat=True))
    silent = set(rng.sample(meter_ids, len(meter_ids) // 100))
    rows = 0
    for year_back in (0, 1):
        first = SEASON_START.replace(year=SEASON_START.year - year_back)
        last = SEASON_END.replace(year=SEASON_END.year - year_back)
        days, months = season_buckets(first, last)
        daily, monthly = [], []
        for meter_id in meter_ids:
            if meter_id in silent and year_back == 0:
                continue
            for day in days:
                daily.append(
                    DailyRollup(
                        meter_id=meter_id, bucket=day, consumption=rng.uniform(0, 8), samples=96
                    )
                )
            for month in months:
                monthly.append(
                    MonthlyRollup(
                        meter_id=meter_id,
                        bucket=month,
                        consumption=rng.uniform(20, 160),
                        samples=2900,
                    )
                )
        DailyRollup.objects.bulk_create(daily, batch_size=5000)
        MonthlyRollup.objects.bulk_create(monthly, batch_size=5000)
        rows += len(daily) + len(monthly)
    user = get_user_model().objects.create(username="amministratore")
    return site, user, len(meter_ids), len(silent), rows


def measure(units: int, per_unit: int) -> None:
    """Run in a child process whose DATABASE_URL is the backend to measure."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from distretto.energy import allocation, allocation_services
    from distretto.energy.allocation_models import AllocationRun

    started = time.perf_counter()
    site, user, meters, silent, rows = build_site(units, per_unit)
    if connection.vendor == "postgresql":
        # Fresh bulk-loaded tables: give the planner the statistics autovacuum would.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"  data: {units} units, {meters} allocators ({silent} silent), "
        f"{rows} rollup rows, built in {time.perf_counter() - started:.1f} s"
    )
    after = SEASON_END + dt.timedelta(days=1)
    options = {"involuntary_method": "share", "involuntary_share": "0.25"}
    costs = [
        {
            "name": "maintenance",
            "label": "",
            "amount": Decimal("4200.00"),
            "key": "property_thousandths",
        },
        {"name": "reading", "label": "", "amount": Decimal("3100.00"), "key": "per_unit"},
    ]

    def full_run(first: dt.date = SEASON_START, last: dt.date = SEASON_END) -> float:
        t0 = time.perf_counter()
        run = allocation_services.create_run(
            site,
            period_start=first,
            period_end=last,
            fuel_cost=Decimal("412345.67"),
            costs=costs,
            options=options,
            by=user,
        )
        elapsed = time.perf_counter() - t0
        assert run.results.count() == units
        return elapsed

    def bare_read() -> float:
        """The rollup sums per allocator that a first run reads, both seasons, nothing else."""
        t0 = time.perf_counter()
        read = allocation_services.site_meter_consumption
        this = read(site, "hca", SEASON_START, after)
        last = read(site, "hca", SEASON_START.replace(year=2024), after.replace(year=2025))
        assert len(this) == meters - silent and len(last) == meters
        return time.perf_counter() - t0

    snapshot = allocation_services.gather_inputs(
        site, SEASON_START, SEASON_END, Decimal("412345.67"), costs, options
    )
    pure_input = allocation_services.allocation_input(snapshot)

    def pure_only() -> float:
        t0 = time.perf_counter()
        allocation.allocate(pure_input)
        return time.perf_counter() - t0

    # First season of a site: last season's quantities come from the rollups too.
    first = [full_run() for _ in range(REPEATS)]
    reads = [bare_read() for _ in range(REPEATS)]
    pure = [pure_only() for _ in range(REPEATS)]
    estimated = AllocationRun.objects.latest("id").results.filter(estimated=True).count()
    # Steady state: last season was allocated and closed; its statements give last
    # season's quantities and totals.
    previous = allocation_services.create_run(
        site,
        period_start=SEASON_START.replace(year=2024),
        period_end=SEASON_END.replace(year=2025),
        fuel_cost=Decimal("398000.00"),
        costs=costs,
        options=options,
        by=user,
    )
    allocation_services.close_run(previous, by=user)
    steady = [full_run() for _ in range(REPEATS)]
    connection.close()
    for label, figures in (
        ("first season (last season read from the rollups)", first),
        ("steady state (last season from its closed run)", steady),
    ):
        best, median = min(figures), statistics.median(figures)
        print(f"  allocation run incl. database reads and storing, {label}:")
        print(
            f"    best {best:.3f} s, median {median:.3f} s; target {TARGET_SECONDS:.1f} s "
            f"→ {best / TARGET_SECONDS:.2f} × target"
        )
    print(f"    ({estimated} units estimated)")
    print(f"  baseline, bare read of the same consumption (both seasons): best {min(reads):.3f} s")
    print(f"  baseline, pure allocation function alone: best {min(pure):.3f} s")
    print(f"  first-season run / bare read: {min(first) / min(reads):.1f} ×")


def child(backend: str, url: str, workdir: Path) -> int:
    env = os.environ | {
        "DATABASE_URL": url,
        "DISTRETTO_VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "distretto.settings",
        "BENCH_CHILD": backend,
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, __file__, *sys.argv[1:]], env=env, cwd=PROJECT
    ).returncode


def main() -> int:
    sys.path.insert(0, str(PROJECT))
    units, per_unit = sizes()
    if os.environ.get("BENCH_CHILD"):
        measure(units, per_unit)
        return 0
    print(
        f"Heating-cost allocation: {units} units × {per_unit} radiators "
        f"= {units * per_unit} allocators"
    )
    print("(other work on this machine makes the figures noisy)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-allocation-"))
    status = 0
    try:
        print("SQLite:")
        status |= child("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", workdir)
        if postgres_reachable():
            psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            psql(f"CREATE DATABASE {BENCH_DB}")
            try:
                print("PostgreSQL:")
                status |= child(
                    "postgres", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}", workdir
                )
            finally:
                psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        else:
            print("PostgreSQL not reachable: skipped")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
