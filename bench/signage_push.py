"""Live push to totems: N players hold the event stream of one server process; a
manager edits the content they all play. Every totem uses the landscape layout with
main, side box, clock and ticker, so each manifest describes its zones and carries
three playlists (main, side box, ticker).

Figures, for each N (default 1,000 and 5,000 players, one display each):
- time from the edit request until each player has the new manifest: p50/p99/max,
  (a) as the player gets it: the ``event: manifest`` carries the whole manifest, and
  the player (static/signage/player.js, ``handleBlock``) applies it without fetching
  anything, so receiving the event *is* fetching the new manifest. This is the figure
  the target is about.
  (b) for comparison only: if every player also fetched ``GET /player/manifest`` at
  once (the real player does that only for an event without items), with the same
  figure for the baseline server;
- server memory per idle connection: (RSS with N streams - RSS before) / N.

Baseline, same run, same client: a bare asyncio server (no Django, no database) that
holds N chunked SSE responses and, on one POST, writes the same event to every one,
then serves a static manifest. Target: p99 under 250 ms at 5,000 players and under
30 KB per idle connection.

Throw-away SQLite database in a temporary directory, removed at the end; servers on
free 127.0.0.1 ports. ``--quick`` (or BENCH_PLAYERS=100,500) shrinks the sizes.
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _harness import free_port, percentile, start_uvicorn, wait_for_port

PROJECT = Path(__file__).resolve().parent.parent
QUICK = "--quick" in sys.argv
PLAYERS = [
    int(n) for n in os.environ.get("BENCH_PLAYERS", "100,500" if QUICK else "1000,5000").split(",")
]
DEADLINE_S = 180.0
CONNECT_BATCH = 250
TARGET_P99_MS = 250.0
TARGET_KB = 30.0
VERSION_IN_EVENT = re.compile(rb"event: manifest\nid: ([0-9a-zA-Z]+)\n")

BASELINE_SERVER = textwrap.dedent(
    """
    import asyncio, json, sys
    writers = set()
    state = {"version": 0}

    def chunk(data: bytes) -> bytes:
        return b"%x\\r\\n" % len(data) + data + b"\\r\\n"

    def event() -> bytes:
        body = {"version": "v%d" % state["version"], "items": [{"id": 1, "kind": "text",
                "title": "Saldi %d" % state["version"], "duration_s": 10}]}
        return ("event: manifest\\nid: v%d\\ndata: %s\\n\\n"
                % (state["version"], json.dumps(body))).encode()

    async def handle(reader, writer):
        head = await reader.readuntil(b"\\r\\n\\r\\n")
        method, path = head.split(b" ")[:2]
        if path.startswith(b"/events"):
            writer.write(b"HTTP/1.1 200 OK\\r\\ncontent-type: text/event-stream\\r\\n"
                         b"cache-control: no-cache\\r\\ntransfer-encoding: chunked\\r\\n\\r\\n")
            writer.write(chunk(event()))
            writers.add(writer)
            try:
                await reader.read()
            finally:
                writers.discard(writer)
                writer.close()
            return
        if method == b"POST":
            state["version"] += 1
            data = chunk(event())
            for other in list(writers):
                other.write(data)
            body = b"{}"
        else:
            body = event().split(b"data: ", 1)[1].strip()
        writer.write(b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\n"
                     b"connection: close\\r\\ncontent-length: %d\\r\\n\\r\\n" % len(body) + body)
        await writer.drain()
        writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=16384)
        async with server:
            await server.serve_forever()

    asyncio.run(main())
    """
)


def raise_fd_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- Data -------------------------------------------------------------------------------------


def setup_data(count: int) -> tuple[str, int, list[str]]:
    """Migrate; a district with one zone of ``count`` totems in the landscape layout
    with zones, their display tokens, a manager with a personal token, and approved
    content for the main zone (the one edited), the side box and the ticker."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from distretto.accounts import tokens
    from distretto.accounts.models import ApiToken, Membership, Role
    from distretto.accounts.scoping import Principal
    from distretto.signage import services
    from distretto.signage.models import Display, DisplayGroup
    from distretto.territory.models import Chamber, District

    chamber = Chamber.objects.create(name="Camera bench", code="bench")
    district = District.objects.create(
        chamber=chamber,
        name="Bench",
        slug="bench",
        kind="commerce_tourism",
        centre_lat=44.39,
        centre_lon=7.55,
    )
    zone = DisplayGroup.objects.create(district=district, name="Centro")
    layout = services.builtin_layouts()["landscape-main-side-ticker"]
    displays = Display.objects.bulk_create(
        [Display(district=district, name=f"Totem {n:05d}", layout=layout) for n in range(count)]
    )
    Display.groups.through.objects.bulk_create(
        [Display.groups.through(display_id=d.pk, displaygroup_id=zone.pk) for d in displays]
    )
    kind = ContentType.objects.get_for_model(Display)
    raws = [f"dst_bench_{n:05d}-{os.urandom(8).hex()}" for n in range(count)]
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                kind=ApiToken.Kind.DISPLAY,
                name=f"bench {n}",
                prefix="bench",
                token_hash=tokens.digest(raw),
                device_type=kind,
                device_id=display.pk,
            )
            for n, (display, raw) in enumerate(zip(displays, raws, strict=True))
        ]
    )
    manager = get_user_model().objects.create(username="bench-manager")
    Membership.objects.create(user=manager, role=Role.DISTRICT_MANAGER, district=district)
    _token, manager_token = tokens.issue(kind=ApiToken.Kind.PERSONAL, name="b", user=manager)
    content = services.create_content(
        Principal(user=manager),
        district,
        {"kind": "text", "title": "Saldi", "duration_s": 10, "targets": {"groups": ["Centro"]}},
    )
    for zone_key, title in (("ticker", "Mercato sabato in piazza"), ("info", "Orari del Comune")):
        services.create_content(
            Principal(user=manager),
            district,
            {"kind": "text", "title": title, "zone": zone_key, "targets": {"groups": ["Centro"]}},
        )
    connection.close()
    return manager_token, content.pk, raws


