"""In a real browser: the chamber operator reads the observatory, switches the chart
and colours the map; on a 360 px phone nothing scrolls sideways."""

from __future__ import annotations

import pytest

from distretto.observatory import compute
from distretto.observatory.tests.conftest import MARCH
from distretto.testing import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

URL = "/observatory/?chamber=lodi&from=2026-01&to=2026-03"


@pytest.fixture
def refreshed(commerce, settings):
    settings.MAP_TILE_URL = ""  # no tiles from the internet in tests
    for month in (compute.add_months(MARCH, -2), compute.add_months(MARCH, -1), MARCH):
        compute.refresh_month(month)


def test_the_operator_reads_cards_chart_and_map(page, actors, refreshed):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_login(page, "operator")
    page.goto(f"{page.base_url}{URL}")
    card = page.locator(".indicator[data-code=cards_active]")
    assert card.locator(".value").inner_text() == "2"
    assert page.locator(".indicator[data-code=purchases_eur] .value").inner_text() == "100,00"
    # The chart draws the chosen indicator, one line for the chamber and one per district.
    labels = page.evaluate(
        "Chart.getChart(document.getElementById('months-chart')).data.datasets.map(d => d.label)"
    )
    assert labels == ["Camera di Commercio di Lodi", "Distretto di Lodi"]
    page.select_option("#chart-indicator", "points_issued")
    points = page.evaluate(
        "Chart.getChart(document.getElementById('months-chart')).data.datasets[0].data"
    )
    assert points[-1] == 100
    # The map colours the district by the chosen indicator; its popup says the value.
    marker = page.locator("#map .leaflet-interactive").first
    marker.click(force=True)
    assert "Distretto di Lodi" in page.locator(".leaflet-popup-content").inner_text()
    assert page.locator("#comparison tbody tr").count() == 1
    assert errors == []


def test_the_page_fits_a_phone(page, actors, refreshed):
    page.set_viewport_size({"width": 360, "height": 740})
    browser_login(page, "operator")
    page.goto(f"{page.base_url}{URL}")
    page.locator("#months-chart").wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
