"""Proof of play: answered per record (a bad record is refused alone), aggregated per
local day, display and content as it is stored, raw records purged after the
retention while the aggregates stay, and reports over a million plays."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from distretto.signage import proof
from distretto.signage.models import Content, PlayDaily, PlayRecord
from distretto.signage.tests.conftest import player_api, text_content
from distretto.signage.tests.plays import generate_plays

pytestmark = pytest.mark.django_db


def record(n, content, started_at, duration=8):
    return {
        "id": f"r{n}",
        "content": content,
        "started_at": started_at.isoformat(),
        "duration_s": duration,
    }


def test_a_bad_record_is_refused_alone_and_the_rest_is_stored(actors, manager_api, totems):
    centre, _station = totems
    cid = manager_api.post("signage/contents", text_content(actors.district)).json()["id"]
    now = timezone.now()
    batch = [
        record(1, cid, now - timedelta(minutes=3)),
        {"id": "r2", "content": cid, "started_at": "ieri", "duration_s": 8},
        record(3, cid, now + timedelta(hours=2)),
        {"id": "r4", "content": cid, "started_at": now.isoformat(), "duration_s": -1},
        record(5, cid, now - timedelta(minutes=1)),
        record(5, cid, now - timedelta(minutes=1)),
        {"id": "r6", "content": cid, "started_at": "2026-01-01T10:00:00", "duration_s": 8},
    ]
    answer = player_api(centre).post("signage/player/plays", {"records": batch}).json()
    assert (answer["stored"], answer["refused"]) == (2, 5)
    reasons = {r["id"]: r.get("reason") for r in answer["results"] if r["status"] == "refused"}
    assert reasons["r2"].startswith("started_at") and reasons["r3"] == "started_at: in the future"
    assert (
        reasons["r4"].startswith("duration_s")
        and reasons["r6"] == "started_at: the time needs its offset"
    )
    assert [r["status"] for r in answer["results"]][:1] == ["stored"]
    assert PlayRecord.objects.count() == 2


def test_plays_are_added_to_the_local_day_of_the_district(actors, manager_api, totems):
    centre, _station = totems
    cid = manager_api.post("signage/contents", text_content(actors.district)).json()["id"]
    # 23:30 UTC on 9 March is 00:30 on 10 March in Rome.
    late = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    batch = [record(1, cid, late, 10), record(2, cid, late - timedelta(hours=1), 5)]
    player_api(centre).post("signage/player/plays", {"records": batch})
    player_api(centre).post("signage/player/plays", {"records": batch})  # resent: counted once
    days = {row.day: (row.plays, row.seconds) for row in PlayDaily.objects.all()}
    assert days == {date(2026, 3, 10): (1, 10.0), date(2026, 3, 9): (1, 5.0)}


def test_the_report_reads_the_aggregates_with_totals_per_content_and_day(
    actors, manager_api, totems
):
    first, second = (
        manager_api.post("signage/contents", text_content(actors.district, title=t)).json()["id"]
        for t in ("Uno", "Due")
    )
    now = timezone.now()
    for display in totems:
        records = [
            record(n, first if n % 3 else second, now - timedelta(minutes=n), 10) for n in range(9)
        ]
        player_api(display).post("signage/player/plays", {"records": records})
    report = manager_api.get("signage/reports/plays", {"limit": 1}).json()
    assert report["plays"] == 18 and report["seconds"] == 180 and report["displays"] == 2
    assert [(c["content_title"], c["plays"]) for c in report["by_content"]] == [
        ("Uno", 12),
        ("Due", 6),
    ]
    assert sum(day["plays"] for day in report["by_day"]) == 18
    assert report["count"] >= 4 and len(report["items"]) == 1
    assert manager_api.get("signage/reports/plays", {"limit": 0}).status_code == 422


def test_purging_raw_plays_keeps_the_aggregates(actors, manager_api, totems):
    centre, _station = totems
    cid = manager_api.post("signage/contents", text_content(actors.district)).json()["id"]
    now = timezone.now()
    old = [record(n, cid, now - timedelta(days=100, minutes=n)) for n in range(5)]
    recent = [record(n + 10, cid, now - timedelta(minutes=n)) for n in range(3)]
    player_api(centre).post("signage/player/plays", {"records": old + recent})
    assert proof.purge_raw(now) == 5
    assert PlayRecord.objects.count() == 3
    assert sum(PlayDaily.objects.values_list("plays", flat=True)) == 8


def test_a_million_plays_aggregate_purge_and_report_from_the_aggregates(
    actors, manager_api, totems
):
    contents = [
        Content.objects.get(
            pk=manager_api.post(
                "signage/contents", text_content(actors.district, title=f"Promo {n}")
            ).json()["id"]
        )
        for n in range(4)
    ]
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(seconds=10 * 1_000_000)  # 115.7 days ago
    began = time.perf_counter()
    generate_plays(totems, contents, 1_000_000, start)
    generated = time.perf_counter() - began
    days = (start.date() - timedelta(days=1), now.date() + timedelta(days=1))
    rows = proof.rebuild_daily(actors.district, *days)
    aggregated = time.perf_counter() - began - generated
    assert PlayRecord.objects.count() == 1_000_000
    before = manager_api.get(
        "signage/reports/plays", {"since": (start - timedelta(days=1)).date().isoformat()}
    ).json()
    assert before["plays"] == 1_000_000 and before["seconds"] == 10_000_000
    assert {c["plays"] for c in before["by_content"]} == {250_000}
    purged = proof.purge_raw(now)
    assert purged > 200_000 and PlayRecord.objects.count() == 1_000_000 - purged
    began = time.perf_counter()
    after = manager_api.get(
        "signage/reports/plays", {"since": (start - timedelta(days=1)).date().isoformat()}
    ).json()
    report_ms = (time.perf_counter() - began) * 1000
    assert after["plays"] == 1_000_000 and after["by_day"] == before["by_day"]
    print(
        f"\n1,000,000 plays: generated {generated:.1f} s, {rows:,} daily rows in "
        f"{aggregated:.1f} s, {purged:,} raw purged after 90 days, report {report_ms:.0f} ms"
    )
