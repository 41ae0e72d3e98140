"""The demo's history issues new cards in every month, not only in its first ones."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from distretto.loyalty.models import Card
from distretto.observatory import compute, demo


def months_between(first: date, last: date) -> list[date]:
    months = [first]
    while months[-1] < last:
        months.append(compute.add_months(months[-1], 1))
    return months


def test_new_cards_are_issued_in_every_month_up_to_yesterday():
    first, today = date(2025, 1, 1), date(2026, 3, 12)
    days = demo.issue_days(first, today, random.Random("x"), 3, demo.SEASON)

    assert days == sorted(days)
    assert first <= days[0] and days[-1] < today
    by_month = Counter(day.replace(day=1) for day in days)
    assert set(by_month) == set(months_between(first, date(2026, 3, 1)))
    # More cards before Christmas than in August.
    assert by_month[date(2025, 12, 1)] > by_month[date(2025, 8, 1)]


def test_on_the_first_of_a_month_no_card_is_issued_in_the_future():
    days = demo.issue_days(date(2026, 1, 1), date(2026, 3, 1), random.Random("y"), 2, demo.SEASON)
    assert max(days) < date(2026, 3, 1)
    assert {day.month for day in days} == {1, 2}


@pytest.mark.django_db
def test_lodi_history_shows_new_cards_in_every_month(actors, program):
    actors.district.businesses.update(active=True)
    today = date(2026, 3, 12)
    assert demo._commerce(actors.district, today)

    zone = ZoneInfo(actors.district.time_zone)
    months = Counter(
        created.astimezone(zone).date().replace(day=1)
        for created in Card.objects.filter(program=program).values_list("created_at", flat=True)
    )
    first = compute.add_months(date(2026, 3, 1), -(demo.LODI_MONTHS + 4))
    assert set(months) == set(months_between(first, date(2026, 3, 1)))
