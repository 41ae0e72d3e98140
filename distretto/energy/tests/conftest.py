"""The energy cast: a small complex in the actors' district with two units.

``flat`` (a dwelling with two radiator allocators and a heat meter) is occupied by
the cardholder; ``shop`` has an electricity meter. The site has a boiler fuel meter,
a generator heat meter and a gateway.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.energy.models import Gateway, Meter, Site, Unit
from distretto.testing import ApiClient

UTC = dt.UTC


def at(day: int, hour: int = 0, minute: int = 0, month: int = 1, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def site(actors):
    return Site.objects.create(district=actors.district, name="Condominio Aurora")


@pytest.fixture
def flat(site, actors):
    return Unit.objects.create(
        site=site,
        name="Interno 1",
        area_m2=Decimal("80"),
        millesimi_heat=Decimal("600"),
        millesimi_property=Decimal("550"),
        occupant=actors.cardholder,
    )


@pytest.fixture
def shop(site):
    return Unit.objects.create(
        site=site,
        name="Negozio A",
        kind=Unit.Kind.SHOP,
        area_m2=Decimal("60"),
        millesimi_heat=Decimal("400"),
        millesimi_property=Decimal("450"),
    )


def make_meter(site, unit=None, **fields) -> Meter:
    fields.setdefault("kind", Meter.Kind.HEAT)
    fields.setdefault("external_id", f"M{Meter.objects.count() + 1:04d}")
    return Meter.objects.create(site=site, unit=unit, **fields)


@pytest.fixture
def hca(site, flat):
    return make_meter(
        site, flat, kind="hca", external_id="12345678", kq=Decimal("1.2"), kc=Decimal("0.9")
    )


@pytest.fixture
def heat_meter(site, flat):
    return make_meter(site, flat, kind="heat", external_id="87654321")


@pytest.fixture
def water_meter(site, flat):
    return make_meter(site, flat, kind="water", external_id="11223344", unit_of_measure="m3")


@pytest.fixture
def gateway(site):
    return Gateway.objects.create(site=site, name="Ricevitore scala A")


@pytest.fixture
def gateway_api(gateway) -> ApiClient:
    _token, raw = tokens.issue(kind=ApiToken.Kind.GATEWAY, name="gw", device=gateway)
    return ApiClient(raw_token=raw)
