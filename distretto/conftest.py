"""Fixtures for every app: the named actors, API clients, the real services, and the
application itself under uvicorn (``start_server``).

Each service fixture (postgres, redis, mqtt, browser) skips its test with a reason
when the service is absent, and fails instead when DISTRETTO_REQUIRE_SERVICES=1
(as CI sets it).
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from distretto.testing import Actors, ApiClient, Server, build_actors, server_env

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]


# Property tests check what is true, not how fast: on a shared 2-core machine one example
# can take longer than Hypothesis' default 200 ms deadline, which made them flaky.
hypothesis_settings.register_profile("distretto", deadline=None)
hypothesis_settings.load_profile("distretto")


def pytest_configure(config) -> None:
    # Hashing passwords the production way costs ~0.3 s each; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _absent(reason: str):
    if settings.DISTRETTO_REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session", autouse=True)
def _sessions_gone_before_drop(django_db_setup, django_db_blocker):
    """On PostgreSQL the test database is dropped at the end, which fails while a
    session is still connected: the server processes some tests start close theirs a
    moment after they stop. Wait for them (5 s at most), then end any left."""
    yield
    if connection.vendor != "postgresql":
        return
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for _ in range(50):
            cursor.execute(f"SELECT count(*) {others}")
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language. A request with another
    Accept-Language leaves its language active in the worker's thread, and the
    next test on that worker would otherwise speak it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def actors(db) -> Actors:
    return build_actors()


@pytest.fixture
def api_as():
    """``api_as(user)`` → an ApiClient authenticated with a fresh personal token."""
    return ApiClient


@pytest.fixture
def anonymous_api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def postgres(db):
    """The test database is PostgreSQL (the CI's second pass)."""
    if connection.vendor == "postgresql":
        return connection
    url = os.environ.get("DISTRETTO_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not _reachable(url, 5432):
        _absent(f"PostgreSQL is not reachable at {url}")
    pytest.skip("runs in the PostgreSQL pass (DATABASE_URL=postgres://...)")


@pytest.fixture
def redis_url() -> str:
    url = settings.REDIS_URL or os.environ.get(
        "DISTRETTO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
    )
    if not _reachable(url, 6379):
        _absent(f"Redis is not reachable at {url}")
    return url


@pytest.fixture
def mqtt_url() -> str:
    url = settings.MQTT_URL or os.environ.get("DISTRETTO_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
    if not _reachable(url, 1883):
        _absent(f"MQTT broker is not reachable at {url}")
    return url


@pytest.fixture(scope="session")
def _chromium():
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        _absent(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _absent("Playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; the Django test
    # database calls made around it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_chromium, live_server):
    """A fresh browser page; ``page.base_url`` is the live server's address.

    The page does not enforce the Content-Security-Policy: Playwright's own waits
    (``wait_for_function``) evaluate strings, which the policy forbids. The policy is
    tested on its own, with ``csp_page`` (core/tests/test_csp_browser.py)."""
    context = _chromium.new_context(
        locale="it-IT", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def csp_page(_chromium, live_server):
    """A browser page that enforces the Content-Security-Policy as any browser does."""
    context = _chromium.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def start_server():
    """``start_server(env=None, port=None)`` → a running Server; all are stopped at the end."""
    started: list[Server] = []

    def start(extra_env: dict[str, str] | None = None, port: int | None = None) -> Server:
        server = Server(server_env(extra_env), port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
