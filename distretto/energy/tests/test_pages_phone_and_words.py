"""The energy pages as people meet them, in a real browser with the Content-Security-
Policy enforced: they fit a 390 and a 360 px phone, run no blocked script, explain
anomalies in a sentence, show readings with the meter's precision, draw one measure
per chart with titled axes and units in natural order, and say what to do next when
there is nothing yet.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from distretto.energy import anomalies, display, explain, services
from distretto.energy.ingestion import store
from distretto.energy.models import Anomaly, Meter, Unit
from distretto.energy.tests.conftest import make_meter
from distretto.energy.tests.test_allocation_pages import season  # noqa: F401  (fixture)
from distretto.energy.tests.test_allocation_runs import flats, tigli  # noqa: F401  (fixtures)
from distretto.testing import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parents[2] / "core" / "tests" / "vendor" / "axe-core" / "axe.min.js"
PHONES = ({"width": 390, "height": 844}, {"width": 360, "height": 740})
WIDER_THAN_THE_SCREEN = (
    "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
)
CSP_LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective));
"""
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _sign_in(page, user) -> None:
    user.set_password(PASSWORD)
    user.save()
    page.context.add_init_script(CSP_LISTEN)
    browser_login(page, user.get_username())


def _fits_every_phone_and_runs_its_scripts(page, path: str) -> list[str]:
    """Open ``path`` at both phone widths; what is wrong with it, if anything."""
    problems = []
    for size in PHONES:
        page.set_viewport_size(size)
        response = page.goto(page.base_url + path)
        if response.status != 200:
            return [f"{path} → {response.status}"]
        if page.evaluate(WIDER_THAN_THE_SCREEN):
            problems.append(f"{path} is wider than {size['width']} px")
    blocked = page.evaluate("() => window.__csp")
    if blocked:
        problems.append(f"{path}: the policy blocked {blocked}")
    return problems


def _day(days_ago: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days_ago)


def _hourly(meter: Meter, day: dt.date, values: list[float]) -> None:
    start = dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC)
    store([(meter.pk, start + dt.timedelta(hours=h), v) for h, v in enumerate(values)])


@pytest.fixture
def complex_with_readings(site, flat, shop, hca, heat_meter, water_meter, gateway):
    """The site with allocators in three flats (1, 2, 10), heat, water, fuel and
    electricity meters, two days of readings and open anomalies of every kind."""
    day = _day(1)
    dwellings = {flat.name: flat}
    for number in (10, 2):
        dwellings[f"Interno {number}"] = Unit.objects.create(
            site=site, name=f"Interno {number}", area_m2=Decimal("70"), millesimi_heat=Decimal(100)
        )
    for name, unit in dwellings.items():
        allocator = hca if unit == flat else make_meter(site, unit, kind="hca")
        _hourly(allocator, day, [10.0 + k * (len(name) + 1) for k in range(6)])
    _hourly(heat_meter, day, [500.0 + 7 * k for k in range(6)])
    _hourly(water_meter, day, [3.2 + k * 0.1 for k in range(6)])  # 3.3000000000000003...
    fuel = make_meter(site, kind="fuel", unit_of_measure="Sm3", external_id="GAS1")
    _hourly(fuel, day, [100.0 + 2 * k for k in range(6)])
    electricity = make_meter(site, shop, kind="electricity", external_id="EL1")
    _hourly(electricity, day, [40.0 + 1.5 * k for k in range(6)])
    services.record_weather(site, [(day, 6.5)])
    now = timezone.now()
    for rule, severity, subject, evidence in [
        (
            Anomaly.Rule.MISSING_DATA,
            "warning",
            {"meter": hca},
            {"last_reading": "2026-01-05T10:30:00+00:00", "expected_minutes": 180},
        ),
        (
            Anomaly.Rule.MISSING_DATA,
            "critical",
            {"gateway": gateway},
            {"last_seen": "2026-01-05T09:00:00+00:00"},
        ),
        (
            Anomaly.Rule.STUCK_METER,
            "warning",
            {"meter": heat_meter},
            {"days": ["2026-01-04", "2026-01-05"], "readings": 48, "value": 1234.5000000000002},
        ),
        (
            Anomaly.Rule.CONSUMPTION_SPIKE,
            "warning",
            {"unit": flat},
            {
                "day": "2026-01-05",
                "per_degree_day": 3.2,
                "baseline_per_degree_day": 1.28,
                "ratio": 2.5,
            },
        ),
        (
            Anomaly.Rule.NIGHT_BASE_LOAD,
            "info",
            {"unit": shop},
            {"night_average_kw": 1.2, "day_average_kw": 1.85, "share": 0.65},
        ),
        (
            Anomaly.Rule.EFFICIENCY_DROP,
            "critical",
            {"meter": heat_meter},
            {"efficiency": 0.62, "baseline_efficiency": 0.91, "drop": 0.319},
        ),
        (
            Anomaly.Rule.EMPTY_UNIT_CONSUMPTION,
            "warning",
            {"unit": dwellings["Interno 10"]},
            {"since": "2026-01-01", "allocators": {"12345678": 12.0, "M0009": 3.5}},
        ),
        (
            "device_alarm",
            "critical",
            {"meter": hca},
            {
                "status": "SEAL_BROKEN POWER_LOW",
                "kinds": ["seal", "battery"],
                "first_seen": "2026-01-05T08:00:00+00:00",
            },
        ),
        ("device_alarm", "warning", {"meter": water_meter}, {"status": "SEAL_BROKEN"}),
        ("a_rule_from_the_future", "warning", {"unit": flat}, {"x": [1, 2]}),
    ]:
        Anomaly.objects.create(
            site=site, rule=rule, severity=severity, started_at=now, evidence=evidence, **subject
        )
    return site


