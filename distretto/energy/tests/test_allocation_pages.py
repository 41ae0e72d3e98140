"""Pages of the heating-cost allocation: the administrator's summary, the new-run form,
each resident's statement, and the close button in a real browser.

Uses the three flats of Residenza Tigli from ``test_allocation_runs``.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from distretto.energy import allocation_services
from distretto.energy.allocation_models import AllocationRun
from distretto.energy.tests.test_allocation_runs import (  # noqa: F401  (fixtures)
    COMPENSATION,
    flats,
    tigli,
)
from distretto.testing import PASSWORD, browser_login


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def season(tigli, flats, actors) -> AllocationRun:  # noqa: F811
    import datetime as dt
    from decimal import Decimal

    return allocation_services.create_run(
        tigli,
        period_start=dt.date(2025, 10, 15),
        period_end=dt.date(2026, 4, 15),
        fuel_cost=Decimal("3000.00"),
        options=COMPENSATION,
        by=actors.manager,
    )


def test_the_administrator_summary_lists_every_unit_and_the_totals(season, actors):
    page = signed_in(actors.manager).get(reverse("energy:allocation", args=[season.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for expected in ("1.101,18", "1.148,82", "750,00", "3.000,00", "statements.zip"):
        assert expected in text


def test_the_administrator_closes_the_run_from_the_summary(season, actors):
    client = signed_in(actors.manager)
    client.post(reverse("energy:allocation", args=[season.pk]), {"action": "close"})
    season.refresh_from_db()
    assert season.is_closed


def test_the_form_computes_a_new_run(tigli, flats, actors):  # noqa: F811
    response = signed_in(actors.energy_manager).post(
        reverse("energy:allocation_new", args=[tigli.pk]),
        {
            "period_start": "2025-10-15",
            "period_end": "2026-04-15",
            "fuel_cost": "1000,00",
            "involuntary_method": "share",
            "involuntary_share": "0.2",
            "estimate_method": "average_per_thousandth",
            "cost_label_0": "Manutenzione",
            "cost_amount_0": "90",
            "cost_key_0": "per_unit",
            "estimated_units": [str(flats["B"].pk)],  # B's allocator was tampered with
        },
    )
    run = AllocationRun.objects.get()
    assert run.results.get(unit=flats["B"]).estimated
    assert response.status_code == 302
    assert response["Location"] == reverse("energy:allocation", args=[run.pk])
    assert run.total == 1090
    assert run.costs.get(name="cost_1").label == "Manutenzione"


def test_the_form_computes_the_assembly_method(tigli, flats, actors):  # noqa: F811
    tigli.units.update(area_m2=100)
    response = signed_in(actors.manager).post(
        reverse("energy:allocation_new", args=[tigli.pk]),
        {
            "period_start": "2025-10-15",
            "period_end": "2026-04-15",
            "fuel_cost": "3000",
            "involuntary_method": "assembly",
            "voluntary_share": "0,5",
            "fixed_key": "area_m2",
            "estimate_method": "average_per_thousandth",
        },
    )
    assert response.status_code == 302
    run = AllocationRun.objects.get()
    assert run.involuntary_method == "assembly" and run.fixed_key == "area_m2"
    # Half of 3,000.00 € in three equal areas: 500.00 each as the fixed part.
    assert {r.components["fuel_involuntary"] for r in run.results.all()} == {"500.00"}


def test_the_form_shows_what_is_missing(tigli, flats, actors):  # noqa: F811
    response = signed_in(actors.manager).post(
        reverse("energy:allocation_new", args=[tigli.pk]),
        {
            "period_start": "2025-10-15",
            "period_end": "2026-04-15",
            "fuel_cost": "1000",
            "involuntary_method": "share",
        },
    )
    assert response.status_code == 200
    assert "involuntary_share" in response.content.decode()
    assert not AllocationRun.objects.exists()


def test_the_form_refuses_what_is_not_a_number(tigli, flats, actors):  # noqa: F811
    response = signed_in(actors.manager).post(
        reverse("energy:allocation_new", args=[tigli.pk]),
        {"period_start": "2025-10-15", "period_end": "2026-04-15", "fuel_cost": "NaN"},
    )
    assert response.status_code == 200
    assert "fuel_cost" in response.content.decode()


def test_a_resident_reads_their_own_statement_only(season, flats, actors):  # noqa: F811
    allocation_services.close_run(season)
    client = signed_in(actors.cardholder)
    listing = client.get(reverse("energy:allocations")).content.decode()
    assert reverse("energy:allocation_unit", args=[season.pk, flats["A"].pk]) in listing
    own = client.get(reverse("energy:allocation_unit", args=[season.pk, flats["A"].pk]))
    assert own.status_code == 200 and "1.101,18" in own.content.decode()
    other = client.get(reverse("energy:allocation_unit", args=[season.pk, flats["B"].pk]))
    assert other.status_code == 404
    assert client.get(reverse("energy:allocation", args=[season.pk])).status_code == 404


def test_pages_of_other_districts_are_404(season, actors):
    client = signed_in(actors.outsider)
    assert client.get(reverse("energy:allocation", args=[season.pk])).status_code == 404
    url = reverse("energy:allocation_new", args=[season.site_id])
    assert client.get(url).status_code == 404


@pytest.mark.browser
def test_closing_in_the_browser_in_italian(page, season, actors):
    actors.manager.set_password(PASSWORD)
    actors.manager.save()
    browser_login(page, "manager")
    page.goto(f"{page.base_url}{reverse('energy:allocation', args=[season.pk])}")
    assert page.locator("#units tbody tr").count() == 3
    assert page.locator("#run-status").inner_text() == "Bozza"
    page.click("#close-run")
    page.wait_for_selector("#run-status:text('Chiusa')")
    assert page.locator("#close-run").count() == 0
