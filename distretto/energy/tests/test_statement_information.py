"""What a resident's statement and monthly information say (D.Lgs. 102/2014 Allegato 9,
as amended by D.Lgs. 73/2020): the method and its legal basis, the fixed and the
consumption parts, the degree-day corrected comparison with last season as a chart,
the building's average unit per m², whom to ask; on the page, in the PDF, in the CSV,
and month by month for a site read remotely (page, PDF, e-mail).

Palazzo Sannio of ``test_allocation_assembly``: flat A (the cardholder's, 100 m²) used
4,000 kWh this January and 3,000 kWh the January before. Degree days 2,000 this season
and 1,600 the last: last season in this season's weather is 3,000 × 2,000 / 1,600 =
3,750 kWh, so A used (4,000 − 3,750) / 3,750 = +6.7% more. The building: 10,000 kWh
over 280 m² = 35.71 kWh/m²; A: 4,000 / 100 = 40.00 kWh/m².
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from distretto.energy import allocation_services, ingestion
from distretto.energy.allocation_models import AllocationRun
from distretto.energy.models import DailyWeather, Gateway, Meter, MonthlyNotice
from distretto.energy.tests.test_allocation_assembly import (  # noqa: F401  (fixtures)
    ASSEMBLY_BY_AREA,
    flats,
    manager_api,
    sannio,
)
from distretto.testing import PASSWORD, ApiClient, browser_login

LAST_JANUARY = dt.datetime(2025, 1, 10, 12, tzinfo=dt.UTC)
LAST_SEASON_KWH = {"A": 3000, "B": 3000, "C": 2000, "D": 1000}


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def last_season(sannio, flats):  # noqa: F811
    for name, kwh in LAST_SEASON_KWH.items():
        meter = Meter.objects.get(site=sannio, external_id=f"H-{name}")
        ingestion.store([(meter.pk, LAST_JANUARY, kwh)])


@pytest.fixture
def run(sannio, flats, last_season, actors) -> AllocationRun:  # noqa: F811
    run = allocation_services.create_run(
        sannio,
        period_start=dt.date(2025, 10, 15),
        period_end=dt.date(2026, 4, 15),
        fuel_cost=D("10000.00"),
        options={**ASSEMBLY_BY_AREA, "degree_days": "2000", "previous_degree_days": "1600"},
        by=actors.manager,
    )
    return allocation_services.close_run(run)


def statement_url(run, unit) -> str:
    return reverse("energy:allocation_unit", args=[run.pk, unit.pk])


def test_the_statement_page_names_the_method_the_law_and_the_parts(run, flats, actors):  # noqa: F811
    page = signed_in(actors.cardholder).get(statement_url(run, flats["A"]))
    assert page.status_code == 200
    text = page.content.decode()
    # Italian by default: the method, its legal basis and the two parts.
    assert "60,0% in base ai consumi misurati" in text
    assert "40,0% in base a superficie utile (m²)" in text
    assert "D.Lgs. 102/2014, art. 9 c.5 d), come modificato dal D.Lgs. 73/2020" in text
    assert "1.428,57" in text and "2.400,00" in text and "3.828,57" in text
    # Allegato 9: the corrected comparison, the building per m², whom to ask.
    assert "3.750" in text and "+6,7%" in text
    assert "40,00" in text and "35,71" in text
    assert "ENEA" in text and "associazioni dei consumatori" in text
    assert "Allegato 9" in text
    assert text.count("data-bar=") == 4 and 'data-bar="previous_corrected"' in text


def test_the_administrator_summary_names_the_method_too(run, actors):
    text = signed_in(actors.manager).get(reverse("energy:allocation", args=[run.pk]))
    text = text.content.decode()
    assert "Scelta dell'assemblea" in text or "Scelta dell&#x27;assemblea" in text
    assert "come modificato dal D.Lgs. 73/2020" in text


def test_the_statement_speaks_english_too(run, flats, actors):  # noqa: F811
    client = signed_in(actors.cardholder)
    client.cookies["django_language"] = "en"
    text = client.get(statement_url(run, flats["A"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "60.0% by measured consumption, 40.0% by useful floor area (m²)" in text
    assert "as amended by D.Lgs. 73/2020" in text
    assert "consumer associations" in text


def test_the_pdf_statement_holds_the_same_facts(run, sannio, flats, actors):  # noqa: F811
    api = ApiClient(actors.cardholder)
    path = f"energy/sites/{sannio.pk}/allocations/{run.pk}/units/{flats['A'].pk}/statement.pdf"
    response = api.get(path)
    assert response.status_code == 200
    text = pdf_text(response.content)
    for expected in (
        "73/2020",
        "superficie utile",
        "1.428,57",
        "2.400,00",
        "3.828,57",
        "3.750",
        "+6,7%",
        "35,71",
        "ENEA",
        "Allegato 9",
    ):
        assert expected in text, expected


def test_the_csv_statement_carries_the_method_and_comparisons(run, sannio, flats, actors):  # noqa: F811
    api = ApiClient(actors.cardholder)
    base = f"energy/sites/{sannio.pk}/allocations/{run.pk}/units"
    response = api.get(f"{base}/{flats['A'].pk}/statement.csv")
    assert response.status_code == 200
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["unit"] == "A" and row["total"] == "3828.57"
    assert row["fixed_part"] == "1428.57" and row["consumption_part"] == "2400.00"
    assert "73/2020" in row["legal_basis"] and "60,0%" in row["method"]
    assert row["previous_quantity_degree_day_corrected"] == "3750.000"
    assert row["change_percent"] == "6.7"
    assert row["quantity_per_m2"] == "40.000" and row["building_average_per_m2"] == "35.714"
    # Another resident's statement is not the cardholder's to read.
    assert api.get(f"{base}/{flats['B'].pk}/statement.csv").status_code == 404


# --- Monthly information ----------------------------------------------------------------------


@pytest.fixture
def remote(sannio, flats, last_season, actors):  # noqa: F811
    """Read remotely by a gateway, with January's weather of both years."""
    Gateway.objects.create(site=sannio, name="Ricevitore")
    DailyWeather.objects.create(
        site=sannio, day=dt.date(2026, 1, 10), mean_temperature=0, degree_days=20
    )
    DailyWeather.objects.create(
        site=sannio, day=dt.date(2025, 1, 10), mean_temperature=4, degree_days=16
    )
    actors.cardholder.email = "residente@example.org"
    actors.cardholder.save()
    return sannio


