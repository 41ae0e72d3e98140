"""The observatory's cast: one month (March 2026) of every module in the actors'
district, small enough to count by hand. Each fixture says its hand count."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from distretto.loyalty import services as loyalty
from distretto.loyalty.models import Card, LedgerTransaction, Program

ROME = ZoneInfo("Europe/Rome")
MARCH = date(2026, 3, 1)


def at(day: int, hour: int = 11, month: int = 3, year: int = 2026) -> datetime:
    return datetime.combine(date(year, month, day), time(hour), ROME)


@pytest.fixture
def program(actors) -> Program:
    return loyalty.create_program(
        actors.district,
        {"name": "Carta di Lodi", "point_value": Decimal("0.01"), "earn_rate": Decimal("1")},
    )


def new_card(program: Program, created: datetime) -> Card:
    card, _token = loyalty.issue_card(program)
    Card.objects.filter(pk=card.pk).update(created_at=created)
    card.refresh_from_db()
    return card


@pytest.fixture
def commerce(actors, program) -> dict:
    """March 2026 in Lodi, counted by hand:

    - card A (new in March): earns €50.00 at the bakery and €20.00 at the bookshop,
      redeems 40 points at the bookshop;
    - card B (new in March): earns €30.00 at the bakery, and €10.00 that is reversed;
    - card C (new in February): earns €100.00 at the bakery in February only.

    Active cards 2 (A, B), new cards 2, shops 2, cross-shopping 1 (A), purchases
    €100.00, points issued 100 (the reversed 10 is netted), redeemed 40, redemption
    rate 40 %, settlement: the bakery owes 80 points, the bookshop is owed 40 - 20 =
    20 points = €0.20, which is the only positive net.
    """
    a = new_card(program, at(2))
    b = new_card(program, at(3))
    c = new_card(program, at(10, month=2))
    bakery, books = actors.shop, actors.other_shop
    loyalty.earn(c, bakery, Decimal("100.00"), now=at(11, month=2))
    loyalty.earn(a, bakery, Decimal("50.00"), now=at(5))
    loyalty.earn(a, books, Decimal("20.00"), now=at(6))
    loyalty.earn(b, bakery, Decimal("30.00"), now=at(7))
    loyalty.earn(b, bakery, Decimal("10.00"), now=at(8))
    mistaken = LedgerTransaction.objects.get(card=b, amount=Decimal("10.00"))
    loyalty.reverse(mistaken, now=at(8, 12))
    loyalty.redeem(a, books, 40, now=at(20))
    return {"a": a, "b": b, "c": c}
