"""The privacy cast: Sara, a cardholder with a user account and a card of the Lodi
programme, who has shopped at the bakery and checked in there; the chamber operator
who acts on her requests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from distretto.accounts.models import Role
from distretto.checkins import services as checkins
from distretto.loyalty import services as loyalty
from distretto.testing import make_member

VENUE_LAT, VENUE_LON = 45.3138, 9.5016


@pytest.fixture
def program(actors):
    return loyalty.create_program(
        actors.district,
        {
            "name": "Carta Lodi",
            "point_value": Decimal("0.01"),
            "earn_rate": Decimal("1.00"),
            "promoter": "Distretto del Commercio di Lodi",
        },
    )


@pytest.fixture
def sara(db):
    user = make_member("sara", Role.CARDHOLDER)
    user.first_name, user.last_name, user.email = "Sara", "Cliente", "sara@example.org"
    user.save()
    return user


@pytest.fixture
def issued(program, sara):
    return loyalty.issue_card(
        program,
        holder_name="Sara Cliente",
        holder_email="sara@example.org",
        consent_privacy=True,
        user=sara,
    )


@pytest.fixture
def card(issued):
    return issued[0]


@pytest.fixture
def venue(actors, program):
    return checkins.create_point(
        actors.shop, {"lat": VENUE_LAT, "lon": VENUE_LON, "radius_m": 75, "reward_points": 10}
    )


@pytest.fixture
def history(actors, card, venue):
    """Two purchases, a redemption and two check-ins (one 40 days ago)."""
    loyalty.earn(card, actors.shop, Decimal("30.00"))
    loyalty.earn(card, actors.other_shop, Decimal("12.00"))
    loyalty.redeem(card, actors.shop, 20)
    now = timezone.now()
    for days in (40, 1):
        checkins.check_in(
            card,
            venue,
            lat=VENUE_LAT + 0.0001,
            lon=VENUE_LON,
            accuracy_m=9,
            key=f"visit-{days}",
            now=now - timedelta(days=days),
        )
    return card
