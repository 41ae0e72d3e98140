"""The player's fast path (fastpath.py) in a real uvicorn process: the manifest with
its ETag and 304, the error envelope for a bad token, a revoked token refused once
the token cache has expired, and the event stream still carrying an edit."""

from __future__ import annotations

import time

import httpx
import pytest

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.signage import services
from distretto.signage.tests.test_push import EventStream, publish, titles

pytestmark = pytest.mark.django_db(transaction=True)

MANIFEST = "/api/v1/signage/player/manifest"
EVENTS = "/api/v1/signage/player/events"
CACHE_S = 0.5  # the server's token cache, short so that a revocation is seen quickly


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_manifest_with_etag_304_and_the_error_envelope(actors, totems, start_server):
    centre, _station = totems
    publish(actors)
    server = start_server({"SIGNAGE_TOKEN_CACHE_S": str(CACHE_S)})
    response = httpx.get(server.url + MANIFEST, headers=bearer(centre.raw_token))
    assert response.status_code == 200
    body = response.json()
    assert titles(body) == ["Saldi in centro"]
    assert response.headers["etag"] == f'"{body["version"]}"'
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-request-id"]
    again = httpx.get(
        server.url + MANIFEST,
        headers={**bearer(centre.raw_token), "If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == response.headers["etag"]

    for headers in ({}, bearer("dst_nope_nothing"), {"Authorization": centre.raw_token}):
        refused = httpx.get(server.url + MANIFEST, headers=headers)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["error"]["code"] == "unauthenticated"
        assert set(refused.json()["error"]) == {"code", "message", "field"}
    # A manager's personal token is no display token.
    personal = tokens.issue(kind=ApiToken.Kind.PERSONAL, name="t", user=actors.manager)[1]
    assert httpx.get(server.url + MANIFEST, headers=bearer(personal)).status_code == 401
    # The stream accepts the token in the query too (EventSource cannot set headers),
    # and refuses a bad one with the same envelope.
    with httpx.stream("GET", f"{server.url}{EVENTS}?token={centre.raw_token}") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
    refused = httpx.get(f"{server.url}{EVENTS}?token=dst_nope_nothing")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"

    # Revoked: once the token cache has expired, the manifest is refused.
    services.revoke_display_tokens(centre)
    time.sleep(CACHE_S * 3)
    revoked = httpx.get(server.url + MANIFEST, headers=bearer(centre.raw_token))
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "unauthenticated"


def test_other_methods_on_player_paths_still_go_to_django(actors, totems, start_server):
    centre, _station = totems
    server = start_server()
    response = httpx.post(server.url + MANIFEST, headers=bearer(centre.raw_token))
    assert response.status_code == 405


def test_an_edit_reaches_the_stream_and_the_manifest_endpoint(actors, totems, start_server):
    centre, _station = totems
    content = publish(actors)
    manager = tokens.issue(kind=ApiToken.Kind.PERSONAL, name="t", user=actors.manager)[1]
    server = start_server()
    stream = EventStream(server.url, centre.raw_token)
    try:
        first = stream.manifest_after(lambda m: True)
        response = httpx.patch(
            f"{server.url}/api/v1/signage/contents/{content.pk}",
            json={"title": "Saldi: ultimo giorno"},
            headers=bearer(manager),
        )
        assert response.status_code == 200
        edited = stream.manifest_after(lambda m: m["version"] != first["version"])
    finally:
        stream.close()
    assert titles(edited) == ["Saldi: ultimo giorno"]
    fetched = httpx.get(server.url + MANIFEST, headers=bearer(centre.raw_token))
    # The same manifest (the hub may have re-evaluated since: only the time differs).
    assert {**fetched.json(), "generated_at": None} == {**edited, "generated_at": None}
    assert fetched.headers["etag"] == f'"{edited["version"]}"'
