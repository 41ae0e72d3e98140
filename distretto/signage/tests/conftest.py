"""The signage cast: the Lodi district's totems in two zones (Centro storico, Stazione),
each with its display token; and a uvicorn server for the tests that need real
streaming (Server-Sent Events cannot be served by the WSGI live_server)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from distretto.signage import services
from distretto.testing import ApiClient

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def totems(actors):
    """Two totems: one in the historic centre, one at the station; with their tokens."""
    centre, centre_token = services.create_display(
        actors.district, {"name": "Piazza Galimberti", "groups": ["Centro storico"]}
    )
    station, station_token = services.create_display(
        actors.district, {"name": "Stazione FS", "groups": ["Stazione"]}
    )
    centre.raw_token, station.raw_token = centre_token, station_token
    return centre, station


@pytest.fixture
def manager_api(actors) -> ApiClient:
    return ApiClient(actors.manager)


@pytest.fixture
def merchant_api(actors) -> ApiClient:
    return ApiClient(actors.merchant)


def player_api(display) -> ApiClient:
    return ApiClient(raw_token=display.raw_token)


def text_content(district, **fields) -> dict:
    body = {
        "district": district.pk,
        "kind": "text",
        "title": "Saldi in centro",
        "body": "Tutti i negozi aperti fino alle 22",
        "duration_s": 8,
    }
    body.update(fields)
    return body


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A uvicorn process serving the app against the test database."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "distretto.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=PROJECT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if httpx.get(f"{self.url}/signage/player/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a server process sharing this test database."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        url = f"postgres://{db['USER'] or 'postgres'}@{host}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "distretto.settings",
            "SECRET_KEY": settings.SECRET_KEY,
            "DISTRETTO_VAR_DIR": str(Path(tempfile.gettempdir()) / "distretto-signage-test-var"),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


@pytest.fixture
def start_server():
    """``start_server(env=None)`` → a running Server; all are stopped at the end."""
    started: list[Server] = []

    def start(extra_env: dict[str, str] | None = None) -> Server:
        server = Server(server_env(extra_env))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
