"""The push hub's direct delivery on its own (no server, no database): a new manifest
is written to every following player in the same pass, and a player whose write
suspends (a slow client) neither blocks the others nor loses its event."""

from __future__ import annotations

import asyncio

from distretto.signage import push
from distretto.signage.services import Manifest
from distretto.testing import run_async


def manifest(version: str) -> Manifest:
    return Manifest(version=version, next_change_at=None, body={"version": version, "items": []})


class Writer:
    """A player's ``write``; a slow one waits for ``released`` before taking a chunk."""

    def __init__(self, released: asyncio.Event | None = None) -> None:
        self.chunks: list[bytes] = []
        self.released = released

    async def __call__(self, chunk: bytes) -> None:
        if self.released is not None:
            await self.released.wait()
        self.chunks.append(chunk)

    def versions(self) -> list[str]:
        return [c.split(b"\n")[1][4:].decode() for c in self.chunks if c.startswith(b"event")]


def test_run_eagerly_finishes_what_does_not_suspend_and_defers_the_rest():
    async def scenario() -> None:
        done: list[str] = []

        async def quick() -> None:
            done.append("quick")

        gate = asyncio.Event()

        async def slow() -> None:
            await gate.wait()
            done.append("slow")

        push.run_eagerly(quick())
        assert done == ["quick"]  # before any await: no task was scheduled for it
        push.run_eagerly(slow())
        push.run_eagerly(quick())
        assert done == ["quick", "quick"]  # the slow one did not hold the next back
        gate.set()
        await asyncio.sleep(0.01)
        assert done == ["quick", "quick", "slow"]

    run_async(scenario)


def test_the_hub_writes_each_new_manifest_once_to_every_player_in_one_pass():
    async def scenario() -> None:
        hub = push.Hub()
        hub.loop = asyncio.get_running_loop()
        released = asyncio.Event()
        fast = [Writer() for _i in range(50)]
        slow = Writer(released)
        for display_id, write in enumerate([*fast, slow]):
            sub = push.Subscription(display_id, 1, write)
            hub.subscribers.setdefault(1, {}).setdefault(display_id, set()).add(sub)
        everyone = range(len(fast) + 1)

        hub._deliver(1, dict.fromkeys(everyone, manifest("v1")), replace_timer=False)
        assert all(w.versions() == ["v1"] for w in fast)  # written in the same pass
        assert slow.chunks == []  # still waiting for its client
        hub._deliver(1, dict.fromkeys(everyone, manifest("v1")), replace_timer=False)
        hub._deliver(1, dict.fromkeys(everyone, manifest("v2")), replace_timer=False)
        assert all(w.versions() == ["v1", "v2"] for w in fast)  # no repeat of v1
        released.set()
        await asyncio.sleep(0.01)
        assert slow.versions() == ["v1", "v2"]  # late, complete and in order
        for timer in hub.timers.values():
            timer.cancel()

    run_async(scenario)