def test_energy_pages_fit_a_phone_and_run_no_blocked_script(
    csp_page, actors, complex_with_readings, flat, hca
):
    site = complex_with_readings
    _sign_in(csp_page, actors.energy_manager)
    problems = []
    for path in [
        reverse("energy:sites"),
        reverse("energy:site", args=[site.pk]),
        reverse("energy:registry", args=[site.pk]),
        reverse("energy:gateways", args=[site.pk]),
        reverse("energy:rejections", args=[site.pk]),
        reverse("energy:unit", args=[flat.pk]),
        reverse("energy:meter", args=[hca.pk]),
        reverse("energy:allocations"),
    ]:
        problems += _fits_every_phone_and_runs_its_scripts(csp_page, path)
    assert problems == []
    # The charts were drawn: Chart.js ran, which the policy would have stopped inline.
    csp_page.goto(csp_page.base_url + reverse("energy:site", args=[site.pk]))
    assert csp_page.evaluate(
        "() => [...document.querySelectorAll('canvas')].every(c => Chart.getChart(c))"
    )


def test_the_residents_unit_and_statement_fit_a_phone(csp_page, actors, season, flats):  # noqa: F811
    from distretto.energy import allocation_services

    allocation_services.close_run(season)
    own = flats["A"]
    _sign_in(csp_page, actors.cardholder)
    problems = []
    for path in [
        reverse("energy:my_unit"),
        reverse("energy:unit", args=[own.pk]),
        reverse("energy:allocations"),
        reverse("energy:allocation_unit", args=[season.pk, own.pk]),
    ]:
        problems += _fits_every_phone_and_runs_its_scripts(csp_page, path)
    assert problems == []


