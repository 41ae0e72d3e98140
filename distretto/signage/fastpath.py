"""The player's two hot paths served without Django's request machinery.

After an edit every connected totem gets the event and may fetch its manifest at the
same moment; through Django each of those requests costs the whole middleware stack,
a sync thread and a database round trip for the token. This raw ASGI wrapper, in
front of Django, answers exactly

- ``GET /api/v1/signage/player/manifest`` (display token; ETag, ``If-None-Match`` → 304)
- ``GET /api/v1/signage/player/events`` (Server-Sent Events; token also as ``?token=``)

on the event loop, with the same bodies, headers that matter and error envelope as
the ninja handlers in api.py (which stay as the reference and serve any other method).
Everything else goes to Django untouched.

- Tokens: an in-process cache maps the token's SHA-256 digest to its display for
  ``SIGNAGE_TOKEN_CACHE_S`` seconds (default 5). For the manifest, a revoked token
  (or a deleted display) therefore keeps working for at most that long on a process
  that saw it recently; then the next request goes to the database
  (``auth.displays_of_digests`` in a worker thread), which also refreshes the token's
  ``last_used_at`` as before (at most once a minute). The checks that many players
  need at the same moment are made together, one query per batch. Opening the event
  stream always checks the database (and refreshes the cache): it happens once per
  player start, not in the burst after an edit. Unknown tokens are never cached. As before, a
  stream already open is not cut when its token is revoked.
- Manifests come from the push hub's per-display cache (what it just pushed to the
  display's stream) and are computed in a worker thread only when the display has no
  fresh entry there, as in api.py.
- Logging: one ``request`` line per request on the ``distretto.request`` logger, with
  the fields of ``RequestLogMiddleware`` (``X-Request-ID`` is honoured and returned).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from urllib.parse import parse_qsl

from distretto.accounts.tokens import digest
from distretto.core import asgi
from distretto.core.asgi import COMMON_HEADERS, JSON_CONTENT, bearer, in_thread, respond
from distretto.core.errors import Unauthenticated
from distretto.core.middleware import log_request
from distretto.signage import push
from distretto.signage.auth import displays_of_digests
from distretto.signage.models import Display

MANIFEST_PATH = "/api/v1/signage/player/manifest"
EVENTS_PATH = "/api/v1/signage/player/events"
TOKEN_CACHE_S = float(os.environ.get("SIGNAGE_TOKEN_CACHE_S", "5"))
TOKEN_CACHE_MAX = 50_000  # more displays than any district has; bounds a token flood

# The envelope distretto/api.py's on_unauthenticated sends.
UNAUTHENTICATED = json.dumps(Unauthenticated().as_dict()).encode()


class Player:
    """An authenticated display token: what the fast path needs to know of it."""

    __slots__ = ("display_id", "district_id", "expires", "principal")

    def __init__(self, display_id: int, district_id: int, principal: str) -> None:
        self.display_id = display_id
        self.district_id = district_id
        self.principal = principal  # as RequestLogMiddleware logs it: "display:<token id>"
        self.expires = time.monotonic() + TOKEN_CACHE_S


_players: dict[str, Player] = {}


BATCH_MAX = 500  # digests in one query (well under SQLite's bound on parameters)


class TokenChecks:
    """Database checks of display tokens, coalesced: the requests that need one while
    a check runs (a thousand players fetching after one edit, or reconnecting after a
    restart) are answered together by the next query, one at a time per process."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: dict[str, asyncio.Future] = {}
        self.runner: asyncio.Task | None = None

    async def check(self, key: str) -> Player | None:
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # a new event loop (tests, a restarted server)
            self.loop, self.waiting, self.runner = loop, {}, None
        future = self.waiting.get(key)
        if future is None:
            future = self.waiting[key] = loop.create_future()
        if self.runner is None or self.runner.done():
            self.runner = loop.create_task(self._run())
        return await asyncio.shield(future)

    async def _run(self) -> None:
        while self.waiting:
            keys = list(self.waiting)[:BATCH_MAX]
            batch = {key: self.waiting.pop(key) for key in keys}
            try:
                found = await in_thread(displays_of_digests)(keys)
            except Exception as error:
                for future in batch.values():
                    if not future.done():
                        future.set_exception(error)
                continue
            for key, future in batch.items():
                if not future.done():
                    row = found.get(key)
                    future.set_result(None if row is None else Player(row[1], row[2], row[0]))


