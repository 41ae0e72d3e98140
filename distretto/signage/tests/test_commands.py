"""Remote control: commands are pending until the player acknowledges them; they
travel on the event stream, at once or when the player's stream opens again."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from PIL import Image

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.signage import commands
from distretto.signage.models import DisplayCommand
from distretto.signage.tests.conftest import player_api
from distretto.signage.tests.test_push import streams  # noqa: F401 - the fixture
from distretto.testing import error_of


def png_data_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), "teal").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.django_db
def test_a_command_is_pending_until_the_player_acknowledges_it(manager_api, totems):
    centre, station = totems
    sent = manager_api.post(f"signage/displays/{centre.pk}/commands", {"kind": "reload"})
    assert sent.status_code == 201 and sent.json()["status"] == "pending"
    command_id = sent.json()["id"]
    assert (
        player_api(station).post(f"signage/player/commands/{command_id}/ack", {}).status_code == 404
    )
    acked = player_api(centre).post(f"signage/player/commands/{command_id}/ack", {"ok": True})
    assert acked.status_code == 200 and acked.json()["status"] == "done"
    listed = manager_api.get(f"signage/displays/{centre.pk}/commands").json()["items"]
    assert listed[0]["status"] == "done" and listed[0]["acknowledged_at"]


@pytest.mark.django_db
def test_an_unknown_command_is_refused(manager_api, totems):
    centre, _station = totems
    response = manager_api.post(f"signage/displays/{centre.pk}/commands", {"kind": "format_disk"})
    assert response.status_code == 422 and error_of(response)["field"] == "kind"


@pytest.mark.django_db
def test_a_screenshot_upload_answers_its_command_and_is_shown_with_its_time(
    manager_api, totems, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    centre, _station = totems
    command_id = manager_api.post(
        f"signage/displays/{centre.pk}/commands", {"kind": "screenshot"}
    ).json()["id"]
    bad = player_api(centre).post(
        "signage/player/screenshot", {"image": "bm90IGFuIGltYWdl", "command": command_id}
    )
    assert bad.status_code == 422 and error_of(bad)["field"] == "image"
    uploaded = player_api(centre).post(
        "signage/player/screenshot", {"image": png_data_url(), "command": command_id}
    )
    assert uploaded.status_code == 200 and uploaded.json()["screenshot_url"].endswith(".png")
    display = manager_api.get(f"signage/displays/{centre.pk}").json()
    assert (
        display["screenshot_at"] and display["screenshot_url"] == uploaded.json()["screenshot_url"]
    )
    assert DisplayCommand.objects.get(pk=command_id).status == "done"


@pytest.mark.django_db
def test_old_commands_expire_and_are_not_sent(totems):
    centre, _station = totems
    old = commands.send(centre, "identify")
    fresh = commands.send(centre, "identify")
    DisplayCommand.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert [c["id"] for c in commands.pending_for([centre.pk])[centre.pk]] == [fresh.pk]
    assert commands.pending_for([centre.pk])[centre.pk][0]["name"] == centre.name
    assert commands.expire_old() == 1


@pytest.mark.django_db(transaction=True)
def test_commands_travel_on_the_event_stream(actors, totems, start_server, streams):  # noqa: F811
    centre, _station = totems
    waiting = commands.send(centre, "identify")  # sent while the totem is offline
    _token, manager_token = tokens.issue(kind=ApiToken.Kind.PERSONAL, name="t", user=actors.manager)
    server = start_server()
    stream = streams(server.url, centre.raw_token)

    def next_command() -> dict:
        while True:
            name, data = stream.next_event()
            if name == "command":
                return data

    assert next_command()["id"] == waiting.pk
    sent = httpx.post(
        f"{server.url}/api/v1/signage/displays/{centre.pk}/commands",
        json={"kind": "clear_cache"},
        headers={"Authorization": f"Bearer {manager_token}"},
    ).json()
    got = next_command()
    assert got["id"] == sent["id"] and got["kind"] == "clear_cache"
