"""The observatory at the scale of a large district: page and API latency, monthly refresh.

Data (PostgreSQL ``distretto_observatory_bench``, built once with set-based SQL and
kept for the next runs; ``--rebuild`` builds it again): one district with 200 shops,
1,000,000 cards and 10,000,000 till movements (85 % earns, 15 % redemptions, each
two ledger entries) spread over 3 years, and the observatory's monthly values of
those 36 months. ``--quick`` (or BENCH_QUICK=1): 100,000 cards, 1,000,000 movements.

Figures, each with a baseline measured in the same run:
- the monthly refresh of the last complete month (``compute.refresh_month``), target
  under 60 s; baseline: one plain SQL pass over that month's movements and entries
  (count, distinct cards, sum of points), the least any refresh has to read;
- ``GET /observatory/`` as the chamber operator and
  ``GET /api/v1/observatory/indicators?district=&from=&to=`` (36 months), p50 and p99
  under wrk (2 connections, 10 s each), target p99 under 500 ms; baseline: the same
  server's ``GET /api/v1/observatory/definitions`` (no database), so the ratio shows
  what reading the aggregates costs.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _harness import free_port, postgres_reachable, psql, start_uvicorn

PROJECT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("BENCH_OBSERVATORY_DB", "distretto_observatory_bench")
URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
QUICK = "--quick" in sys.argv or os.environ.get("BENCH_QUICK") == "1"
CARDS = 100_000 if QUICK else 1_000_000
MOVEMENTS = 1_000_000 if QUICK else 10_000_000
SHOPS = 200
MONTHS = 36
SLUG = "bench-quick" if QUICK else "bench-grande"
TARGET_REFRESH_S = 60.0
TARGET_P99_MS = 500.0
WRK_SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def django_setup() -> None:
    os.environ["DATABASE_URL"] = URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distretto.settings")
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()


def ensure_database() -> None:
    if "--rebuild" in sys.argv:
        psql(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    with contextlib.suppress(subprocess.CalledProcessError):  # it exists: the data are kept
        psql(f"CREATE DATABASE {BENCH_DB}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=PROJECT,
        env={**os.environ, "DATABASE_URL": URL},
        check=True,
    )


def build(first_month) -> None:
    """The district, its shops, cards and movements, in a handful of statements."""
    from django.db import connection, transaction

    from distretto.loyalty.models import Program
    from distretto.territory.models import Business, Chamber, District

    with transaction.atomic():
        District.objects.filter(slug=SLUG).update(active=False)
        chamber, _ = Chamber.objects.get_or_create(code="bench", defaults={"name": "CCIAA Bench"})
        district = District.objects.create(
            chamber=chamber,
            name=f"Distretto {SLUG}",
            slug=f"{SLUG}-{int(time.time())}",
            kind="urban_commerce",
            centre_lat=45.31,
            centre_lon=9.50,
        )
        Business.objects.bulk_create(
            [
                Business(
                    district=district,
                    name=f"Negozio {n}",
                    partita_iva=f"{n:011d}",
                    category="grocery",
                )
                for n in range(SHOPS)
            ]
        )
        program = Program.objects.create(
            district=district, name="Carta", point_value="0.01", earn_rate="1"
        )
    start = f"{first_month:%Y-%m-%d}"
    steps = [
        (
            "cards",
            f"""INSERT INTO loyalty_card (program_id, number, token_hash, status, holder_name,
                holder_email, consent_privacy, consent_marketing, batch, created_at)
            SELECT {program.pk}, 'B' || {program.pk} || '-' || g,
                md5({program.pk} || '-' || g) || md5('{SLUG}' || g),
                'active', '', '', false, false, 'bench',
                timestamptz '{start}' + (g::float / {CARDS} * {MONTHS} * 30.4) * interval '1 day'
            FROM generate_series(1, {CARDS}) g""",
        ),
        (
            "card accounts",
            f"""INSERT INTO loyalty_account (program_id, kind, card_id, balance)
            SELECT {program.pk}, 'card', id, 0 FROM loyalty_card
            WHERE program_id = {program.pk} ORDER BY id""",
        ),
        (
            "shop accounts",
            f"""INSERT INTO loyalty_account (program_id, kind, business_id, balance)
            SELECT {program.pk}, k, b.id, 0 FROM territory_business b,
                unnest(ARRAY['merchant_issued', 'merchant_redeemed']) k
            WHERE b.district_id = {district.pk}""",
        ),
        (
            "movements",
            f"""INSERT INTO loyalty_ledgertransaction (program_id, kind, card_id, business_id,
                points, amount, applied_rules, reason, source, reference, posted_at, period,
                idempotency_scope, idempotency_key, request_fingerprint)
            SELECT {program.pk}, CASE WHEN r < 0.85 THEN 'earn' ELSE 'redeem' END,
                c.first + (hashint % {CARDS}), s.first + (g % {SHOPS}),
                CASE WHEN r < 0.85 THEN 5 + (hashint % 80) ELSE -(100 + (hashint % 200)) END,
                CASE WHEN r < 0.85 THEN 5 + (hashint % 80) ELSE NULL END,
                '[]'::jsonb, '', '', '', at,
                to_char(at AT TIME ZONE 'Europe/Rome', 'YYYY-MM'), '', '', ''
            FROM (SELECT g, abs(hashint4(g)) AS hashint,
                    (abs(hashint4(g * 7)) % 1000) / 1000.0 AS r,
                    timestamptz '{start}' + (g::float / {MOVEMENTS} * {MONTHS} * 30.4)
                        * interval '1 day' AS at
                  FROM generate_series(1, {MOVEMENTS}) g) m,
                (SELECT min(id) AS first FROM loyalty_card WHERE program_id = {program.pk}) c,
                (SELECT min(id) AS first FROM territory_business
                 WHERE district_id = {district.pk}) s""",
        ),
        (
            "entries",
            f"""INSERT INTO loyalty_entry (transaction_id, account_id, points)
            SELECT t.id, CASE WHEN leg = 0 THEN a.id ELSE m.id END,
                CASE WHEN leg = 0 THEN t.points ELSE -t.points END
            FROM loyalty_ledgertransaction t
            JOIN loyalty_account a ON a.card_id = t.card_id
            JOIN loyalty_account m ON m.business_id = t.business_id AND m.program_id = t.program_id
                AND m.kind = CASE WHEN t.kind = 'earn' THEN 'merchant_issued'
                                  ELSE 'merchant_redeemed' END
            CROSS JOIN (VALUES (0), (1)) legs(leg)
            WHERE t.program_id = {program.pk}""",
        ),
    ]
    with connection.cursor() as cursor:
        # A bulk load: no foreign-key triggers, and the two big tables' secondary
        # indexes built once at the end instead of row by row.
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid IN ('loyalty_ledgertransaction'::regclass, 'loyalty_entry'::regclass)
              AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        try:
            for name, sql in steps:
                began = time.monotonic()
                cursor.execute(sql)
                print(
                    f"  built {name}: {cursor.rowcount:,} rows in {time.monotonic() - began:.0f} s"
                )
        finally:
            began = time.monotonic()
            for _name, definition in indexes:
                cursor.execute(definition)
            print(f"  indexes rebuilt in {time.monotonic() - began:.0f} s")
            cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE")
    District.objects.filter(chamber=chamber).exclude(pk=district.pk).update(active=False)


def bench_district():
    from distretto.territory.models import District

    return District.objects.filter(slug__startswith=f"{SLUG}-", active=True).order_by("-pk").first()


def timed(call) -> float:
    began = time.monotonic()
    call()
    return time.monotonic() - began


def baseline_scan(district, period: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*), count(DISTINCT t.card_id), sum(e.points)
            FROM loyalty_ledgertransaction t JOIN loyalty_entry e ON e.transaction_id = t.id
            JOIN loyalty_program p ON p.id = t.program_id
            WHERE p.district_id = %s AND t.period = %s""",
            [district.pk, period],
        )
        cursor.fetchone()