_checks = TokenChecks()


async def authenticate(raw_token: str, *, fresh: bool = False) -> Player | None:
    """The cached display of ``raw_token`` or, past the TTL (or if ``fresh``), a
    database check (coalesced with the others waiting), whose answer is cached."""
    if not raw_token:
        return None
    key = digest(raw_token)
    player = _players.get(key)
    if not fresh and player is not None and player.expires > time.monotonic():
        return player
    player = await _checks.check(key)
    if player is None:
        _players.pop(key, None)
        return None
    if len(_players) >= TOKEN_CACHE_MAX:
        _players.clear()
    _players[key] = player
    return player


def _compute_manifest(display_id: int) -> tuple[str, bytes] | None:
    """The display's manifest as api.py answers it (worker thread), or None if gone."""
    display = Display.objects.select_related("district").filter(pk=display_id).first()
    return None if display is None else push.manifest_json(display)


class PlayerFastPath:
    """ASGI middleware: the player's manifest and event stream; the rest to ``app``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            if path in (MANIFEST_PATH, EVENTS_PATH):
                await self.handle(scope, receive, send, path == EVENTS_PATH)
                return
        await self.app(scope, receive, send)

    async def handle(self, scope, receive, send, events: bool) -> None:
        started = time.perf_counter()
        headers = dict(scope["headers"])  # lower-case names; the last of repeated ones
        request_id = asgi.request_id(headers)
        # A stream is opened once per player start, and held for hours: check its token
        # in the database every time, so that a revoked token gets no new stream.
        player = await authenticate(bearer(headers.get(b"authorization", b"")), fresh=events)
        if player is None and events:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            player = await authenticate(query.get("token", ""), fresh=True)
        extra = [(b"x-request-id", request_id.encode("latin-1")), *COMMON_HEADERS]
        if player is None:
            status = 401
            await unauthenticated(send, extra)
        elif events:
            status = 200
            log_request(
                request_id, scope["method"], scope["path"], status, started, player.principal
            )
            await serve_events(player, receive, send, extra)
            return
        else:
            status = await serve_manifest(player, headers, send, extra)
        log_request(
            request_id, scope["method"], scope["path"], status, started, player and player.principal
        )


async def serve_manifest(player: Player, headers: dict, send, extra: list) -> int:
    pushed = push.pushed_manifest(player.display_id)
    if pushed is not None:  # just pushed to this totem's stream: no need to recompute
        version, body = pushed.version, pushed.json
    else:
        computed = await in_thread(_compute_manifest)(player.display_id)
        if computed is None:  # the display went away since its token was cached
            await unauthenticated(send, extra)
            return 401
        version, body = computed
    etag = f'"{version}"'
    own = [(b"etag", etag.encode()), (b"cache-control", b"no-cache"), *extra]
    if push.etag_matches(etag, headers.get(b"if-none-match", b"").decode("latin-1")):
        await respond(send, 304, b"", [], own)
        return 304
    await respond(send, 200, body, [(b"content-type", b"application/json")], own)
    return 200


async def serve_events(player: Player, receive, send, extra: list) -> None:
    """The hub's events for this display, written by the hub as they come (``follow``),
    until the player goes away."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream"),
                (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no"),  # nginx: do not buffer the stream
                *extra,
            ],
        }
    )
    # uvicorn drops sends to a client that has gone: learn of it from ``receive``.
    streaming = asyncio.current_task()
    gone = False

    async def watch() -> None:
        nonlocal gone
        while (await receive())["type"] != "http.disconnect":
            pass
        gone = True
        streaming.cancel()

    async def write(chunk: bytes) -> None:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})

    watcher = asyncio.ensure_future(watch())
    try:
        await push.follow(player.display_id, player.district_id, write)
    except asyncio.CancelledError:
        if not gone:
            raise
    finally:
        watcher.cancel()


async def unauthenticated(send, extra: list) -> None:
    """401 with the API's error envelope, as distretto/api.py answers it."""
    await respond(
        send, 401, UNAUTHENTICATED, JSON_CONTENT, [(b"www-authenticate", b"Bearer"), *extra]
    )