def monthly_url(unit, month: str = "2026-01") -> str:
    return reverse("energy:unit_monthly", args=[unit.pk]) + f"?month={month}"


def test_the_unit_page_leads_to_the_monthly_page(remote, flats, actors):  # noqa: F811
    client = signed_in(actors.cardholder)
    unit_page = client.get(reverse("energy:unit", args=[flats["A"].pk])).content.decode()
    assert reverse("energy:unit_monthly", args=[flats["A"].pk]) in unit_page


def test_the_monthly_page_compares_the_month(remote, flats, actors):  # noqa: F811
    page = signed_in(actors.cardholder).get(monthly_url(flats["A"]))
    assert page.status_code == 200
    text = page.content.decode()
    # January: 4,000 kWh against 3,000 × 20 / 16 = 3,750; every month since 15 October.
    assert "4.000" in text and "3.750" in text and "+6,7%" in text
    assert "35,71" in text and "40,00" in text
    assert text.count("<tr>\n      <td>") == 4  # October, November, December, January
    assert 'data-bar="this"' in text and "ENEA" in text


def test_the_monthly_pdf_holds_the_month_and_the_season(remote, flats, actors):  # noqa: F811
    client = signed_in(actors.cardholder)
    url = reverse("energy:unit_monthly_pdf", args=[flats["A"].pk, "2026-01"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("gennaio 2026", "4.000", "3.750", "+6,7%", "35,71", "ENEA"):
        assert expected in text, expected


def test_monthly_information_is_for_sites_read_remotely_and_own_units(
    sannio,  # noqa: F811
    flats,  # noqa: F811
    actors,
):
    client = signed_in(actors.cardholder)
    assert client.get(monthly_url(flats["A"])).status_code == 404  # no gateway
    Gateway.objects.create(site=sannio, name="Ricevitore")
    assert client.get(monthly_url(flats["A"])).status_code == 200
    assert client.get(monthly_url(flats["B"])).status_code == 404  # not the cardholder's
    assert client.get(monthly_url(flats["A"], "2026-13")).status_code == 404
    assert client.get(monthly_url(flats["A"], "2999-01")).status_code == 404


def test_the_monthly_email_goes_once_per_unit_and_month(remote, flats, actors):  # noqa: F811
    out = io.StringIO()
    call_command("energy-monthly-info", "--month", "2026-01", stdout=out)
    assert "1 e-mails sent" in out.getvalue()
    [message] = mail.outbox
    assert message.to == ["residente@example.org"]
    assert "gennaio 2026" in message.subject
    assert "4.000" in message.body and "3.750" in message.body
    assert "35,71" in message.body and "40,00" in message.body
    [(name, body, content_type)] = message.attachments
    assert name.endswith("2026-01.pdf") and content_type == "application/pdf"
    assert "4.000" in pdf_text(body)
    # The periodic job again: nothing new to send.
    call_command("energy-monthly-info", "--month", "2026-01", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    notice = MonthlyNotice.objects.get()
    assert notice.unit == flats["A"] and notice.month == dt.date(2026, 1, 1)


def test_no_email_without_an_address_or_a_gateway(sannio, flats, actors):  # noqa: F811
    actors.cardholder.email = "residente@example.org"
    actors.cardholder.save()
    call_command("energy-monthly-info", "--month", "2026-01", stdout=io.StringIO())
    assert mail.outbox == []  # not read remotely
    Gateway.objects.create(site=sannio, name="Ricevitore")
    actors.cardholder.email = ""
    actors.cardholder.save()
    call_command("energy-monthly-info", "--month", "2026-01", stdout=io.StringIO())
    assert mail.outbox == [] and not MonthlyNotice.objects.exists()


# --- In a browser, on a phone -----------------------------------------------------------------


@pytest.mark.browser
def test_the_statement_on_a_phone_shows_method_law_and_chart(csp_page, run, flats, actors):  # noqa: F811
    page = csp_page
    errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    actors.cardholder.set_password(PASSWORD)
    actors.cardholder.save()
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, "cardholder")
    page.goto(f"{page.base_url}{statement_url(run, flats['A'])}")
    assert "superficie utile" in page.locator("#method-name").inner_text()
    assert "73/2020" in page.locator("#legal-basis").inner_text()
    chart = page.locator("#comparison-chart svg")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["x"] + box["width"] <= 390
    assert page.locator("#comparison-chart rect").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