def session_cookie() -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from distretto.accounts.models import Membership, Role
    from distretto.territory.models import Chamber
    from distretto.testing import UserFactory

    user = UserFactory(username="bench-operator")
    Membership.objects.get_or_create(
        user=user, role=Role.CHAMBER_OPERATOR, chamber=Chamber.objects.get(code="bench")
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def wrk(url: str, cookie: str = "") -> dict:
    command = ["wrk", "-t1", "-c2", f"-d{WRK_SECONDS}s", "--latency", url]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = {}
    for label, key in (("50%", "p50"), ("99%", "p99")):
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        number, unit = float(match.group(1)), match.group(2)
        found[key] = number * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    found["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    found["errors"] = int(non_2xx.group(1)) if non_2xx else 0
    return found


def main() -> int:
    if not postgres_reachable():
        print("PostgreSQL is not reachable on 127.0.0.1:5432: skipped")
        return 0
    ensure_database()
    django_setup()
    from django.utils import timezone

    from distretto.observatory import compute, services

    current = timezone.localdate().replace(day=1)
    last = compute.add_months(current, -1)
    first = compute.add_months(current, -MONTHS)
    district = None if "--rebuild" in sys.argv else bench_district()
    print(
        f"== observatory: {CARDS:,} cards, {MOVEMENTS:,} movements, {SHOPS} shops, {MONTHS} months"
    )
    if district is None:
        began = time.monotonic()
        build(first)
        print(f"  data set built in {time.monotonic() - began:.0f} s")
        district = bench_district()
        months = [compute.add_months(first, n) for n in range(MONTHS)]
        began = time.monotonic()
        compute.refresh(months, [district.chamber_id])
        print(f"  36 months of values computed in {time.monotonic() - began:.0f} s")
    period = f"{last:%Y-%m}"
    baseline_scan(district, period)  # warm the cache alike for both
    scan = min(timed(lambda: baseline_scan(district, period)) for _ in range(2))
    refresh = min(
        timed(lambda: compute.refresh_month(last, [district.chamber_id])) for _ in range(2)
    )
    print(
        f"monthly refresh ({period}): {refresh:.2f} s (target < {TARGET_REFRESH_S:.0f} s); "
        f"baseline plain scan of the month: {scan:.2f} s; ratio {refresh / scan:.1f}"
    )
    cookie = session_cookie()
    port = free_port()
    server = start_uvicorn(port, {**os.environ, "DATABASE_URL": URL, "LOG_LEVEL": "WARNING"})
    try:
        base = f"http://127.0.0.1:{port}"
        months = f"from={first:%Y-%m}&to={last:%Y-%m}"
        targets = {
            "definitions (baseline)": (f"{base}/api/v1/observatory/definitions", ""),
            "indicators API": (
                f"{base}/api/v1/observatory/indicators?district={district.slug}&{months}",
                "",
            ),
            "observatory page": (f"{base}/observatory/?chamber=bench&{months}", cookie),
        }
        for url, header in targets.values():  # warm-up: imports, connections
            subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", f"Cookie: {header}", url])
        results = {name: wrk(url, header) for name, (url, header) in targets.items()}
    finally:
        server.terminate()
        server.wait(10)
    baseline = results["definitions (baseline)"]
    worst = 0.0
    for name, figures in results.items():
        ratio = figures["p50"] / baseline["p50"] if baseline["p50"] else 0
        worst = max(worst, figures["p99"]) if name != "definitions (baseline)" else worst
        print(
            f"{name}: p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, "
            f"{figures['rps']:.0f} req/s, non-2xx {figures['errors']}"
            + ("" if name.endswith("(baseline)") else f"; p50 ratio to baseline {ratio:.1f}")
        )
    rows = services.open_rows(district=district.slug, first=f"{first:%Y-%m}", last=f"{last:%Y-%m}")
    print(f"  ({len(rows)} indicator rows in the API answer)")
    ok = refresh < TARGET_REFRESH_S and worst < TARGET_P99_MS
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
