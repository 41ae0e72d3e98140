"""Serve the platform with uvicorn (ASGI)."""

import os
from pathlib import Path

import uvicorn
from django.core.management.base import BaseCommand


def forget_dead_processes(metrics_dir: Path) -> None:
    """Remove the metric files (``<kind>_<pid>.db``) of processes that have ended: a
    previous run's workers would otherwise be added to this one's figures. Those of
    live processes (an ingester sharing the directory) stay."""
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for path in metrics_dir.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except PermissionError:
            pass  # alive, another user's


class Command(BaseCommand):
    help = "Serve Distretto with uvicorn."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, **options) -> None:
        if metrics_dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            forget_dead_processes(Path(metrics_dir))
        uvicorn.run(
            "distretto.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="warning",
            proxy_headers=True,
        )
