"""Managers create totems and get a one-time pairing token; zones; preview at any time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from distretto.accounts.models import ApiToken, AuditEntry
from distretto.signage.models import Display
from distretto.signage.tests.conftest import player_api, text_content
from distretto.testing import ApiClient, error_of

pytestmark = pytest.mark.django_db


def test_manager_creates_a_display_and_gets_its_token_once(actors, manager_api):
    response = manager_api.post(
        "signage/displays",
        {"district": actors.district.pk, "name": "Via Roma", "groups": ["Centro storico"]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith("dst_") and body["pairing_url"].endswith(body["token"])
    assert body["groups"] == ["Centro storico"] and body["online"] is False
    token = ApiToken.objects.get(device_id=body["id"])
    assert token.kind == ApiToken.Kind.DISPLAY and body["token"] not in token.token_hash
    again = manager_api.get(f"signage/displays/{body['id']}").json()
    assert "token" not in again
    assert AuditEntry.objects.filter(object_type="signage.Display", action="create").exists()


def test_merchant_and_outsider_cannot_create_displays(actors, merchant_api):
    body = {"district": actors.district.pk, "name": "Abusivo"}
    assert merchant_api.post("signage/displays", body).status_code == 403
    outsider = ApiClient(actors.outsider).post("signage/displays", body)
    assert outsider.status_code == 404
    assert not Display.objects.exists()


def test_a_new_pairing_token_revokes_the_old_one(actors, manager_api, totems):
    centre, _station = totems
    assert player_api(centre).get("signage/player/manifest").status_code == 200
    fresh = manager_api.post(f"signage/displays/{centre.pk}/token").json()["token"]
    assert player_api(centre).get("signage/player/manifest").status_code == 401
    assert ApiClient(raw_token=fresh).get("signage/player/manifest").status_code == 200
    assert manager_api.delete(f"signage/displays/{centre.pk}/token").status_code == 204
    assert ApiClient(raw_token=fresh).get("signage/player/manifest").status_code == 401


def test_list_and_patch_displays_with_zones(actors, manager_api, totems):
    centre, station = totems
    listed = manager_api.get("signage/displays").json()
    assert listed["count"] == 2 and listed["items"][0]["id"] == station.pk  # newest first
    response = manager_api.patch(
        f"signage/displays/{centre.pk}",
        {"groups": ["Centro storico", "Via Roma"], "orientation": "portrait", "lat": 44.39},
    )
    assert response.status_code == 200
    assert response.json()["groups"] == ["Centro storico", "Via Roma"]
    assert response.json()["orientation"] == "portrait"
    bad = manager_api.patch(f"signage/displays/{centre.pk}", {"resolution": "big"})
    assert bad.status_code == 422 and error_of(bad)["field"] == "resolution"
    by_zone = manager_api.get("signage/displays", {"group": "Via Roma"}).json()
    assert [d["id"] for d in by_zone["items"]] == [centre.pk]


def test_display_is_offline_after_three_missed_heartbeats(totems):
    centre, _station = totems
    player_api(centre).post("signage/player/heartbeat", {"status": "ok"})
    centre.refresh_from_db()
    assert centre.is_online()
    assert centre.is_online(centre.last_seen_at + timedelta(seconds=90))
    assert not centre.is_online(centre.last_seen_at + timedelta(seconds=91))


def test_preview_shows_what_the_display_would_play_at_a_future_instant(actors, manager_api, totems):
    centre, station = totems
    start = timezone.now() + timedelta(days=2)
    created = manager_api.post(
        "signage/contents",
        text_content(
            actors.district,
            title="Mercatino",
            valid_from=start.isoformat(),
            valid_until=(start + timedelta(hours=4)).isoformat(),
            targets={"groups": ["Centro storico"]},
        ),
    ).json()
    now = manager_api.get(f"signage/displays/{centre.pk}/preview").json()
    assert now["items"] == []
    assert now["next_change_at"] is not None
    later = manager_api.get(
        f"signage/displays/{centre.pk}/preview",
        {"at": (start + timedelta(hours=1)).isoformat()},
    ).json()
    assert [item["id"] for item in later["items"]] == [created["id"]]
    station_later = manager_api.get(
        f"signage/displays/{station.pk}/preview",
        {"at": (start + timedelta(hours=1)).isoformat()},
    ).json()
    assert station_later["items"] == []


def test_groups_api(actors, manager_api, merchant_api, totems):
    created = manager_api.post(
        "signage/groups", {"district": actors.district.pk, "name": "Ospedale"}
    )
    assert created.status_code == 201
    clash = manager_api.post("signage/groups", {"district": actors.district.pk, "name": "Stazione"})
    assert clash.status_code == 422 and error_of(clash)["field"] == "name"
    names = [g["name"] for g in merchant_api.get("signage/groups").json()["items"]]
    assert set(names) == {"Centro storico", "Stazione", "Ospedale"}  # to target proposals
    gid = created.json()["id"]
    assert merchant_api.delete(f"signage/groups/{gid}").status_code == 403
    assert (
        manager_api.patch(f"signage/groups/{gid}", {"name": "Ospedale S. Croce"}).json()["name"]
        == "Ospedale S. Croce"
    )
    assert manager_api.delete(f"signage/groups/{gid}").status_code == 204
