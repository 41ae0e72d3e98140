"""The loyalty cast: the Lodi programme at 0.01 EUR a point, a POS terminal of the
bakery (actors.shop), and a card with points on it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.loyalty import services
from distretto.loyalty.till import _district_programs
from distretto.testing import ApiClient


@pytest.fixture(autouse=True)
def _no_programme_guesses():
    """Each test starts as a new worker does: no district's programme guessed yet."""
    _district_programs.clear()


@pytest.fixture
def program(actors):
    return services.create_program(
        actors.district,
        {
            "name": "Carta Lodi",
            "point_value": Decimal("0.01"),
            "earn_rate": Decimal("1.00"),
            "min_redemption": 100,
            "expiry_months": 12,
        },
    )


def terminal_client(business) -> ApiClient:
    _token, raw = tokens.issue(kind=ApiToken.Kind.TERMINAL, name="cassa", business=business)
    return ApiClient(raw_token=raw)


@pytest.fixture
def till(actors) -> ApiClient:
    """The bakery's POS terminal."""
    return terminal_client(actors.shop)


@pytest.fixture
def other_till(actors) -> ApiClient:
    """The bookshop's POS terminal, same district."""
    return terminal_client(actors.other_shop)


@pytest.fixture
def card(program):
    card, _raw = services.issue_card(program, holder_name="Sara Cliente")
    return card


@pytest.fixture
def card_with_points(card, actors):
    services.earn(card, actors.shop, Decimal("1000.00"))  # 1000 points at 1 point per euro
    return card
