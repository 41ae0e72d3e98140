"""Live push end to end against real uvicorn processes: a player connected to the event
stream hears of an edit, of a validity edge passing with nobody editing, and - with
Redis - of an edit made through another server process."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.accounts.scoping import Principal
from distretto.signage import services
from distretto.signage.tests.conftest import text_content

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()


class EventStream:
    """A player's connection to /player/events, read event by event with a deadline."""

    def __init__(self, base_url: str, token: str) -> None:
        self.client = httpx.Client(timeout=httpx.Timeout(10, read=30))
        self.context = self.client.stream(
            "GET",
            f"{base_url}/api/v1/signage/player/events",
            headers={"Authorization": f"Bearer {token}"},
        )
        self.response = self.context.__enter__()
        assert self.response.status_code == 200
        assert self.response.headers["content-type"].startswith("text/event-stream")
        self.lines = self.response.iter_lines()
        self.comments: list[str] = []

    def next_event(self, timeout: float = 20) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        name, data = "message", ""
        while time.monotonic() < deadline:
            line = next(self.lines)
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line == "" and data:
                return name, json.loads(data)
        raise AssertionError("no event before the deadline")

    def manifest_after(self, predicate, timeout: float = 20) -> dict:
        """The first manifest event satisfying ``predicate`` (earlier ones are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            name, manifest = self.next_event(deadline - time.monotonic())
            if name == "manifest" and predicate(manifest):
                return manifest
        raise AssertionError("no matching manifest before the deadline")

    def close(self) -> None:
        self.context.__exit__(None, None, None)
        self.client.close()


@pytest.fixture
def streams():
    opened: list[EventStream] = []

    def open_stream(base_url: str, token: str) -> EventStream:
        stream = EventStream(base_url, token)
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()


@pytest.fixture
def manager_token(actors) -> str:
    return tokens.issue(kind=ApiToken.Kind.PERSONAL, name="t", user=actors.manager)[1]


def titles(manifest: dict) -> list[str]:
    return [item["title"] for item in manifest["items"]]


def test_player_hears_of_edits_and_of_validity_edges_with_nobody_editing(
    actors, totems, manager_token, start_server, streams
):
    centre, _station = totems
    content = publish(actors)
    server = start_server({"SIGNAGE_KEEPALIVE_S": "1"})
    stream = streams(server.url, centre.raw_token)
    first = stream.manifest_after(lambda m: True)
    assert titles(first) == ["Saldi in centro"]
    response = httpx.patch(
        f"{server.url}/api/v1/signage/contents/{content.pk}",
        json={"title": "Saldi: ultimo giorno"},
        headers={"Authorization": f"Bearer {manager_token}"},
    )
    assert response.status_code == 200
    edited = stream.manifest_after(lambda m: m["version"] != first["version"])
    assert titles(edited) == ["Saldi: ultimo giorno"]
    # The manifest in the event is the one the manifest endpoint serves.
    fetched = httpx.get(
        f"{server.url}/api/v1/signage/player/manifest",
        headers={"Authorization": f"Bearer {centre.raw_token}"},
    ).json()
    assert fetched["version"] == edited["version"]
    assert "keep-alive" in keepalives(stream)

    # A flash promotion valid for 3 seconds: pushed when created, and again when it
    # expires although nobody edits anything.
    until = timezone.now() + timedelta(seconds=3)
    created = httpx.post(
        f"{server.url}/api/v1/signage/contents",
        json=text_content(
            actors.district, title="Lampo", priority="high", valid_until=until.isoformat()
        ),
        headers={"Authorization": f"Bearer {manager_token}"},
    )
    assert created.status_code == 201
    flash = stream.manifest_after(lambda m: "Lampo" in titles(m))
    assert titles(flash) == ["Lampo", "Saldi: ultimo giorno"]
    assert flash["next_change_at"] is not None
    expired = stream.manifest_after(lambda m: "Lampo" not in titles(m))
    assert titles(expired) == ["Saldi: ultimo giorno"]
    assert timezone.now() >= until
    # A revoked token is refused a stream.
    services.revoke_display_tokens(centre)
    refused = httpx.get(
        f"{server.url}/api/v1/signage/player/events",
        headers={"Authorization": f"Bearer {centre.raw_token}"},
        timeout=10,
    )
    assert refused.status_code == 401


def keepalives(stream: EventStream, timeout: float = 10) -> list[str]:
    """Read until a keep-alive comment arrives (the server was started with 1 s)."""
    deadline = time.monotonic() + timeout
    while "keep-alive" not in stream.comments and time.monotonic() < deadline:
        line = next(stream.lines)
        if line.startswith(":"):
            stream.comments.append(line[1:].strip())
    return stream.comments


def test_redis_carries_a_change_to_players_of_another_server(
    actors, totems, manager_token, start_server, streams, redis_url
):
    centre, station = totems
    content = publish(actors)
    env = {"REDIS_URL": redis_url, "SIGNAGE_CHANNEL": f"signage-test-{uuid.uuid4().hex}"}
    players_server, editors_server = start_server(env), start_server(env)
    on_centre = streams(players_server.url, centre.raw_token)
    on_station = streams(players_server.url, station.raw_token)
    first = on_centre.manifest_after(lambda m: True)
    on_station.manifest_after(lambda m: True)
    response = httpx.patch(
        f"{editors_server.url}/api/v1/signage/contents/{content.pk}",
        json={"body": "Modificato su un altro server"},
        headers={"Authorization": f"Bearer {manager_token}"},
    )
    assert response.status_code == 200
    for stream in (on_centre, on_station):
        pushed = stream.manifest_after(lambda m: m["version"] != first["version"])
        assert pushed["items"][0]["body"] == "Modificato su un altro server"


def publish(actors, **fields):
    """Content published by the district's manager (approved at once)."""
    body = text_content(actors.district, **fields)
    body.pop("district")
    return services.create_content(Principal(user=actors.manager), actors.district, body)


def test_a_totem_moved_to_another_zone_plays_that_zone_at_once(
    actors, totems, manager_token, start_server, streams, redis_url, settings, monkeypatch
):
    """The hub keeps what it read of the connected displays: a change of zone must
    reach it, made through the API or in the admin (which bypasses the services)."""
    centre, station = totems
    publish(actors, targets={"groups": ["Centro storico"]})
    channel = f"signage-test-{uuid.uuid4().hex}"
    monkeypatch.setenv("SIGNAGE_CHANNEL", channel)
    settings.REDIS_URL = redis_url  # this process's changes reach the server's hub
    server = start_server({"REDIS_URL": redis_url, "SIGNAGE_CHANNEL": channel})
    stream = streams(server.url, station.raw_token)
    assert titles(stream.manifest_after(lambda m: True)) == []

    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.org", "x"))
    form = {
        "district": actors.district.pk,
        "name": station.name,
        "groups": [centre.groups.get().pk],
        "orientation": station.orientation,
        "resolution": station.resolution,
        "tags": "[]",
        "approved": "on",
    }
    saved = admin.post(f"/admin/signage/display/{station.pk}/change/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    moved = stream.manifest_after(lambda m: titles(m) != [])
    assert titles(moved) == ["Saldi in centro"]

    response = httpx.patch(
        f"{server.url}/api/v1/signage/displays/{station.pk}",
        json={"groups": ["Stazione"]},
        headers={"Authorization": f"Bearer {manager_token}"},
    )
    assert response.status_code == 200
    back = stream.manifest_after(lambda m: m["version"] != moved["version"])
    assert titles(back) == []
