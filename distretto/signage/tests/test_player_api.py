"""The player protocol with a display token: its own manifest only, ETag/304,
heartbeats, idempotent proof of play; reports by content, business, display, day."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
from datetime import timedelta

import pytest
from django.test import AsyncClient
from django.utils import timezone
from PIL import Image

from distretto.signage.models import PlayRecord
from distretto.signage.tests.conftest import player_api, text_content
from distretto.signage.tests.test_push import publish
from distretto.testing import ApiClient, error_of, run_async

pytestmark = pytest.mark.django_db


def test_manifest_lists_the_displays_items_with_an_etag(actors, manager_api, totems):
    centre, _station = totems
    cid = manager_api.post(
        "signage/contents", text_content(actors.district, targets={"groups": ["Centro storico"]})
    ).json()["id"]
    response = player_api(centre).get("signage/player/manifest")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"version", "generated_at", "next_change_at", "items"}
    item = body["items"][0]
    assert item["id"] == cid and item["kind"] == "text" and item["duration_s"] == 8
    assert {"title", "body", "duration_s", "priority"} <= set(item)
    assert "media_url" not in item  # empty fields are left out of the manifest
    assert response["ETag"] == f'"{body["version"]}"'
    again = player_api(centre).get("signage/player/manifest", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    manager_api.patch(f"signage/contents/{cid}", {"title": "Nuovo titolo"})
    changed = player_api(centre).get("signage/player/manifest", HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200 and changed.json()["items"][0]["title"] == "Nuovo titolo"


def test_a_display_token_reads_only_its_own_manifest(actors, manager_api, totems):
    centre, station = totems
    manager_api.post(
        "signage/contents", text_content(actors.district, targets={"displays": [station.pk]})
    )
    assert player_api(centre).get("signage/player/manifest").json()["items"] == []
    assert len(player_api(station).get("signage/player/manifest").json()["items"]) == 1
    # Management endpoints know nothing of other displays for a display token.
    assert player_api(centre).get(f"signage/displays/{station.pk}/preview").status_code == 404
    assert player_api(centre).get(f"signage/displays/{centre.pk}").status_code == 404


def test_player_endpoints_refuse_personal_and_missing_tokens(actors, totems):
    assert ApiClient(actors.manager).get("signage/player/manifest").status_code == 401
    missing = ApiClient().get("signage/player/manifest")
    assert missing.status_code == 401 and error_of(missing)["code"] == "unauthenticated"


def test_heartbeat_marks_the_display_online_with_its_version_and_screenshot(totems):
    centre, _station = totems
    buffer = io.BytesIO()
    Image.new("RGB", (16, 9), "navy").save(buffer, "PNG")
    shot = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    response = player_api(centre).post(
        "signage/player/heartbeat",
        {"status": "playing", "version": "abc", "player_version": "1.0.0", "screenshot": shot},
    )
    assert response.status_code == 200 and response.json()["ok"] is True
    centre.refresh_from_db()
    assert centre.is_online() and centre.playing_version == "abc"
    assert centre.screenshot.name.endswith(".png")
    bad = player_api(centre).post("signage/player/heartbeat", {"screenshot": "not-base64!"})
    assert bad.status_code == 422 and error_of(bad)["field"] == "screenshot"


def test_proof_of_play_is_idempotent_by_record_id(actors, manager_api, merchant_api, totems):
    centre, _station = totems
    cid = merchant_api.post("signage/contents", text_content(actors.district)).json()["id"]
    manager_api.post(f"signage/contents/{cid}/approve")
    started = timezone.now() - timedelta(minutes=5)
    batch = {
        "records": [
            {
                "id": f"r{n}",
                "content": cid,
                "started_at": (started + timedelta(seconds=8 * n)).isoformat(),
                "duration_s": 8,
            }
            for n in range(3)
        ]
        + [{"id": "gone", "content": 999999, "started_at": started.isoformat(), "duration_s": 5}]
    }
    first = player_api(centre).post("signage/player/plays", batch).json()
    counts = ("received", "stored", "duplicates", "ignored", "refused")
    assert {k: first[k] for k in counts} == {
        "received": 4,
        "stored": 3,
        "duplicates": 0,
        "ignored": 1,
        "refused": 0,
    }
    assert [r["status"] for r in first["results"]] == ["stored"] * 3 + ["ignored"]
    again = player_api(centre).post("signage/player/plays", batch).json()
    assert {k: again[k] for k in counts} == {
        "received": 4,
        "stored": 0,
        "duplicates": 3,
        "ignored": 1,
        "refused": 0,
    }
    assert PlayRecord.objects.count() == 3
    assert PlayRecord.objects.filter(business=actors.shop).count() == 3


def test_play_report_by_content_business_display_and_day_with_csv(
    actors, manager_api, merchant_api, totems
):
    centre, station = totems
    mine = merchant_api.post("signage/contents", text_content(actors.district)).json()["id"]
    manager_api.post(f"signage/contents/{mine}/approve")
    district_own = manager_api.post("signage/contents", text_content(actors.district)).json()["id"]
    now = timezone.now()
    for display in (centre, station):
        records = [
            {
                "id": f"{display.pk}-{n}",
                "content": cid,
                "started_at": now.isoformat(),
                "duration_s": 10,
            }
            for n, cid in enumerate([mine, mine, district_own])
        ]
        player_api(display).post("signage/player/plays", {"records": records})
    manager_rows = manager_api.get("signage/reports/plays").json()
    assert manager_rows["count"] == 4
    merchant_rows = merchant_api.get("signage/reports/plays").json()["items"]
    assert {row["display_name"] for row in merchant_rows} == {"Piazza Galimberti", "Stazione FS"}
    assert all(
        row["content"] == mine and row["plays"] == 2 and row["seconds"] == 20
        for row in merchant_rows
    )
    assert all(row["business"] == actors.shop.name for row in merchant_rows)
    exported = merchant_api.get("signage/reports/plays", {"format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    body = b"".join(exported.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert (
        len(rows) == 2
        and rows[0]["plays"] == "2"
        and rows[0]["day"] == timezone.localdate().isoformat()
    )
    assert ApiClient(actors.outsider).get("signage/reports/plays").json()["count"] == 0
    # ?since=&until= are local days, both included.
    today = timezone.localdate()
    day = timedelta(days=1)
    assert (
        manager_api.get("signage/reports/plays", {"since": today, "until": today}).json()["count"]
        == 4
    )
    assert manager_api.get("signage/reports/plays", {"since": today + day}).json()["count"] == 0
    assert manager_api.get("signage/reports/plays", {"until": today - day}).json()["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_django_event_stream_carries_the_manifest(actors, totems):
    """The ninja handler of /player/events (served where the ASGI fast path is not in
    front, and documented in OpenAPI) streams the same events through a queue."""
    centre, _station = totems
    publish(actors)

    async def first_events() -> bytes:
        response = await AsyncClient().get(
            "/api/v1/signage/player/events",
            headers={"Authorization": f"Bearer {centre.raw_token}"},
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/event-stream")
        received = b""
        chunks = aiter(response.streaming_content)
        while b"event: manifest" not in received:
            received += await asyncio.wait_for(chunks.__anext__(), 20)
        await chunks.aclose()
        return received

    received = run_async(first_events)
    assert received.startswith(b"retry: ")
    manifest = json.loads(received.split(b"data: ", 1)[1])
    assert [item["title"] for item in manifest["items"]] == ["Saldi in centro"]
