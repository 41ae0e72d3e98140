"""Public pages (venue, product, service, search, near me, kiosk) and the editors' pages."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone
from PIL import Image

from distretto.catalog import images
from distretto.catalog.models import ServiceDelivery, VenueProfile, VenueService

pytestmark = pytest.mark.django_db

PAGE_BUDGET = 300 * 1024


def page_weight(client, url: str) -> int:
    """Bytes of the HTML plus every stylesheet and script the page loads (images excluded)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    total = len(response.content)
    assets = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', html)
    assets += re.findall(r'<script src="/static/([^"]+)"', html)
    for asset in assets:
        path = finders.find(asset)
        assert path, asset
        with open(path, "rb") as fh:
            total += len(fh.read())
    return total


def jpeg(width: int, height: int) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="JPEG")
    out.seek(0)
    out.name = "foto.jpg"
    return out


def test_venue_page_shows_what_it_is_hours_products_services_and_map(client, venue):
    page = client.get(f"/catalog/v/{venue.pk}/").content.decode()
    assert "Panetteria con angolo dei formaggi delle valli." in page
    assert "08:00–12:30" in page  # Saturday
    assert "Branzi" in page and "Taleggio" in page
    assert "Informazioni turistiche" in page and "Su appuntamento" in page
    assert "In centro, vicino al Duomo." in page
    assert 'id="venue-point"' in page and "leaflet.js" in page
    assert f"/catalog/v/{venue.pk}/kiosk/" in page


def test_unpublished_venue_page_is_not_found(client, venue):
    VenueProfile.objects.filter(venue=venue).update(published=False)
    assert client.get(f"/catalog/v/{venue.pk}/").status_code == 404


