"""Every text in Italian and English at least, falling back to Italian when missing."""

from __future__ import annotations

import pytest
from django.utils import translation

from distretto.catalog import i18n

pytestmark = pytest.mark.django_db


def test_pick_falls_back_to_italian_for_a_missing_or_blank_translation(products):
    castelmagno = products["castelmagno"]
    assert castelmagno.text("description", "fr") == "Fromage de la vallée Grana."
    assert castelmagno.text("description", "en") == "Formaggio della Valle Grana."
    castelmagno.description_de = "   "
    assert castelmagno.text("description", "de") == "Formaggio della Valle Grana."
    assert products["nocciola"].label("en-GB") == "Piedmont hazelnut"
    assert products["nocciola"].label("ja") == "Nocciola Piemonte"


def test_without_a_language_the_request_language_is_used(products):
    with translation.override("en"):
        assert products["nocciola"].label() == "Piedmont hazelnut"
    with translation.override("it"):
        assert products["nocciola"].label() == "Nocciola Piemonte"
    assert i18n.normalize("DE_ch") == "de"


def test_api_answers_in_the_asked_language_with_fallback(anonymous_api, venue, products):
    english = anonymous_api.get(f"catalog/venues/{venue.pk}", {"lang": "en"}).json()
    assert english["lang"] == "en"
    assert english["intro"] == "Bakery with a corner for the valley cheeses."
    assert english["how_to_reach"] == "In centro, vicino al Duomo."  # no English: Italian
    services = {s["code"]: s for s in english["services"]}
    assert services["tourist_info"]["name"] == "Tourist information"
    assert services["spid_help"]["notes"] == "Su appuntamento"
    german = anonymous_api.get(f"catalog/venues/{venue.pk}", {"lang": "de"}).json()
    assert german["intro"] == "Panetteria con angolo dei formaggi delle valli."
    assert {s["code"]: s["name"] for s in german["services"]}["tourist_info"] == (
        "Touristeninformation"
    )


def test_api_language_defaults_to_the_browser_language(anonymous_api, products):
    response = anonymous_api.get(
        f"catalog/products/{products['nocciola'].pk}", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8"
    )
    assert response.json()["name"] == "Piedmont hazelnut"
    assert response.json()["lang"] == "en"


def test_page_language_follows_the_browser_and_the_switch(client, venue):
    url = f"/catalog/v/{venue.pk}/"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bakery with a corner for the valley cheeses." in english
    assert "Tourist information" in english
    italian = client.get(url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Panetteria con angolo dei formaggi delle valli." in italian
    assert "Informazioni turistiche" in italian
    client.post("/i18n/setlang/", {"language": "fr", "next": url})
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Informations touristiques" in french
    assert "Panetteria con angolo dei formaggi delle valli." in french  # no French intro
