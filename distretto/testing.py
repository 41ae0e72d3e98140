"""Shared test tools: factories, named actors, an API client speaking DESIGN.md's JSON.

Tests read like stories with the same cast everywhere (see ``conftest.actors``):
an operator of the chamber, the manager of the district, a merchant of one shop,
an assessor, an energy manager, a cardholder, and an outsider who manages a
district of another chamber and must see none of ours.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import factory
import httpx
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken, Membership, Role
from distretto.territory.comuni import bundled_comuni
from distretto.territory.models import Business, Chamber, Comune, District, Project
from distretto.territory.validators import partita_iva_check_digit

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "test-password-123"
_vat_numbers = count(1)


def valid_partita_iva(seed: int | None = None) -> str:
    first_ten = f"{(seed if seed is not None else next(_vat_numbers)) % 10_000_000:07d}098"
    return first_ten + str(partita_iva_check_digit(first_ten))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class ChamberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Chamber

    name = factory.Sequence(lambda n: f"Camera di Commercio {n}")
    code = factory.Sequence(lambda n: f"cc{n}")


@functools.cache
def _bundled_comuni() -> dict[str, Comune]:
    return {comune.istat_code: comune for comune in bundled_comuni()}


class ComuneFactory(factory.django.DjangoModelFactory):
    """A comune as the bundled reference data has it (name, population, DPR 412/93 climate),
    with any field given overriding it; an existing one is returned as it is."""

    class Meta:
        model = Comune

    istat_code = "098031"  # Lodi

    @classmethod
    def _create(cls, model_class, istat_code: str, **overrides) -> Comune:
        existing = model_class.objects.filter(pk=istat_code).first()
        if existing is not None:
            return existing
        real = _bundled_comuni().get(istat_code)
        comune = (
            copy.copy(real)
            if real
            else model_class(
                istat_code=istat_code, name=f"Comune {istat_code}", province="XX", region="-"
            )
        )
        for name, value in overrides.items():
            setattr(comune, name, value)
        comune.save(force_insert=True)
        return comune


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    chamber = factory.SubFactory(ChamberFactory)
    name = factory.Sequence(lambda n: f"Distretto {n}")
    slug = factory.Sequence(lambda n: f"distretto-{n}")
    kind = District.Kind.URBAN_COMMERCE
    centre_lat = 45.3141
    centre_lon = 9.5035


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Negozio {n}")
    partita_iva = factory.LazyFunction(valid_partita_iva)
    ateco_code = "47.11.02"
    category = Business.Category.GROCERY
    address = "Piazza della Vittoria 1, Lodi"
    lat = 45.3142
    lon = 9.5034


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    chamber = factory.SubFactory(ChamberFactory)
    title = factory.Sequence(lambda n: f"Progetto {n}")
    axis_new_technologies = True
    year = 2024
    lat = 45.31
    lon = 9.50


def make_member(username: str, role: str, **scope: Any):
    user = UserFactory(username=username)
    Membership.objects.get_or_create(user=user, role=role, **scope)
    return user


class ApiClient:
    """A test client for /api/v1 that authenticates with a real bearer token."""

    def __init__(self, user=None, *, raw_token: str | None = None, scope: str = "write") -> None:
        self.client = Client()
        if raw_token is None and user is not None:
            _token, raw_token = tokens.issue(
                kind=ApiToken.Kind.PERSONAL, name="test", user=user, scope=scope
            )
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"} if raw_token else {}

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path: str, params: dict | None = None, **extra):
        return self.client.get(self._url(path), params or {}, **self.headers, **extra)

    def _send(self, method: str, path: str, body: Any, **extra):
        send = getattr(self.client, method)
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return send(self._url(path), data, content_type="application/json", **self.headers, **extra)

    def post(self, path: str, body: Any = None, **extra):
        return self._send("post", path, {} if body is None else body, **extra)

    def patch(self, path: str, body: Any, **extra):
        return self._send("patch", path, body, **extra)

    def put(self, path: str, body: Any, **extra):
        return self._send("put", path, body, **extra)

    def delete(self, path: str, **extra):
        return self.client.delete(self._url(path), **self.headers, **extra)


@dataclass
class Actors:
    chamber: Chamber
    district: District
    shop: Business
    other_shop: Business
    other_chamber: Chamber
    other_district: District
    foreign_shop: Business
    operator: Any
    manager: Any
    merchant: Any
    assessor: Any
    energy_manager: Any
    cardholder: Any
    outsider: Any
    admin: Any


def build_actors() -> Actors:
    comune = ComuneFactory()
    chamber = ChamberFactory(name="Camera di Commercio di Lodi", code="lodi")
    district = DistrictFactory(
        chamber=chamber, name="Distretto di Lodi", slug="lodi", comune=comune
    )
    shop = BusinessFactory(district=district, name="Panetteria Fanfulla", category="bakery")
    other_shop = BusinessFactory(district=district, name="Libreria del Sole", category="books")
    other_chamber = ChamberFactory(name="Camera di Commercio di Cuneo", code="cuneo")
    other_district = DistrictFactory(chamber=other_chamber, name="Distretto di Cuneo", slug="cuneo")
    foreign_shop = BusinessFactory(district=other_district, name="Caffè Galimberti")
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    return Actors(
        chamber=chamber,
        district=district,
        shop=shop,
        other_shop=other_shop,
        other_chamber=other_chamber,
        other_district=other_district,
        foreign_shop=foreign_shop,
        operator=make_member("operator", Role.CHAMBER_OPERATOR, chamber=chamber),
        manager=make_member("manager", Role.DISTRICT_MANAGER, district=district),
        merchant=make_member("merchant", Role.MERCHANT, business=shop),
        assessor=make_member("assessor", Role.ASSESSOR, district=district),
        energy_manager=make_member("energy", Role.ENERGY_MANAGER, district=district),
        cardholder=make_member("cardholder", Role.CARDHOLDER),
        outsider=make_member("outsider", Role.DISTRICT_MANAGER, district=other_district),
        admin=admin,
    )


def error_of(response) -> dict:
    """The ``error`` object of a DESIGN.md error envelope (asserting it has that shape)."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "field"}, body
    return body["error"]


def client_as(user) -> Client:
    """A Django test client signed in as ``user`` (no login form)."""
    client = Client()
    client.force_login(user)
    return client


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form; lands on the dashboard."""
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{page.base_url}/dashboard/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A uvicorn process serving the app against the test database; ``port`` to
    start it again where a stopped one was (its clients reconnect to the same URL)."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
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
        # Generous: on a busy shared machine a worker can take half a minute to start.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {self.output()}")

    def output(self) -> str:
        """The end of what the server printed; still there after ``stop()``."""
        if self.log.closed:
            return self._last_output
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
        if not self.log.closed:
            self._last_output = self.output()
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
            "DISTRETTO_VAR_DIR": str(Path(tempfile.gettempdir()) / "distretto-test-server-var"),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


def run_async(scenario: Callable[[], Coroutine[Any, Any, Any]], timeout: float = 60) -> Any:
    """Run ``scenario()`` to completion on an event loop of its own thread and return
    its result. Not ``asyncio.run`` nor ``async_to_sync`` on the test's thread: a
    browser test earlier in the same worker leaves Playwright's loop running there."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = asyncio.run(scenario())
        except BaseException as error:  # raised again on the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the scenario did not finish"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")
