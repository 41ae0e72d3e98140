"""In a real browser with Chromium's emulated geolocation: the visitor opens the
passport once, then checks in at the venue; from a kilometre away it is refused."""

from __future__ import annotations

import pytest

from distretto.checkins import services
from distretto.checkins.models import Attempt
from distretto.loyalty import services as loyalty

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(_chromium, live_server):
    """A phone-sized browser context whose GPS says it is wherever the test puts it."""
    context = _chromium.new_context(
        locale="it-IT",
        viewport={"width": 412, "height": 860},
        geolocation={"latitude": 0, "longitude": 0, "accuracy": 10},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


def test_visitor_checks_in_at_the_venue_and_is_refused_from_far_away(
    phone, venue, card, issued_card
):
    phone.goto(f"{phone.base_url}/checkins/p/{issued_card[1]}/")  # remembers the card
    phone.context.set_geolocation({"latitude": venue.lat, "longitude": venue.lon, "accuracy": 8})
    phone.goto(f"{phone.base_url}/checkins/v/{venue.pk}/")
    phone.click("#checkin-button")
    result = phone.locator("#checkin-result")
    result.wait_for(state="visible")
    assert "+10" in result.inner_text()
    assert loyalty.balance_of(card) == 10

    # a kilometre north, with a good fix
    phone.context.set_geolocation(
        {"latitude": venue.lat + 0.009, "longitude": venue.lon, "accuracy": 8}
    )
    phone.reload()
    phone.click("#checkin-button")
    error = phone.locator("#checkin-error")
    error.wait_for(state="visible")
    assert error.get_attribute("data-code") == "too_far"
    assert "75 m" in error.inner_text()
    assert list(Attempt.objects.order_by("id").values_list("decision", flat=True)) == [
        "accepted",
        "too_far",
    ]
    assert loyalty.balance_of(card) == 10


def test_without_a_known_card_the_page_asks_for_the_card_link(phone, venue):
    phone.goto(f"{phone.base_url}/checkins/v/{venue.pk}/")
    assert phone.locator("#card-missing").is_visible()
    assert phone.locator("#checkin-button").is_disabled()


@pytest.fixture
def phone_without_gps(_chromium, live_server):
    """A phone whose visitor refused to share the position."""
    context = _chromium.new_context(locale="it-IT", viewport={"width": 412, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


def test_denied_location_is_explained_and_the_venue_code_checks_in(
    phone_without_gps, venue, card, issued_card
):
    phone = phone_without_gps
    phone.goto(f"{phone.base_url}/checkins/p/{issued_card[1]}/")
    phone.goto(f"{phone.base_url}/checkins/v/{venue.pk}/")
    phone.click("#checkin-button")
    error = phone.locator("#checkin-error")
    error.wait_for(state="visible")
    assert "negato" in error.inner_text()  # "Il permesso di localizzazione è stato negato..."
    assert phone.locator("#code-box").get_attribute("open") is not None
    phone.fill("#checkin-code", services.current_code(venue)["code"])
    phone.click("#code-button")
    phone.locator("#checkin-result").wait_for(state="visible")
    attempt = Attempt.objects.get()
    assert (attempt.decision, attempt.code_valid, attempt.lat) == ("accepted", True, None)
    assert loyalty.balance_of(card) == 10
