"""The check-ins cast: the Lodi programme, a venue at the bakery (actors.shop) with a
75 m radius and 10 points a check-in, a visitor's card and its wallet-token client."""

from __future__ import annotations

from decimal import Decimal

import pytest

from distretto.checkins import services
from distretto.loyalty import services as loyalty
from distretto.testing import ApiClient

# The bakery's venue: Corso Umberto I, Lodi.
VENUE_LAT, VENUE_LON = 45.3138, 9.5016


@pytest.fixture
def program(actors):
    return loyalty.create_program(
        actors.district,
        {"name": "Carta Lodi", "point_value": Decimal("0.01"), "earn_rate": Decimal("1.00")},
    )


@pytest.fixture
def venue(actors, program):
    return services.create_point(
        actors.shop, {"lat": VENUE_LAT, "lon": VENUE_LON, "radius_m": 75, "reward_points": 10}
    )


@pytest.fixture
def other_venue(actors, program):
    """The bookshop, about 1.1 km north-east of the bakery."""
    return services.create_point(
        actors.other_shop, {"lat": 45.3225, "lon": 9.5090, "radius_m": 75, "reward_points": 5}
    )


@pytest.fixture
def issued_card(program):
    return loyalty.issue_card(program, holder_name="Sara Cliente")


@pytest.fixture
def card(issued_card):
    return issued_card[0]


@pytest.fixture
def visitor(issued_card) -> ApiClient:
    """The visitor's phone: the API authenticated with the card's own token."""
    return ApiClient(raw_token=issued_card[1])


def at_venue(point, **extra) -> dict:
    return {"point": point.pk, "lat": point.lat, "lon": point.lon, "accuracy_m": 12, **extra}


def check_in(card, point, *, metres_north: float = 0, accuracy_m: float = 12, **kwargs):
    """A check-in through the service (to choose the server time with ``now=``)."""
    return services.check_in(
        card,
        point,
        lat=point.lat + metres_north / 111_195,
        lon=point.lon,
        accuracy_m=accuracy_m,
        **kwargs,
    )
