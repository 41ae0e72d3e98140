"""What every benchmark script needs: the local PostgreSQL, a free port, percentiles.

Not a benchmark itself: ``make bench`` skips files whose name starts with ``_``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess


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
