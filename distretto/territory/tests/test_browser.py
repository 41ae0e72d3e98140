"""In a real browser: a district manager logs in, opens the dashboard and the map."""

import pytest

from distretto.testing import BusinessFactory, browser_login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_manager_logs_in_opens_dashboard_and_sees_business_markers(page, actors):
    BusinessFactory(
        district=actors.district, name="Ottica Broletto", category="optics", lat=45.3139, lon=9.5041
    )
    browser_login(page, "manager")
    assert page.locator("[data-module=territory]").is_visible()
    page.goto(f"{page.base_url}/territory/d/lodi/")
    markers = page.locator("path.distretto-marker")
    markers.first.wait_for()
    assert markers.count() == 3  # two shops of the cast plus the optician
    page.select_option("#category-filter", "optics")
    page.wait_for_function("document.querySelectorAll('path.distretto-marker').length === 1")
    markers.first.click()
    assert "Ottica Broletto" in page.locator(".leaflet-popup-content").inner_text()


@pytest.mark.django_db(transaction=True)
def test_visitor_filters_the_projects_map_by_axis(page, actors):
    from distretto.testing import ProjectFactory

    ProjectFactory(chamber=actors.chamber, title="Vetrine digitali", comune=actors.district.comune)
    ProjectFactory(
        chamber=actors.chamber,
        title="Rete dei negozi storici",
        axis_new_technologies=False,
        axis_business_networks=True,
        lat=45.32,
        lon=9.51,
    )
    page.goto(f"{page.base_url}/territory/projects/")
    page.wait_for_function("document.querySelectorAll('path.distretto-marker').length === 2")
    page.select_option("select[name=axis]", "business_networks")
    page.wait_for_function("document.querySelectorAll('path.distretto-marker').length === 1")
    rows = page.locator("#project-list tbody tr")
    assert rows.count() == 1
    assert "Rete dei negozi storici" in rows.first.inner_text()
    assert "Reti d'impresa" in page.locator("#legend").inner_text()