# --- The players ------------------------------------------------------------------------------


class Player:
    """One totem: holds the event stream and notes when each new version arrives. In
    the first edit it only listens (as the real player does: the event carries the
    manifest); in the second it also fetches the manifest, as the protocol allows."""

    def __init__(self, host: str, port: int, token: str, events_path: str, manifest_path: str):
        self.host, self.port, self.token = host, port, token
        self.events_path, self.manifest_path = events_path, manifest_path
        self.last_version: bytes | None = None
        self.ready = asyncio.Event()
        self.phase = 0
        self.event_at: dict[int, float] = {}
        self.fetched_at: float | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.fetching: asyncio.Task | None = None

    async def run(self) -> None:
        try:
            reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.writer.write(
                (
                    f"GET {self.events_path} HTTP/1.1\r\nHost: {self.host}\r\n"
                    f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n\r\n"
                ).encode()
            )
            await reader.readuntil(b"\r\n\r\n")
            buffer = b""
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                buffer = (buffer + data)[-8192:]
                versions = VERSION_IN_EVENT.findall(buffer)
                if versions and versions[-1] != self.last_version:
                    self.on_version(versions[-1])
        except (OSError, asyncio.IncompleteReadError):
            self.ready.set()

    def on_version(self, version: bytes) -> None:
        first = self.last_version is None
        self.last_version = version
        if first:
            self.ready.set()
        elif self.phase not in self.event_at:
            self.event_at[self.phase] = time.perf_counter()
            if self.phase == 2:
                self.fetching = asyncio.create_task(self.fetch())

    async def fetch(self) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(
            (
                f"GET {self.manifest_path} HTTP/1.1\r\nHost: {self.host}\r\n"
                f"Authorization: Bearer {self.token}\r\nConnection: close\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        response = await reader.read()
        writer.close()
        if response.startswith(b"HTTP/1.1 200"):
            self.fetched_at = time.perf_counter()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run_round(
    port: int, server_pid: int, tokens: list[str], edit, paths: tuple[str, str]
) -> dict:
    import httpx

    players = [Player("127.0.0.1", port, token, *paths) for token in tokens]
    tasks = []
    await asyncio.sleep(0.5)
    before = rss_kb(server_pid)
    for start in range(0, len(players), CONNECT_BATCH):
        batch = players[start : start + CONNECT_BATCH]
        tasks += [asyncio.create_task(p.run()) for p in batch]
        await asyncio.wait_for(asyncio.gather(*(p.ready.wait() for p in batch)), DEADLINE_S)
    connected = sum(1 for p in players if p.last_version is not None)
    # The manager's client exists before the edit, as a browser does: building one
    # (its TLS context) takes tens of ms that are no part of the push.
    http = httpx.AsyncClient(timeout=60)
    await asyncio.sleep(1.0)
    after = rss_kb(server_pid)
    result = {"connected": connected, "kb_per_connection": (after - before) / max(1, connected)}
    for phase, done in ((1, lambda p: 1 in p.event_at), (2, lambda p: p.fetched_at)):
        for player in players:
            player.phase = phase
        started = time.perf_counter()
        await edit(http)
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline and not all(done(p) for p in players):
            await asyncio.sleep(0.05)
        result[f"events{phase}"] = [
            p.event_at[phase] - started for p in players if phase in p.event_at
        ]
        if phase == 2:
            result["fetched"] = [p.fetched_at - started for p in players if p.fetched_at]
        await asyncio.sleep(0.5)
    await http.aclose()
    for player in players:
        player.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return result


def start_process(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_port(port, process)
    return process


def stop_process(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def django_round(count: int, tokens: list[str], manager_token: str, content_id: int) -> dict:
    import httpx

    port = free_port()
    env = os.environ | {"LOG_LEVEL": "WARNING"}
    server = start_uvicorn(port, env, "--backlog", "16384")
    title = {"n": 0}

    async def edit(http: httpx.AsyncClient) -> None:
        title["n"] += 1
        response = await http.patch(
            f"http://127.0.0.1:{port}/api/v1/signage/contents/{content_id}",
            json={"title": f"Saldi {count}-{title['n']}"},
            headers={"Authorization": f"Bearer {manager_token}"},
        )
        response.raise_for_status()

    try:
        manifest = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/signage/player/manifest",
            headers={"Authorization": f"Bearer {tokens[0]}"},
        ).json()
        assert set(manifest["zones"]) == {"info", "ticker"}, "the manifest describes the zones"
        # Warm up: one player connects, receives, fetches, leaves.
        asyncio.run(
            run_round(
                port,
                server.pid,
                tokens[:1],
                edit,
                ("/api/v1/signage/player/events", "/api/v1/signage/player/manifest"),
            )
        )
        return asyncio.run(
            run_round(
                port,
                server.pid,
                tokens[:count],
                edit,
                ("/api/v1/signage/player/events", "/api/v1/signage/player/manifest"),
            )
        )
    finally:
        stop_process(server)


def baseline_round(count: int) -> dict:
    import httpx

    port = free_port()
    server = start_process(
        [sys.executable, "-c", BASELINE_SERVER, str(port)], dict(os.environ), port
    )

    async def edit(http: httpx.AsyncClient) -> None:
        (await http.post(f"http://127.0.0.1:{port}/publish")).raise_for_status()

    try:
        return asyncio.run(
            run_round(port, server.pid, ["x"] * count, edit, ("/events", "/manifest"))
        )
    finally:
        stop_process(server)


def line(label: str, result: dict, count: int) -> str:
    def stats(values: list[float]) -> str:
        if not values:
            return f"{'-':>6} {'-':>6} {'-':>6}"
        return (
            f"{percentile(values, 0.5):6.0f} {percentile(values, 0.99):6.0f} "
            f"{max(values) * 1000:6.0f}"
        )

    missing = count - len(result["fetched"])
    return (
        f"{label:<9} {count:>6} {result['connected']:>6} | {stats(result['events1'])} | "
        f"{stats(result['fetched'])} | {result['kb_per_connection']:7.1f} {missing:>5}"
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> int:
    biggest = max(PLAYERS)
    limit = raise_fd_limit(4 * biggest + 1024)
    if limit < 2 * biggest + 256:
        print(f"open-file limit {limit} is too low for {biggest} players; lower BENCH_PLAYERS")
        return 1
    sys.path.insert(0, str(PROJECT))
    workdir = Path(tempfile.mkdtemp(prefix="bench-signage-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "distretto.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "DISTRETTO_VAR_DIR": str(workdir),
        }
    )
    os.environ.pop("REDIS_URL", None)
    try:
        manager_token, content_id, tokens = setup_data(biggest)
        print(
            f"signage push: players {PLAYERS}, one uvicorn process, SQLite; open-file limit "
            f"{limit}; the machine is shared, so figures are noisy"
        )
        print(f"{'':<9} {'':>6} {'':>6} | {'(a) event = manifest':<20} | {'(b) event + GET':<20} |")
        print(
            f"{'server':<9} {'N':>6} {'conn':>6} | {'p50':>6} {'p99':>6} {'max':>6} | "
            f"{'p50':>6} {'p99':>6} {'max':>6} | {'KB/conn':>7} {'miss':>5}"
        )
        summary = []
        for count in PLAYERS:
            django = django_round(count, tokens, manager_token, content_id)
            print(line("distretto", django, count), flush=True)
            baseline = baseline_round(count)
            print(line("baseline", baseline, count), flush=True)
            summary.append((count, django, baseline))
        print()
        for count, django, baseline in summary:
            if not django["events1"] or not baseline["events1"]:
                continue
            event_p99 = percentile(django["events1"], 0.99)
            fetch_p99 = percentile(django["fetched"], 0.99) if django["fetched"] else float("nan")
            kb = django["kb_per_connection"]
            print(
                f"N={count}: new manifest at every player p99 {event_p99:.0f} ms "
                f"(target {TARGET_P99_MS:.0f} ms: {verdict(event_p99 < TARGET_P99_MS)}; "
                f"{event_p99 / max(percentile(baseline['events1'], 0.99), 0.001):.1f}x "
                f"baseline); {kb:.1f} KB per idle connection (target {TARGET_KB:.0f} KB: "
                f"{verdict(kb < TARGET_KB)}; baseline {baseline['kb_per_connection']:.1f} KB); "
                f"if all re-fetched by GET too: p99 {fetch_p99:.0f} ms"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
