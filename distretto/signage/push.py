"""Live push to players: one hub per server process fans manifest changes out to the
event streams connected to it.

- A change is *announced* per district (``services.announce``). With ``REDIS_URL``
  set it is published on a Redis channel that every process's hub listens to, so
  players connected to any uvicorn worker hear of it; otherwise it goes straight to
  this process's hub.
- On a notice the hub recomputes, in one worker thread, the manifests of the
  district's connected displays (the playlist is shared between displays with the
  same targets) and hands the new manifest to each stream whose version changed.
  It keeps what it read of the connected displays themselves (groups, approval) and
  reads it again only after a notice that the displays changed (``displays``; sent
  by the services that change a display or its zones, and by the admin's saves).
- Time-driven changes need no notice: after each evaluation the hub sets a timer at
  the earliest ``next_change_at`` of the district's connected displays and
  re-evaluates then, so validity and daypart edges reach players without anyone
  editing.
- After delivering, the hub records in the background which version each of those
  displays is now served, and since when (``services.note_expected``): the managers'
  "up to date / pending since" (proof that a change arrived).
- Remote commands (``commands.py``) travel on the same streams as ``event: command``:
  a notice for one display makes the hub holding its stream read its pending commands
  and write them; a stream that opens gets the display's pending commands after its
  first manifest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings
from django.db import connection
from django.utils import timezone

from distretto.signage.playlist import Screen

log = logging.getLogger("distretto.signage")

# A comment line at least this often keeps proxies from closing idle streams.
KEEPALIVE_S = float(os.environ.get("SIGNAGE_KEEPALIVE_S", "15"))
RETRY_MS = 3000
MAX_TIMER_S = 3600.0
CACHE_FRESH_S = 30.0
NOTE_AFTER_S = 1.0  # record the versions served this long after a push
JOIN_WINDOW_S = 0.02  # re-evaluate at least hourly (widgets such as campaigns change daily)


def channel() -> str:
    """The Redis channel; tests give each run its own."""
    return os.environ.get("SIGNAGE_CHANNEL") or getattr(
        settings, "SIGNAGE_CHANNEL", "distretto:signage:changes"
    )


class Pushed:
    """A manifest as pushed: its version, the encoded SSE event and the JSON body."""

    __slots__ = ("evaluated_at", "event", "json", "version")

    def __init__(self, version: str, body: dict, evaluated_at: float) -> None:
        self.version = version
        self.json = json.dumps(body, separators=(",", ":")).encode()
        self.event = b"event: manifest\nid: %s\ndata: %s\n\n" % (version.encode(), self.json)
        self.evaluated_at = evaluated_at


class Subscription:
    """One connected player: the hub writes each new event to ``write`` at once."""

    __slots__ = ("commands_sent", "display_id", "district_id", "sent_version", "write")

    def __init__(
        self, display_id: int, district_id: int, write: Callable[[bytes], Awaitable[None]]
    ) -> None:
        self.display_id = display_id
        self.district_id = district_id
        self.write = write
        self.sent_version: str | None = None
        self.commands_sent: set[int] = set()

    def offer(self, pushed: Pushed) -> None:
        """Hand this player a manifest it has not had yet."""
        if self.sent_version != pushed.version:
            self.sent_version = pushed.version
            run_eagerly(self.write(pushed.event))


_resuming: set[asyncio.Task] = set()


def run_eagerly(coro: Coroutine[Any, Any, None]) -> None:
    """Run ``coro`` now, up to its first suspension, rather than in a task of its own
    (as the eager tasks of Python 3.12 do). A write to a client that keeps up never
    suspends, so an edit reaches thousands of streams in one pass with no task
    switch per stream; if the client is slow the write does suspend, and only then
    does the rest go on in a task, so that nobody else waits for that client."""
    try:
        blocked_on = coro.send(None)
    except StopIteration:
        return
    except Exception:
        log.warning("signage: writing to a player failed", exc_info=True)
        return
    task = asyncio.ensure_future(_resume(coro, blocked_on))
    _resuming.add(task)
    task.add_done_callback(_resuming.discard)


async def _resume(coro: Coroutine[Any, Any, None], blocked_on: Any) -> None:
    """The rest of a coroutine that ``run_eagerly`` started and that suspended on
    ``blocked_on`` (a future, or None for a bare yield)."""
    try:
        while True:
            if blocked_on is None:
                await asyncio.sleep(0)
            else:
                with contextlib.suppress(Exception):  # the coroutine reads the outcome
                    await blocked_on
            blocked_on = coro.send(None)
    except StopIteration:
        return
    except asyncio.CancelledError:
        coro.close()
        raise
    except Exception:
        log.warning("signage: writing to a player failed", exc_info=True)


def command_event(command: dict) -> bytes:
    return b"event: command\nid: c%d\ndata: %s\n\n" % (
        command["id"],
        json.dumps(command, separators=(",", ":")).encode(),
    )


class Hub:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.subscribers: dict[int, dict[int, set[Subscription]]] = {}
        # The last evaluation per connected display, shared by its streams.
        self.latest: dict[int, Pushed] = {}
        self.timers: dict[int, asyncio.TimerHandle] = {}
        self.refreshing: dict[int, asyncio.Task] = {}
        # Displays connected in the last JOIN_WINDOW_S, waiting for their first manifest.
        self.joining: dict[int, tuple[set[int], asyncio.Future]] = {}
        self.background: set[asyncio.Task] = set()
        self.again: set[int] = set()
        # What the playlist needs of each connected display, as last read; the
        # district's generation moves on when its displays change, so that a read
        # made before the change is not kept.
        self.screens: dict[int, Screen] = {}
        self.generations: dict[int, int] = {}
        self.listener: asyncio.Task | None = None
        self.evaluations = 0
        # Displays whose pending commands are to be read and written, in one batch.
        self.commands_due: set[int] = set()

    # --- connections ----------------------------------------------------------------------

    async def subscribe(
        self, display_id: int, district_id: int, write: Callable[[bytes], Awaitable[None]]
    ) -> Subscription:
        self._bind()
        sub = Subscription(display_id, district_id, write)
        district = self.subscribers.setdefault(district_id, {})
        first = display_id not in district
        district.setdefault(display_id, set()).add(sub)
        if display_id in self.latest and not first:
            sub.offer(self.latest[display_id])
        else:
            await self._first_evaluation(district_id, display_id)
        self.send_commands(display_id)
        return sub

    def send_commands(self, display_id: int) -> None:
        """Soon write the display's pending commands to its streams here (batched with
        the other displays due in the same moment: one query for a burst of players
        reconnecting)."""
        if display_id not in self._connected():
            return
        first = not self.commands_due
        self.commands_due.add(display_id)
        if first and self.loop is not None:
            self.loop.call_later(JOIN_WINDOW_S, self._spawn, self._write_commands())

    def _connected(self) -> set[int]:
        return {d for district in self.subscribers.values() for d in district}

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self.background.add(task)  # held until done, so that it is not collected early
        task.add_done_callback(self.background.discard)

    async def _write_commands(self) -> None:
        from distretto.signage import commands

        display_ids, self.commands_due = sorted(self.commands_due), set()
        try:
            pending = await sync_to_async(_in_thread(commands.pending_for), thread_sensitive=False)(
                display_ids
            )
        except Exception:
            log.exception("signage: reading pending commands failed")
            return
        for display_id, found in pending.items():
            for district in self.subscribers.values():
                for sub in district.get(display_id, ()):
                    for command in found:
                        if command["id"] not in sub.commands_sent:
                            sub.commands_sent.add(command["id"])
                            run_eagerly(sub.write(command_event(command)))

    async def _first_evaluation(self, district_id: int, display_id: int) -> None:
        """Evaluate newly connected displays in small batches: a thousand players
        reconnecting after an outage make a few evaluations, not a thousand, and none
        of them re-evaluates the displays already connected."""
        batch = self.joining.get(district_id)
        if batch is None:
            batch = self.joining[district_id] = (set(), self.loop.create_future())
            self.loop.call_later(JOIN_WINDOW_S, self._evaluate_joining, district_id)
        batch[0].add(display_id)
        await asyncio.shield(batch[1])

    def _evaluate_joining(self, district_id: int) -> None:
        display_ids, done = self.joining.pop(district_id)

        async def run() -> None:
            try:
                manifests = await self._evaluate(district_id, list(display_ids))
                self._deliver(district_id, manifests, replace_timer=False)
            except Exception:
                log.exception("signage: evaluating district %s failed", district_id)
            finally:
                done.set_result(None)

        self._spawn(run())

    def unsubscribe(self, sub: Subscription) -> None:
        district = self.subscribers.get(sub.district_id, {})
        subs = district.get(sub.display_id)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del district[sub.display_id]
            self.latest.pop(sub.display_id, None)
            self.screens.pop(sub.display_id, None)
        if not district:
            self.subscribers.pop(sub.district_id, None)
            timer = self.timers.pop(sub.district_id, None)
            if timer:
                timer.cancel()

    def connections(self) -> int:
        return sum(len(s) for d in self.subscribers.values() for s in d.values())

    # --- notices --------------------------------------------------------------------------

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:
            self.loop, self.listener = loop, None
            self.timers.clear()
            self.refreshing.clear()
            self.joining.clear()
            self.screens.clear()
        if settings.REDIS_URL and self.listener is None:
            self.listener = loop.create_task(self._listen())

    def notify_command(self, display_id: int) -> None:
        """A command for ``display_id`` was queued (call from the hub's event loop)."""
        self.send_commands(display_id)

    def notify(self, district_id: int, displays: bool = False) -> None:
        """Re-evaluate a district soon (call from the hub's event loop); ``displays``:
        its displays changed, read them again."""
        if displays:
            self.generations[district_id] = self.generations.get(district_id, 0) + 1
            for display_id in self.subscribers.get(district_id, ()):
                self.screens.pop(display_id, None)
        if district_id not in self.subscribers:
            return
        if district_id in self.refreshing:
            self.again.add(district_id)  # a change landed during an evaluation
            return
        self.refreshing[district_id] = asyncio.ensure_future(self.refresh(district_id))

    def notify_threadsafe(self, district_id: int, displays: bool = False) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.notify, district_id, displays)

    async def _listen(self) -> None:
        """Follow the Redis channel; reconnect with backoff if Redis goes away."""
        import redis.asyncio as aioredis

        delay = 0.5
        while True:
            client = aioredis.from_url(settings.REDIS_URL)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(channel())
                    delay = 0.5
                    # Changes announced while we were not listening: catch up once.
                    for district_id in list(self.subscribers):
                        self.notify(district_id, displays=True)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            try:
                                district_id, displays, command_for = parse_notice(message["data"])
                            except (TypeError, ValueError):
                                continue
                            if command_for is not None:
                                self.notify_command(command_for)
                            else:
                                self.notify(district_id, displays)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis down or gone: retry, players keep their manifests
                log.warning("signage: Redis listener lost, retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
            finally:
                await client.aclose()

    # --- evaluation -----------------------------------------------------------------------

    async def _evaluate(self, district_id: int, display_ids: list[int]) -> dict:
        """The manifests of these displays (in a worker thread), reading only the
        displays the hub does not hold yet."""
        from distretto.signage import services

        generation = self.generations.get(district_id, 0)
        known = {i: self.screens[i] for i in display_ids if i in self.screens}
        manifests, screens = await sync_to_async(
            services.district_manifests, thread_sensitive=False
        )(district_id, display_ids, known)
        if self.generations.get(district_id, 0) == generation:
            connected = self.subscribers.get(district_id, {})
            self.screens.update((s.id, s) for s in screens if s.id in connected)
        # A moment after delivery, so that the write does not compete with the push.
        versions = {display_id: m.version for display_id, m in manifests.items()}
        self.loop.call_later(
            NOTE_AFTER_S, self._spawn, self._note_expected(versions, timezone.now())
        )
        return manifests

    async def _note_expected(self, versions: dict[int, str], at: datetime) -> None:
        from distretto.signage import services

        try:
            await sync_to_async(_in_thread(services.note_expected), thread_sensitive=False)(
                versions, at
            )
        except Exception:
            log.warning("signage: recording the served versions failed", exc_info=True)

    async def refresh(self, district_id: int) -> None:
        try:
            while True:
                self.again.discard(district_id)
                display_ids = list(self.subscribers.get(district_id, {}))
                if not display_ids:
                    return
                manifests = await self._evaluate(district_id, display_ids)
                self.evaluations += 1
                self._deliver(district_id, manifests, replace_timer=True)
                if district_id not in self.again:
                    return
        except Exception:
            log.exception("signage: evaluating district %s failed", district_id)
        finally:
            if self.refreshing.get(district_id) is asyncio.current_task():
                del self.refreshing[district_id]

    def _deliver(self, district_id: int, manifests: dict, *, replace_timer: bool) -> None:
        encoded: dict[str, Pushed] = {}
        soonest: datetime | None = None
        now = time.monotonic()
        for display_id, manifest in manifests.items():
            if manifest.version not in encoded:
                encoded[manifest.version] = Pushed(manifest.version, manifest.body, now)
            self.latest[display_id] = encoded[manifest.version]
            if manifest.next_change_at and (soonest is None or manifest.next_change_at < soonest):
                soonest = manifest.next_change_at
            for sub in self.subscribers.get(district_id, {}).get(display_id, ()):
                sub.offer(encoded[manifest.version])
        self._arm_timer(district_id, soonest, replace=replace_timer)

    def _arm_timer(self, district_id: int, at: datetime | None, *, replace: bool) -> None:
        """Re-evaluate the district at ``at`` (or within the hour); a single display's
        evaluation only ever brings the timer forward."""
        if district_id not in self.subscribers or self.loop is None:
            return
        delay = MAX_TIMER_S
        if at is not None:
            # A little after the edge, so that the evaluation sees the new state.
            delay = min(MAX_TIMER_S, max(0.0, (at - timezone.now()).total_seconds()) + 0.05)
        old = self.timers.get(district_id)
        if old is not None and not old.cancelled() and old.when() > self.loop.time():
            if not replace and old.when() <= self.loop.time() + delay:
                return
            old.cancel()
        self.timers[district_id] = self.loop.call_later(delay, self.notify, district_id)


_hub = Hub()
_hub_lock = threading.Lock()
_redis = None


def hub() -> Hub:
    return _hub


def pushed_manifest(display_id: int) -> Pushed | None:
    """The manifest this process's hub last pushed to the display's live stream, if it
    is recent: right after a change every player asks for the manifest at once, and
    the hub has just computed it. Called from request threads (a dict read)."""
    pushed = _hub.latest.get(display_id)
    if pushed is None or time.monotonic() - pushed.evaluated_at > CACHE_FRESH_S:
        return None
    return pushed


def manifest_json(display) -> tuple[str, bytes]:
    """The version and JSON body of ``display``'s manifest for the player endpoint: the
    one just pushed to its stream if fresh, else computed now (uses the database)."""
    pushed = pushed_manifest(display.pk)
    if pushed is not None:  # just pushed to this totem's stream: no need to recompute
        return pushed.version, pushed.json
    from distretto.signage import services

    manifest = services.manifest_for(display)
    # Encoded as the push hub encodes it, so that both paths give the same bytes.
    return manifest.version, json.dumps(manifest.body, separators=(",", ":")).encode()


def etag_matches(etag: str, if_none_match: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (a 304 is due)."""
    return etag in [tag.strip() for tag in if_none_match.split(",")]


def parse_notice(data: bytes | str) -> tuple[int, bool, int | None]:
    """A notice from the Redis channel: ``"<district>"`` for content,
    ``"<district>:displays"`` when the district's displays changed,
    ``"<district>:command:<display>"`` for a display's new command. Gives the district,
    whether its displays changed, and the display a command is for (or None)."""
    text = data.decode() if isinstance(data, bytes) else data
    district, _sep, what = text.partition(":")
    if what.startswith("command:"):
        return int(district), False, int(what.split(":", 1)[1])
    return int(district), what == "displays", None


def _in_thread(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` on a worker thread's own database connection, closed after."""

    def call(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return call


def _send(message: str) -> bool:
    """Publish on the Redis channel; False when Redis is not set or not answering."""
    global _redis
    if not settings.REDIS_URL:
        return False
    import redis

    with _hub_lock:
        if _redis is None:
            _redis = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    try:
        _redis.publish(channel(), message)
        return True
    except Exception:  # Redis down: at least this process's players hear of it
        log.warning("signage: Redis publish failed; notifying this process only")
        return False


def publish_command(district_id: int, display_id: int) -> None:
    """Tell the process holding the display's stream that it has a new command."""
    if not _send(f"{district_id}:command:{display_id}"):
        loop = _hub.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(_hub.notify_command, display_id)


def publish(district_id: int, displays: bool = False) -> None:
    """Tell every process (through Redis) or this one (in-process) of a change;
    ``displays``: the district's displays themselves changed."""
    if not _send(f"{district_id}:displays" if displays else str(district_id)):
        _hub.notify_threadsafe(district_id, displays)


def release_request_thread() -> None:
    """Let go of the worker thread Django keeps for this request.

    Under ASGI, Django runs a request's synchronous parts (middleware, authentication)
    on a thread of its own that lives until the response ends; for a stream that is
    hours, and a parked thread costs hundreds of KB. The view has returned by the
    time the stream starts, so nothing is left to run there; anything synchronous
    later in the request (closing the response) gets a fresh thread.
    """
    context = SyncToAsync.thread_sensitive_context.get(None)
    if context is None:
        return
    executor = SyncToAsync.context_to_thread_executor.pop(context, None)
    if executor is not None:
        executor.shutdown(wait=False)


PREAMBLE = f"retry: {RETRY_MS}\n: connected\n\n".encode()
KEEPALIVE = b": keep-alive\n\n"


async def follow(
    display_id: int, district_id: int, write: Callable[[bytes], Awaitable[None]]
) -> None:
    """The Server-Sent Events of one player, written to ``write``: its manifest now,
    then on every change, written by the hub itself the moment it has it, and a
    keep-alive comment every KEEPALIVE_S. Runs until cancelled (the player left)."""
    await write(PREAMBLE)
    sub = await _hub.subscribe(display_id, district_id, write)
    try:
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            await write(KEEPALIVE)
    finally:
        _hub.unsubscribe(sub)


async def stream(display_id: int, district_id: int) -> AsyncIterator[bytes]:
    """``follow`` for a response that iterates (Django's StreamingHttpResponse): the
    hub's writes go through a queue to the response."""
    release_request_thread()
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def write(chunk: bytes) -> None:
        queue.put_nowait(chunk)

    following = asyncio.ensure_future(follow(display_id, district_id, write))
    following.add_done_callback(lambda _task: queue.put_nowait(b""))  # stopped: end too
    try:
        while chunk := await queue.get():
            yield chunk
    finally:
        following.cancel()
