"""Issue 17 across the platform: error pages with a way back, each role's home shows
only what serves it, the public home leads to every public page, Italian words,
numbers and dates, a favicon, and the public screens lead into no staff session."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.views.defaults import server_error

from distretto.core.formatting import money, quantity
from distretto.core.modules import dashboard_sections
from distretto.testing import browser_login, client_as

PUBLIC_PAGES = [
    "catalog:search",
    "catalog:near",
    "multiservice:network",
    "territory:project_map",
    "loyalty:find",
    "observatory:open_data",
]


@pytest.mark.django_db
def test_every_dashboard_link_serves_whoever_sees_it(actors):
    """A link is shown only to those its page serves: nobody meets "not found"."""
    people = [
        actors.operator,
        actors.manager,
        actors.merchant,
        actors.assessor,
        actors.energy_manager,
        actors.cardholder,
        actors.outsider,
        actors.admin,
    ]
    for user in people:
        client = client_as(user)
        for section in dashboard_sections(user):
            for link in section["links"]:
                if link["url"].startswith("/api/"):
                    continue
                status = client.get(link["url"]).status_code
                assert status == 200, (user.username, link["url"], status)


@pytest.mark.django_db
def test_a_page_not_found_has_the_header_and_a_way_back(actors):
    response = client_as(actors.merchant).get("/multiservice/training/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Pagina non trovata" in body and 'class="top"' in body
    assert 'href="/dashboard/"' in body and 'href="/"' in body
    assert "Not Found" not in body


def test_a_server_error_page_has_the_header_and_a_way_back(rf: RequestFactory):
    with translation.override("it"):
        response = server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Qualcosa non ha funzionato" in body and 'href="/"' in body and 'class="top"' in body


@pytest.mark.django_db
def test_the_public_home_leads_to_every_public_page(actors):
    body = Client().get("/").content.decode()
    for name in PUBLIC_PAGES:
        assert f'href="{reverse(name)}"' in body, name
    assert f'href="{reverse("territory:district", args=["lodi"])}"' in body
    for name in PUBLIC_PAGES:
        assert Client().get(reverse(name)).status_code == 200, name


@pytest.mark.django_db
def test_the_language_menu_names_each_language_in_itself(actors):
    body = Client().get("/").content.decode()
    for name in ("Italiano", "English", "Français", "Deutsch"):
        assert f">{name}</option>" in body
    assert "Inglese" not in body


def test_italian_months_and_weekdays_are_lower_case():
    with translation.override("it"):
        assert date_format(datetime.date(2026, 12, 7), "l j F Y") == "lunedì 7 dicembre 2026"
        assert date_format(datetime.date(2026, 5, 1), "D j F") == "ven 1 maggio"
        # The day is not padded in words: "1 gennaio 2018", as Italian writes it.
        assert date_format(datetime.date(2018, 1, 1)) == "1 gennaio 2018"
        assert date_format(datetime.date(2018, 1, 1), "SHORT_DATE_FORMAT") == "01/01/2018"
    with translation.override("en"):
        assert date_format(datetime.date(2026, 12, 7), "j F Y") == "7 December 2026"


def test_numbers_and_amounts_follow_the_language():
    with translation.override("it"):
        assert money(Decimal("75000")) == "€\u00a075.000,00"
        assert money("6.85") == "€\u00a06,85"
        assert quantity(Decimal("3.5989999999999895"), 1) == "3,6"
        assert quantity(1234) == "1.234"
        assert quantity(Decimal("93.90")) == "93,90"
    with translation.override("en"):
        assert money(Decimal("75000")) == "€\u00a075,000.00"
        assert quantity(Decimal("1.2")) == "1.2"


@pytest.mark.django_db
def test_the_favicon_is_served(actors):
    body = Client().get("/").content.decode()
    assert 'rel="icon"' in body and "favicon.svg" in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_missing_page_in_the_browser_offers_the_way_home(page, actors):
    browser_login(page, "merchant")
    response = page.goto(f"{page.base_url}/multiservice/training/")
    assert response.status == 404
    assert page.locator("header.top").is_visible()
    assert page.locator("#error-page h1").inner_text() == "Pagina non trovata"
    page.click("#error-page a[href='/dashboard/']")
    page.wait_for_url(f"{page.base_url}/dashboard/")
