"""In a real browser: a visitor opens a venue page, searches, finds places near them."""

from __future__ import annotations

import pytest

from distretto.catalog.models import VenueProfile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_remote_tiles(settings):
    settings.MAP_TILE_URL = ""  # the test machine has no internet: no tile layer


def loaded_bytes(page, url: str) -> int:
    """Bytes of every non-image response the page loads."""
    sizes: list[int] = []

    def on_response(response):
        if response.request.resource_type in {"document", "stylesheet", "script", "fetch", "xhr"}:
            sizes.append(len(response.body()))

    page.on("response", on_response)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("response", on_response)
    return sum(sizes)


def test_venue_page_in_italian_then_english(page, venue):
    url = f"{page.base_url}/catalog/v/{venue.pk}/"
    assert loaded_bytes(page, url) < 300 * 1024
    assert "Panetteria con angolo" in page.locator("#venue-intro").inner_text()
    assert page.locator("#venue-products .cat-item").count() == 2
    assert "Informazioni turistiche" in page.locator("#venue-services").inner_text()
    page.locator("#map path.leaflet-interactive").first.wait_for()  # the venue on the map
    with page.expect_navigation():
        page.select_option("#language-form select", "en")
    assert "Bakery with a corner" in page.locator("#venue-intro").inner_text()
    assert "Tourist information" in page.locator("#venue-services").inner_text()
    page.click("#venue-products a >> text=Branzi")
    assert "Cow's milk cheese" in page.locator("#product-story").inner_text()


def test_search_updates_as_one_types_and_leads_to_the_page(page, venue, foreign_venue):
    page.goto(f"{page.base_url}/catalog/")
    assert page.locator("#venue-results .cat-item").count() == 2  # the landing lists all
    page.fill("input[name=q]", "castelm")
    page.wait_for_url("**q=castelm**")  # the address follows, so the search can be shared
    page.locator("#venue-results").wait_for(state="detached")
    found = page.locator("#product-results .cat-item strong").all_inner_texts()
    assert found == ["Castelmagno"]
    page.fill("input[name=q]", "spid")
    page.locator("#service-results").wait_for()
    page.click("#service-results a")
    page.wait_for_url("**/catalog/s/spid_help/")
    assert "Panetteria Fanfulla" in page.locator("main").inner_text()


def test_near_me_lists_venues_by_distance(page, venue, foreign_venue):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 44.40, "longitude": 7.55})  # Cuneo
    page.goto(f"{page.base_url}/catalog/near/")
    page.locator("#near-list li").first.wait_for()
    first = page.locator("#near-list li").first.inner_text()
    assert "Caffè Galimberti" in first and "km" in first
    assert "Prelievo contanti" in first


def test_kiosk_rotates_browses_by_touch_and_returns_to_start_when_idle(page, venue):
    VenueProfile.objects.filter(venue=venue).update(kiosk_seconds=3)
    page.goto(f"{page.base_url}/catalog/v/{venue.pk}/kiosk/")
    counter = page.locator("#kiosk-counter")
    assert counter.inner_text() == "1 / 5"
    page.wait_for_function("document.getElementById('kiosk-counter').textContent === '2 / 5'")
    page.click("#kiosk-home")  # a visitor touches: rotation stops
    assert page.locator("#kiosk-start").is_visible()
    page.click("#kiosk-next")
    page.click("#kiosk-next")
    assert counter.inner_text() == "3 / 5"
    assert page.locator(".slide.active h2").inner_text().startswith("Taleggio")
    page.eval_on_selector("#kiosk", "el => { el.dataset.idle = '1'; }")  # not a minute
    page.wait_for_function("document.getElementById('kiosk-counter').textContent === '1 / 5'")
    assert page.locator("#kiosk-start").is_visible()
