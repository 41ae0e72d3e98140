"""The pages: manager's view with blocking, the venue's screen, the visitor's check-in
page and passport."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from distretto.checkins.models import Badge, CheckinPoint, Route
from distretto.checkins.tests.conftest import check_in
from distretto.loyalty.cardnumbers import printed
from distretto.testing import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_manager_sees_venues_reasons_and_suspicious_cards_and_blocks_one(actors, venue, card):
    start = timezone.now() - timedelta(hours=5)
    for minutes in range(6):
        check_in(card, venue, metres_north=3_000, now=start + timedelta(minutes=minutes))
    manager = signed_in(actors.manager)
    page = manager.get("/checkins/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Panetteria Fanfulla" in text and card.number in text
    assert f'data-card="{card.number}"' in text
    response = manager.post(f"/checkins/?district={actors.district.pk}", {"card": card.number})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.status == "blocked"
    geojson = manager.get(f"/checkins/d/{actors.district.pk}/venues.geojson").json()
    assert geojson["features"][0]["properties"]["rejected"] == 6


def test_the_manager_page_is_not_for_merchants_and_not_across_chambers(actors, venue):
    assert signed_in(actors.merchant).get("/checkins/").status_code == 404
    assert signed_in(actors.manager).get("/checkins/?district=abc").status_code == 200
    outsider = signed_in(actors.outsider)
    assert "Panetteria Fanfulla" not in outsider.get("/checkins/").content.decode()
    assert outsider.get(f"/checkins/d/{actors.district.pk}/venues.geojson").status_code == 404


def test_the_venue_screen_shows_the_code_to_its_merchant_and_manager_only(actors, venue):
    for user in (actors.manager, actors.merchant):
        page = signed_in(user).get(f"/checkins/points/{venue.pk}/screen/")
        assert page.status_code == 200
        assert 'id="screen-code"' in page.content.decode()
    assert signed_in(actors.outsider).get(f"/checkins/points/{venue.pk}/screen/").status_code == 404
    assert Client().get(f"/checkins/points/{venue.pk}/screen/").status_code == 302  # to login


def test_the_qr_opens_the_check_in_page_with_the_code(venue):
    png = Client().get(f"/checkins/v/{venue.pk}/qr.png?code=123456")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert Client().get(f"/checkins/v/{venue.pk}/qr.png?code=<script>").status_code == 404
    page = Client().get(f"/checkins/v/{venue.pk}/?code=123456")
    assert page.status_code == 200
    assert 'value="123456"' in page.content.decode()


def test_the_passport_page_and_its_stamps(venue, other_venue, card, issued_card):
    check_in(card, venue)
    token = issued_card[1]
    page = Client().get(f"/checkins/p/{token}/")
    assert page.status_code == 200 and printed(card.number) in page.content.decode()
    stamps = Client().get(f"/checkins/p/{token}/stamps.geojson").json()
    assert {f["properties"]["name"]: f["properties"]["stamped"] for f in stamps["features"]} == {
        "Panetteria Fanfulla": True,
        "Libreria del Sole": False,
    }
    assert Client().get("/checkins/p/lcw_nope/").status_code == 404


def test_manager_opens_a_venue_and_defines_a_route_and_a_badge(actors, program):
    manager = signed_in(actors.manager)
    page = manager.get("/checkins/setup/")
    assert page.status_code == 200 and "Panetteria Fanfulla" in page.content.decode()
    manager.post(
        "/checkins/setup/",
        {"action": "venue", "business": actors.shop.pk, "radius_m": 90, "reward_points": 25},
    )
    point = CheckinPoint.objects.get()
    assert (point.radius_m, point.reward_points, point.lat) == (90, 25, actors.shop.lat)
    manager.post("/checkins/setup/", {"action": "route", "name": "Giro", "points": [point.pk]})
    route = Route.objects.get()
    assert list(route.points.all()) == [point]
    manager.post(
        "/checkins/setup/",
        {"action": "badge", "name": "Giro completo", "kind": "route", "route": route.pk},
    )
    manager.post(
        "/checkins/setup/",
        {
            "action": "badge",
            "name": "Estate",
            "kind": "seasonal",
            "threshold": 2,
            "months": "6, 7, 8",
        },
    )
    assert {(b.name, b.route_id, tuple(b.months)) for b in Badge.objects.all()} == {
        ("Giro completo", route.pk, ()),
        ("Estate", None, (6, 7, 8)),
    }


def test_a_wrong_badge_is_explained_not_saved(actors, program):
    manager = signed_in(actors.manager)
    response = manager.post(
        "/checkins/setup/", {"action": "badge", "name": "Senza giro", "kind": "route"}, follow=True
    )
    assert response.status_code == 200
    assert not Badge.objects.exists()
    assert "itinerario" in response.content.decode()  # "Un distintivo di itinerario richiede..."
    assert signed_in(actors.merchant).get("/checkins/setup/").status_code == 404


def test_the_poster_carries_a_lasting_qr_without_the_code(actors, venue):
    page = signed_in(actors.merchant).get(f"/checkins/points/{venue.pk}/screen/?poster=1")
    text = page.content.decode()
    assert f'src="/checkins/v/{venue.pk}/qr.png"' in text
    assert 'id="screen-code"' not in text
