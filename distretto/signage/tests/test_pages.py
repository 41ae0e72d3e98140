"""The manager's and the merchant's pages: totems with their state and map, what plays
now and at a future time, zones, content with approvals, media upload, proof of play."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from distretto.signage.models import Content, Display, MediaAsset
from distretto.signage.tests.conftest import player_api, text_content
from distretto.testing import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_manager_sees_totems_with_state_and_creates_one(actors, totems):
    centre, _station = totems
    version = player_api(centre).get("signage/player/manifest").json()["version"]
    player_api(centre).post("signage/player/heartbeat", {"status": "ok", "version": version})
    client = signed_in(actors.manager)
    page = client.get("/signage/").content.decode()
    assert "Piazza Galimberti" in page and "Stazione FS" in page
    state = client.get("/signage/displays/state/").content.decode()
    assert state.count('class="state up_to_date"') == 1
    assert state.count('class="state never_seen"') == 1
    created = client.post(
        "/signage/",
        {
            "district": actors.district.pk,
            "name": "Ospedale",
            "groups": "Ospedale",
            "lat": "44,38",
            "lon": "7.55",
        },
    ).content.decode()
    assert "#token=dst_" in created
    assert Display.objects.get(name="Ospedale").lat == 44.38
    features = client.get("/signage/displays/map.geojson").json()["features"]
    assert {f["properties"]["name"] for f in features} == {"Ospedale"}


def test_display_page_shows_what_plays_now_and_previews_the_future(actors, manager_api, totems):
    centre, _station = totems
    manager_api.post("signage/contents", text_content(actors.district, title="Adesso"))
    tomorrow = timezone.localtime() + timedelta(days=1)
    manager_api.post(
        "signage/contents",
        text_content(actors.district, title="Domani", valid_from=tomorrow.isoformat()),
    )
    client = signed_in(actors.manager)
    now = client.get(f"/signage/displays/{centre.pk}/").content.decode()
    assert "Adesso" in now and "Domani" not in now
    at = (tomorrow + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    later = client.get(f"/signage/displays/{centre.pk}/", {"at": at}).content.decode()
    assert "Adesso" in later and "Domani" in later
    client.post(f"/signage/displays/{centre.pk}/", {"action": "pair"})
    assert player_api(centre).get("signage/player/manifest").status_code == 401


def test_merchant_proposes_and_manager_approves_through_the_pages(actors, totems):
    merchant = signed_in(actors.merchant)
    assert merchant.get("/signage/").status_code == 404  # totems are the manager's
    merchant.post(
        "/signage/contents/",
        {
            "action": "create",
            "district": actors.district.pk,
            "kind": "text",
            "title": "Pane caldo alle 17",
            "duration_s": "8",
            "weekdays": ["0", "1", "2"],
            "start": "16:30",
            "end": "18:00",
            "groups": ["Centro storico"],
        },
    )
    content = Content.objects.get(title="Pane caldo alle 17")
    assert content.status == "pending" and content.business == actors.shop
    assert content.dayparts == [{"weekdays": [0, 1, 2], "start": "16:30", "end": "18:00"}]
    manager = signed_in(actors.manager)
    listing = manager.get("/signage/contents/").content.decode()
    assert 'id="pending"' in listing and "Pane caldo alle 17" in listing
    manager.post("/signage/contents/", {"action": "approve", "content": content.pk})
    content.refresh_from_db()
    assert content.status == "approved"
    merchant.post(
        f"/signage/contents/{content.pk}/",
        {"kind": "text", "title": "Pane caldo alle 18", "duration_s": "8"},
    )
    content.refresh_from_db()
    assert content.title == "Pane caldo alle 18" and content.status == "pending"


def test_media_upload_validates_and_thumbnails(actors, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(actors.manager)
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 900), "teal").save(buffer, "JPEG")
    buffer.name = "piazza.jpg"
    buffer.seek(0)
    client.post("/signage/media/", {"district": actors.district.pk, "file": buffer})
    asset = MediaAsset.objects.get()
    assert asset.kind == "image" and (asset.width, asset.height) == (1600, 900)
    assert Image.open(asset.thumbnail.path).size == (320, 180)
    fake = io.BytesIO(b"not an image at all")
    fake.name = "virus.png"
    page = client.post(
        "/signage/media/", {"district": actors.district.pk, "file": fake}, follow=True
    ).content.decode()
    assert MediaAsset.objects.count() == 1 and "JPEG" in page


def test_merchant_downloads_its_proof_of_play(actors, manager_api, merchant_api, totems):
    centre, _station = totems
    cid = merchant_api.post("signage/contents", text_content(actors.district)).json()["id"]
    manager_api.post(f"signage/contents/{cid}/approve")
    records = [
        {"id": str(n), "content": cid, "started_at": timezone.now().isoformat(), "duration_s": 8}
        for n in range(5)
    ]
    player_api(centre).post("signage/player/plays", {"records": records})
    client = signed_in(actors.merchant)
    assert "Piazza Galimberti" in client.get("/signage/reports/").content.decode()
    exported = client.get("/signage/reports/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert rows == [
        {
            "day": timezone.localdate().isoformat(),
            "content": str(cid),
            "content_title": "Saldi in centro",
            "business": actors.shop.name,
            "display": str(centre.pk),
            "display_name": "Piazza Galimberti",
            "plays": "5",
            "seconds": "40",
        }
    ]


def test_groups_page_creates_renames_and_deletes(actors, totems):
    client = signed_in(actors.manager)
    client.post(
        "/signage/groups/", {"action": "create", "district": actors.district.pk, "name": "Porta"}
    )
    page = client.get("/signage/groups/").content.decode()
    assert "Porta" in page and "Piazza Galimberti" in page


def test_player_page_and_service_worker(client):
    assert "player.js" in client.get("/signage/player/").content.decode()
    worker = client.get("/signage/player/sw.js")
    assert worker["Content-Type"].startswith("application/javascript")
    assert "/signage/player/" in worker.content.decode()
