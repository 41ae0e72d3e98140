"""Issue 17 for check-ins: the bistro's public screen leads into no staff session, the
manager reads reasons in words and blocks a card after one question, venues are set
up from a page, and the cardholder finds their passport through their account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from distretto.checkins.tests.conftest import check_in
from distretto.loyalty import services as loyalty
from distretto.loyalty.cardnumbers import printed
from distretto.testing import browser_login, client_as


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_bistros_code_screen_shows_nothing_of_the_staff_session(page, actors, venue):
    browser_login(page, "manager")
    page.goto(f"{page.base_url}/checkins/points/{venue.pk}/screen/")
    page.locator("#screen-code").wait_for()
    links = page.locator("a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert not any(href and ("/dashboard" in href or "/accounts/" in href) for href in links)
    assert page.locator("form[action*='logout']").count() == 0
    assert "manager" not in page.locator("body").inner_text()


@pytest.mark.django_db
def test_the_manager_reads_rejections_in_words_and_is_asked_before_blocking(actors, venue, card):
    start = timezone.now() - timedelta(hours=5)
    for minutes in range(6):
        check_in(card, venue, metres_north=3_000, now=start + timedelta(minutes=minutes))
    text = client_as(actors.manager).get("/checkins/").content.decode()
    reasons = text.split('id="reasons"')[1].split("</table>")[0]
    assert "too_far" not in reasons and "Troppo lontano" in reasons
    assert printed(card.number) in text
    assert "data-confirm=" in text.split('id="suspicious"')[1].split("</table>")[0]


@pytest.mark.django_db
def test_venue_settings_are_changed_from_the_setup_page(actors, venue):
    manager = client_as(actors.manager)
    page = manager.get(f"/checkins/setup/?district={actors.district.pk}").content.decode()
    assert 'id="venue-settings"' in page and "/api/v1" not in page
    response = manager.post(
        "/checkins/setup/",
        {
            "action": "edit_venue",
            "district": actors.district.pk,
            "point": venue.pk,
            "radius_m": "120",
            "reward_points": "15",
            "requires_code": "on",
        },
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.radius_m, venue.reward_points, venue.requires_code, venue.active) == (
        120,
        15,
        True,
        False,
    )
    outsider = client_as(actors.outsider).post(
        "/checkins/setup/", {"action": "edit_venue", "point": venue.pk, "radius_m": "9"}
    )
    venue.refresh_from_db()
    assert outsider.status_code in (302, 404) and venue.radius_m == 120


@pytest.mark.django_db
def test_the_cardholder_opens_their_passport_from_their_home(actors, program, venue):
    card, _raw = loyalty.issue_card(program, user=actors.cardholder)
    cardholder = client_as(actors.cardholder)
    home = cardholder.get("/dashboard/").content.decode()
    assert f'href="/checkins/my-passport/{card.pk}/"' in home
    passport = cardholder.get(f"/checkins/my-passport/{card.pk}/").content.decode()
    assert printed(card.number) in passport and "data-token" not in passport
    stamps = cardholder.get(f"/checkins/my-passport/{card.pk}/stamps.geojson").json()
    assert stamps["features"][0]["properties"]["name"] == venue.name
    assert client_as(actors.merchant).get(f"/checkins/my-passport/{card.pk}/").status_code == 404
