"""Managers run venues, routes and badges and read the fraud view; the venue's screen
reads the rotating code; everything is scoped (out of scope is 404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.checkins import codes, services
from distretto.checkins.tests.conftest import check_in
from distretto.loyalty.models import Card
from distretto.testing import ApiClient, BusinessFactory, error_of

pytestmark = pytest.mark.django_db


def terminal_of(business) -> ApiClient:
    _token, raw = tokens.issue(kind=ApiToken.Kind.TERMINAL, name="schermo", business=business)
    return ApiClient(raw_token=raw)


def test_manager_creates_a_venue_with_the_defaults(actors, api_as, program):
    response = api_as(actors.manager).post(
        "checkins/points",
        {"business": actors.shop.pk, "lat": 45.3138, "lon": 9.5016, "reward_points": 15},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"] and body["business"] == actors.shop.pk
    assert (body["radius_m"], body["reward_points"], body["requires_code"]) == (75, 15, False)
    assert (body["cooldown_days"], body["name"]) == (1, "Panetteria Fanfulla")
    listed = api_as(actors.operator).get("checkins/points").json()
    assert [p["id"] for p in listed["items"]] == [body["id"]]


def test_the_venue_position_defaults_to_the_business_position(actors, api_as):
    response = api_as(actors.manager).post("checkins/points", {"business": actors.shop.pk})
    assert response.status_code == 201
    assert (response.json()["lat"], response.json()["lon"]) == (actors.shop.lat, actors.shop.lon)


def test_merchant_may_not_create_venues_and_outsider_does_not_see_the_business(actors, api_as):
    body = {"business": actors.shop.pk, "lat": 45.3, "lon": 9.5}
    assert api_as(actors.merchant).post("checkins/points", body).status_code == 403
    assert api_as(actors.outsider).post("checkins/points", body).status_code == 404
    read_only = api_as(actors.manager, scope="read").post("checkins/points", body)
    assert read_only.status_code == 403


@pytest.mark.parametrize(("field", "value"), [("radius_m", 0), ("lat", 95), ("reward_points", 0)])
def test_invalid_venue_fields_are_422_naming_the_field(actors, api_as, field, value):
    body = {"business": actors.shop.pk, "lat": 45.3, "lon": 9.5, field: value}
    response = api_as(actors.manager).post("checkins/points", body)
    assert response.status_code == 422 and error_of(response)["field"] == field


def test_manager_changes_a_venue_and_the_outsider_cannot_see_it(actors, api_as, venue):
    response = api_as(actors.manager).patch(
        f"checkins/points/{venue.pk}", {"radius_m": 120, "requires_code": True}
    )
    assert response.status_code == 200
    assert (response.json()["radius_m"], response.json()["requires_code"]) == (120, True)
    assert api_as(actors.outsider).get(f"checkins/points/{venue.pk}").status_code == 404
    assert (
        api_as(actors.merchant).patch(f"checkins/points/{venue.pk}", {"radius_m": 5}).status_code
        == 403
    )


def test_the_code_for_the_screen_with_its_qr(actors, api_as, venue):
    response = api_as(actors.manager).get(f"checkins/points/{venue.pk}/code")
    assert response.status_code == 200
    body = response.json()
    assert codes.verify(venue.code_secret, body["code"], timezone.now())
    assert body["valid_until"] > timezone.now().isoformat()[:10]
    assert body["qr_url"].endswith(f"/checkins/v/{venue.pk}/qr.png?code={body['code']}")
    assert body["checkin_url"].endswith(f"/checkins/v/{venue.pk}/?code={body['code']}")
    qr = api_as(actors.manager).client.get(body["qr_url"])
    assert qr.status_code == 200 and qr["Content-Type"] == "image/png"


def test_who_may_read_the_code(actors, api_as, venue):
    url = f"checkins/points/{venue.pk}/code"
    assert terminal_of(actors.shop).get(url).status_code == 200  # the venue's own screen
    assert api_as(actors.merchant).get(url).status_code == 200  # the venue's merchant
    assert terminal_of(actors.other_shop).get(url).status_code == 404
    assert api_as(actors.outsider).get(url).status_code == 404
    assert api_as(actors.cardholder).get(url).status_code == 404


def test_the_fraud_view_lists_attempts_flags_cards_and_blocks_them(actors, api_as, venue, card):
    moment = timezone.now() - timedelta(days=1)
    for minutes in range(6):
        check_in(card, venue, metres_north=2_000, now=moment + timedelta(minutes=minutes))
    manager = api_as(actors.manager)
    attempts = manager.get("checkins/attempts", {"decision": "too_far"}).json()
    assert attempts["count"] == 6
    assert attempts["items"][0]["card"] == card.number
    assert attempts["items"][0]["distance_m"] == pytest.approx(2000, abs=1)
    flagged = manager.get("checkins/suspicious").json()
    assert [(row["card"], row["reasons"]) for row in flagged] == [
        (card.number, ["many_rejections"])
    ]
    reasons = manager.get("checkins/stats").json()["reasons"]
    assert reasons[0]["reason"] == "too_far" and reasons[0]["count"] == 6
    assert api_as(actors.outsider).get("checkins/attempts").json()["count"] == 0
    assert api_as(actors.outsider).get("checkins/suspicious").json() == []
    assert api_as(actors.outsider).post(f"checkins/cards/{card.number}/block").status_code == 404
    assert api_as(actors.merchant).post(f"checkins/cards/{card.number}/block").status_code == 404
    blocked = manager.post(f"checkins/cards/{card.number}/block")
    assert blocked.json() == {"card": card.number, "status": "blocked"}
    card.refresh_from_db()
    assert card.status == Card.Status.BLOCKED


def test_repeated_impossible_travel_flags_a_card(actors, api_as, venue, card):
    far_shop = BusinessFactory(district=actors.district, name="Bistrot di Codogno")
    codogno = services.create_point(far_shop, {"lat": 45.1603, "lon": 9.7024})
    start = timezone.now() - timedelta(days=3)
    for day in range(2):
        check_in(card, codogno, now=start + timedelta(days=day))
        check_in(card, venue, now=start + timedelta(days=day, minutes=3))
    flagged = api_as(actors.manager).get("checkins/suspicious").json()
    assert flagged[0]["impossible_travel"] == 2
    assert "repeated_impossible_travel" in flagged[0]["reasons"]


def test_check_ins_per_venue_and_day(actors, api_as, venue, card):
    check_in(card, venue)
    check_in(card, venue)
    days = api_as(actors.manager).get("checkins/stats").json()["days"]
    assert days == [
        {
            "point": venue.pk,
            "venue": "Panetteria Fanfulla",
            "day": timezone.localdate().isoformat(),
            "accepted": 1,
            "rejected": 1,
        }
    ]


def test_manager_defines_a_route_and_its_badge(actors, api_as, venue, other_venue):
    manager = api_as(actors.manager)
    route = manager.post(
        "checkins/routes",
        {"district": actors.district.pk, "name": "Giro", "points": [venue.pk, other_venue.pk]},
    )
    assert route.status_code == 201 and route.json()["points"] == sorted([venue.pk, other_venue.pk])
    badge = manager.post(
        "checkins/badges",
        {
            "district": actors.district.pk,
            "name": "Passaporto",
            "kind": "route",
            "route": route.json()["id"],
        },
    )
    assert badge.status_code == 201 and badge.json()["route"] == route.json()["id"]
    seasonal = manager.post(
        "checkins/badges",
        {
            "district": actors.district.pk,
            "name": "Estate",
            "kind": "seasonal",
            "threshold": 3,
            "months": [6, 7, 8],
        },
    )
    assert seasonal.status_code == 201
    assert manager.get("checkins/badges").json()["count"] == 2
    twin_body = {"district": actors.district.pk, "name": "Estate", "kind": "first_checkin"}
    twin = manager.post("checkins/badges", twin_body)
    assert twin.status_code == 409 and error_of(twin)["field"] == "name"
    foreign_venue = manager.post(
        "checkins/routes", {"district": actors.district.pk, "name": "X", "points": [999999]}
    )
    assert foreign_venue.status_code == 422 and error_of(foreign_venue)["field"] == "points"
    assert (
        api_as(actors.merchant)
        .post("checkins/routes", {"district": actors.district.pk, "name": "Y"})
        .status_code
        == 403
    )
    assert (
        api_as(actors.outsider)
        .post(
            "checkins/badges",
            {"district": actors.district.pk, "name": "Z", "kind": "first_checkin"},
        )
        .status_code
        == 404
    )
    assert api_as(actors.outsider).get("checkins/routes").json()["count"] == 0


def test_the_visitor_reads_the_passport_with_the_card_token(visitor, venue, other_venue, card):
    check_in(card, venue)
    body = visitor.get("checkins/passport").json()
    assert body["card"] == card.number and body["checkins"] == 1
    stamps = {v["id"]: v["stamped"] for v in body["venues"]}
    assert stamps == {venue.pk: True, other_venue.pk: False}