def test_badges_are_readable(page, actors, complex_with_readings):
    """The amber "Avviso" badge (and every other) passes axe-core's contrast check
    (axe is added to the page as a script, so this page does not enforce the policy)."""
    _sign_in(page, actors.energy_manager)
    page.goto(page.base_url + reverse("energy:site", args=[complex_with_readings.pk]))
    assert page.locator(".badge.warning").count() >= 3
    page.add_script_tag(content=AXE.read_text())
    failing = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ["color-contrast"]})).violations
          .flatMap(v => v.nodes.map(n => n.target.join(" ")))"""
    )
    assert failing == []


def test_anomalies_explain_themselves_in_a_sentence(page, actors, complex_with_readings, hca):
    _sign_in(page, actors.energy_manager)
    page.goto(page.base_url + reverse("energy:site", args=[complex_with_readings.pk]))
    sentences = page.locator("table.anomalies td.explanation").all_inner_texts()
    assert len(sentences) == 10
    text = "\n".join(sentences)
    silent = "Il contatore 12345678 di Interno 1 non invia nulla dal 5 gennaio 2026 alle 11:30"
    assert silent in text
    assert "almeno ogni 3 ore" in text
    assert "1.234,5" in text and "1234.5000000000002" not in text
    assert "3,20 per grado giorno, 2,5 volte" in text
    assert "65\u00a0%" in text and "1,20 kW" in text
    assert "Rendimento della caldaia (il contatore 87654321 di Interno 1)" in text
    assert "il sigillo è rotto e la batteria è scarica" in text
    assert "«SEAL_BROKEN»" in text or "“SEAL_BROKEN”" in text
    assert "12345678 (12 unità) e M0009 (3,5 unità)" in text
    assert "A rule from the future" in text  # an unknown rule still gets a sentence
    for raw in ("{", "[", "last_reading", "expected_minutes", "per_degree_day", "None"):
        assert raw not in text
    assert not ISO_TIME.search(text)
    # Each subject leads to its page.
    link = page.locator("td.explanation a", has_text="contatore 12345678").first
    assert link.get_attribute("href") == reverse("energy:meter", args=[hca.pk])
    link.click()
    page.wait_for_url(f"**{reverse('energy:meter', args=[hca.pk])}")


def test_the_anomaly_e_mail_says_the_same_sentence(actors, site, hca):
    actors.energy_manager.email = "energia@example.org"
    actors.energy_manager.save()
    hca.last_ts = timezone.now() - dt.timedelta(days=2)
    hca.last_value = 12.0
    hca.save()
    with translation.override("en"):
        anomalies.detect(site)
    body = mail.outbox[-1].body
    assert "Meter 12345678 of Interno 1 has sent nothing since" in body
    assert "at least every 3 hours" in body
    assert "last_reading" not in body and not ISO_TIME.search(body)


def test_an_unreadable_evidence_still_reads_as_a_sentence(site, flat):
    anomaly = Anomaly.objects.create(
        site=site,
        rule=Anomaly.Rule.CONSUMPTION_SPIKE,
        severity="warning",
        started_at=timezone.now(),
        evidence={"ratio": "not a number", "day": None},
        unit=flat,
    )
    with translation.override("en"):
        sentence = explain.explain_text(anomaly)
    assert sentence.startswith("Interno 1: “Consumption spike” since ")
    assert "not a number" not in sentence


def test_meter_readings_show_the_meters_precision(page, actors, flat, water_meter):
    day = _day(1)
    _hourly(water_meter, day, [3.5989999999999895, 3.6, 3.7000000000000006])
    _sign_in(page, actors.cardholder)  # the resident of the flat reaches the page
    page.goto(page.base_url + reverse("energy:meter", args=[water_meter.pk]))
    cells = page.locator("main table tbody tr").all_inner_texts()
    assert [c.split("\t")[1:] for c in cells] == [
        ["3,700", "0,100"],
        ["3,600", "0,001"],
        ["3,599", "–"],
    ]
    body = page.locator("main").inner_text()
    assert "99999" not in body and "00000" not in body and "m³" in body
    values = page.evaluate(
        "() => Chart.getChart(document.getElementById('meter-chart')).data.datasets[0].data"
    )
    assert values == [3.599, 3.6, 3.7]


def test_a_meter_reports_with_as_many_decimals_as_its_readings_carry():
    assert display.decimals_of([3.5989999999999895, 3.6]) == 3
    assert display.decimals_of([12.0, 13.0, None]) == 0
    assert display.decimals_of([0.1 + 0.2]) == 1
    assert display.decimals_of([1 / 3]) == display.MAX_DECIMALS


def test_consumption_charts_show_one_measure_each_with_titled_axes(
    page, actors, complex_with_readings
):
    _sign_in(page, actors.energy_manager)
    page.goto(
        page.base_url
        + reverse("energy:site", args=[complex_with_readings.pk])
        + f"?from={_day(1)}&to={_day(1)}&granularity=hour"
    )
    charts = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-consumption]')].map(c => {
          const chart = Chart.getChart(c);
          const {x, y} = chart.options.scales;
          return {y: y.title.text, x: x.title.text, shown: y.title.display && x.title.display,
                  series: chart.data.datasets.map(d => d.label)};
        })"""
    )
    assert [c["y"] for c in charts] == ["kWh", "unità di ripartizione", "kWh", "Sm³", "m³"]
    assert all(c["shown"] and c["x"] == "Ora" for c in charts)
    captions = page.locator("#consumption figcaption").all_inner_texts()
    assert captions[0].startswith("Calore") and captions[2].startswith("Elettricità")
    ranked = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-ranking]')]
          .flatMap(c => Chart.getChart(c).data.labels)"""
    )
    assert set(ranked) >= {"Interno 1", "Interno 2", "Interno 10"}
    links = page.locator("#units-of-the-site a").all_inner_texts()
    assert links[:3] == ["Interno 1", "Interno 2", "Interno 10"]


def test_the_unit_page_draws_one_chart_per_measure(page, actors, complex_with_readings, flat):
    _sign_in(page, actors.cardholder)
    page.goto(
        page.base_url + reverse("energy:unit", args=[flat.pk]) + f"?from={_day(1)}&to={_day(1)}"
    )
    units = page.evaluate(
        """() => [...document.querySelectorAll('canvas[data-consumption]')]
          .map(c => Chart.getChart(c).options.scales.y.title.text)"""
    )
    assert units == ["kWh", "unità di ripartizione", "m³"]


def test_units_sort_naturally():
    names = ["Interno 10", "interno 2", "Interno 1", "Negozio A"]
    assert display.naturally(names) == ["Interno 1", "interno 2", "Interno 10", "Negozio A"]


def test_the_empty_energy_page_leads_to_the_first_site(page, actors):
    _sign_in(page, actors.energy_manager)
    page.goto(page.base_url + reverse("energy:sites"))
    empty = page.locator("#no-sites")
    assert "API" not in page.locator("main").inner_text()
    assert "admin" not in page.locator("main").inner_text().lower()
    empty.get_by_role("link", name="Aggiungi il primo sito").click()
    page.wait_for_url(f"**{reverse('energy:site_new')}")


def test_someone_with_no_site_in_scope_is_told_whom_to_ask(page, actors):
    _sign_in(page, actors.cardholder)
    page.goto(page.base_url + reverse("energy:sites"))
    text = page.locator("#no-sites").inner_text()
    assert "API" not in text and "gestore energetico" in text


def test_gateways_are_added_and_revoked_by_page_on_a_phone(csp_page, actors, site):
    _sign_in(csp_page, actors.energy_manager)
    csp_page.set_viewport_size(PHONES[1])
    csp_page.goto(csp_page.base_url + reverse("energy:gateways", args=[site.pk]))
    assert "Aggiungi un gateway" in csp_page.locator("#gateways").inner_text()  # empty state
    csp_page.fill("#add-gateway input[name=name]", "Ricevitore scala B")
    csp_page.click("#add-gateway button[type=submit]")
    token = csp_page.locator("#gateway-token").inner_text()
    assert token.startswith("dst_")
    assert not csp_page.evaluate(WIDER_THAN_THE_SCREEN)
    row = csp_page.locator("#gateways tbody tr", has_text="Ricevitore scala B")
    row.get_by_role("button", name="Revoca").click()
    csp_page.wait_for_selector("#gateways tbody tr:has-text('revocato')")
    assert csp_page.locator("#gateway-token").count() == 0
    assert csp_page.evaluate("() => window.__csp") == []