def test_product_page_tells_the_story_and_where_to_find_it(client, venue, products):
    page = client.get(f"/catalog/p/{products['branzi'].slug}/").content.decode()
    assert "Formaggio di latte vaccino dell&#x27;Alta Valle Brembana." in page
    assert "Panetteria Fanfulla" in page and 'id="product-points"' in page
    english = client.get(
        f"/catalog/p/{products['branzi'].slug}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Cow&#x27;s milk cheese of the upper Brembana valley." in english


def test_service_page_lists_the_venues_offering_it(client, venue, foreign_venue):
    page = client.get("/catalog/s/atm/").content.decode()
    assert "Caffè Galimberti" in page and "Panetteria Fanfulla" not in page


def test_search_finds_products_venues_and_services(client, venue, foreign_venue):
    page = client.get("/catalog/", {"q": "castelmagno"}).content.decode()
    assert "Castelmagno" in page and 'id="venue-results"' not in page
    page = client.get("/catalog/", {"q": "fanfulla"}).content.decode()
    assert 'id="venue-results"' in page and "Panetteria Fanfulla" in page
    page = client.get("/catalog/", {"q": "spid"}).content.decode()
    assert 'id="service-results"' in page and "/catalog/s/spid_help/" in page
    page = client.get("/catalog/", {"designation": "IGP"}).content.decode()
    assert "Nocciola Piemonte" in page and "Taleggio" not in page
    nothing = client.get("/catalog/", {"q": "zzzz"}).content.decode()
    assert "Nothing found" in nothing or "Nessun risultato" in nothing


def test_search_answers_htmx_with_the_results_only(client, venue):
    partial = client.get("/catalog/", {"q": "branzi"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Branzi" in partial and "<html" not in partial


def test_kiosk_has_a_start_slide_and_one_slide_per_product_and_service(client, venue):
    page = client.get(f"/catalog/v/{venue.pk}/kiosk/").content.decode()
    assert page.count('class="slide') == 1 + 2 + 2
    assert 'id="kiosk-start"' in page and 'data-idle="60"' in page and "kiosk.js" in page
    assert "<header" not in page  # full screen, no site navigation


@pytest.mark.parametrize("which", ["search", "venue", "product", "near", "kiosk", "service"])
def test_pages_stay_under_300_kb_before_images(client, venue, products, which):
    urls = {
        "search": "/catalog/?q=a",
        "venue": f"/catalog/v/{venue.pk}/",
        "product": f"/catalog/p/{products['branzi'].slug}/",
        "near": "/catalog/near/",
        "kiosk": f"/catalog/v/{venue.pk}/kiosk/",
        "service": "/catalog/s/tourist_info/",
    }
    assert page_weight(client, urls[which]) < PAGE_BUDGET


def test_uploaded_photos_are_resized_with_a_thumbnail(
    api_as, actors, venue, products, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    api = api_as(actors.manager)
    response = api.client.post(
        f"/api/v1/catalog/products/{products['branzi'].pk}/photo",
        {"photo": jpeg(4000, 3000)},
        **api.headers,
    )
    assert response.status_code == 200, response.content
    products["branzi"].refresh_from_db()
    with Image.open(products["branzi"].photo.path) as photo:
        assert max(photo.size) == images.DISPLAY_PX
    with Image.open(products["branzi"].thumbnail.path) as thumb:
        assert thumb.size == (images.THUMB_PX, 360)
    not_image = io.BytesIO(b"not an image")
    not_image.name = "x.jpg"
    bad = api.client.post(
        f"/api/v1/catalog/venues/{venue.pk}/photo", {"photo": not_image}, **api.headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "photo"


def test_near_me_page_asks_the_browser_for_the_location(client):
    page = client.get("/catalog/near/").content.decode()
    assert 'src="/static/catalog/near.js"' in page and "/api/v1/catalog/venues" in page
    script = (settings.PROJECT_DIR / "static" / "catalog" / "near.js").read_text()
    assert "navigator.geolocation" in script


# --- Editors' pages ---------------------------------------------------------------------------


def test_merchant_manages_its_own_venue_and_nobody_elses(client, actors, venue, service_types):
    client.force_login(actors.merchant)
    listing = client.get("/catalog/manage/").content.decode()
    assert "Panetteria Fanfulla" in listing and "Libreria del Sole" not in listing
    assert client.get(f"/catalog/manage/v/{venue.pk}/").status_code == 200
    assert client.get(f"/catalog/manage/v/{actors.other_shop.pk}/").status_code == 404
    assert client.get(f"/catalog/manage/v/{actors.foreign_shop.pk}/").status_code == 404


def test_outsider_cannot_open_the_venue_editor(client, actors, venue):
    client.force_login(actors.outsider)
    assert client.get(f"/catalog/manage/v/{venue.pk}/").status_code == 404


def test_manager_edits_texts_services_and_records_deliveries_on_the_page(
    client, actors, venue, service_types, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(actors.manager)
    url = f"/catalog/manage/v/{venue.pk}/"
    client.post(
        url,
        {
            "section": "profile",
            "published": "on",
            "intro": "Nuovo testo",
            "intro_en": "New text",
            "kiosk_seconds": 10,
            "photo": jpeg(1600, 1600),
        },
    )
    profile = VenueProfile.objects.get(venue=venue)
    assert (profile.intro, profile.intro_en, profile.kiosk_seconds) == (
        "Nuovo testo",
        "New text",
        10,
    )
    with Image.open(profile.thumbnail.path) as thumb:
        assert thumb.size == (images.THUMB_PX, images.THUMB_PX)
    atm = service_types.get(code="atm")
    client.post(
        url,
        {"section": "service", "service_type": atm.pk, "opening_hours": "", "contact": "Banco"},
    )
    assert VenueService.objects.get(venue=venue, service_type=atm).contact == "Banco"
    bad = client.post(
        url, {"section": "service", "service_type": atm.pk, "opening_hours": '{"xyz": []}'}
    )
    assert bad.status_code == 200 and "xyz" in bad.content.decode()
    client.post(url, {"section": "withdraw", "code": "atm"})
    assert not VenueService.objects.filter(venue=venue, service_type=atm).exists()
    client.post(
        url,
        {
            "section": "delivery",
            "service_type": atm.pk,
            "date": timezone.localdate().isoformat(),
            "count": 4,
        },
    )
    assert ServiceDelivery.objects.get(venue=venue).recorded_by == actors.manager
