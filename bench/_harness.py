"""What every benchmark script needs: the local PostgreSQL, a free port, percentiles.

Not a benchmark itself: ``make bench`` skips files whose name starts with ``_``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def postgres_reachable() -> bool:
    """PostgreSQL answers on 127.0.0.1:5432 and ``psql`` is installed."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), 1):
            return shutil.which("psql") is not None
    except OSError:
        return False


def psql(sql: str) -> None:
    """Run one statement as ``postgres`` against the maintenance database."""
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` percentile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    """Until ``process`` accepts connections on 127.0.0.1:``port`` (at most 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited while starting")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def start_uvicorn(port: int, env: dict, *options: str) -> subprocess.Popen:
    """The project under uvicorn on 127.0.0.1:``port``, quiet, once it listens;
    ``options`` are more uvicorn options (``--workers``, ``--backlog``)."""
    command = [sys.executable, "-m", "uvicorn", "distretto.asgi:application"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log", *options]
    process = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_port(port, process)
    return process
