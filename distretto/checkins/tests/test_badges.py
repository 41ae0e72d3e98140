"""Badge rules on their own, and badges awarded by real check-ins."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from distretto.checkins import services
from distretto.checkins.badges import Rule, Visit, earned
from distretto.checkins.models import Badge, BadgeAward, Route
from distretto.checkins.tests.conftest import at_venue, check_in


def visits(*rows) -> list[Visit]:
    return [Visit(point, date.fromisoformat(day)) for point, day in rows]


def test_first_checkin_and_distinct_venues():
    rules = [Rule(1, "first_checkin"), Rule(2, "distinct_venues", threshold=3)]
    assert earned(rules, []) == []
    assert earned(rules, visits((10, "2026-05-01"))) == [1]
    assert earned(rules, visits((10, "2026-05-01"), (10, "2026-05-02"), (11, "2026-05-03"))) == [1]
    three = visits((10, "2026-05-01"), (11, "2026-05-02"), (12, "2026-05-03"))
    assert earned(rules, three) == [1, 2]


def test_a_route_needs_a_stamp_at_every_venue():
    rule = Rule(5, "route", route_points=frozenset({10, 11, 12}))
    assert earned([rule], visits((10, "2026-05-01"), (11, "2026-05-01"))) == []
    assert earned([rule], visits((10, "2026-05-01"), (11, "2026-05-01"), (12, "2026-06-01"))) == [5]
    assert earned([Rule(6, "route")], visits((10, "2026-05-01"))) == []  # empty route: never


def test_distinct_months_count_year_and_month():
    rule = Rule(7, "distinct_months", threshold=3)
    assert earned([rule], visits((1, "2026-01-05"), (1, "2026-01-20"), (2, "2026-02-01"))) == []
    assert earned([rule], visits((1, "2025-12-31"), (1, "2026-01-01"), (2, "2026-02-01"))) == [7]


def test_seasonal_counts_check_ins_in_the_season_of_one_year():
    summer = Rule(8, "seasonal", threshold=2, months=frozenset({6, 7, 8}))
    assert earned([summer], visits((1, "2025-08-30"), (2, "2026-06-01"))) == []
    assert earned([summer], visits((1, "2026-06-30"), (2, "2026-07-01"))) == [8]
    assert earned([summer], visits((1, "2026-05-31"), (2, "2026-09-01"))) == []


@pytest.mark.django_db
def test_checking_in_at_the_last_venue_of_a_route_earns_its_badge_once(
    actors, venue, other_venue, card, visitor
):
    route = services.save_route(
        Route(district=actors.district, name="Giro di Lodi"), [venue.pk, other_venue.pk]
    )
    first = services.save_badge(
        Badge(district=actors.district, name="Benvenuto", kind="first_checkin")
    )
    passport = services.save_badge(
        Badge(district=actors.district, name="Passaporto di Lodi", kind="route", route=route)
    )
    morning = timezone.now() - timedelta(hours=3)
    body = check_in(card, venue, now=morning).body
    assert [b["id"] for b in body["badges_earned"]] == [first.pk]
    body = visitor.post("checkins", at_venue(other_venue)).json()  # 1.1 km, 3 h later
    assert [b["name"] for b in body["badges_earned"]] == ["Passaporto di Lodi"]
    assert set(BadgeAward.objects.filter(card=card).values_list("badge", flat=True)) == {
        first.pk,
        passport.pk,
    }
    shown = visitor.get("checkins/passport").json()
    assert shown["routes"][0]["stamped"] == shown["routes"][0]["total"] == 2
    assert {b["name"] for b in shown["badges"]} == {"Benvenuto", "Passaporto di Lodi"}


@pytest.mark.django_db
def test_a_route_badge_needs_a_route_of_its_own_district(actors, program):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.save_badge(Badge(district=actors.district, name="X", kind="route"))
    with pytest.raises(ValidationError):
        services.save_badge(Badge(district=actors.district, name="Y", kind="seasonal", months=[13]))
