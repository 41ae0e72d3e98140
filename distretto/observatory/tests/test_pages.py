"""Who sees the observatory's pages, what the open-data page shows, the reports."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from distretto.observatory import indicators as ind
from distretto.observatory import report, services
from distretto.observatory.models import MonthlyReport, MonthlyValue
from distretto.observatory.tests.conftest import at

pytestmark = pytest.mark.django_db

MONTH = "from=2026-01&to=2026-03"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def values(actors):
    """Three months of active cards in both chambers' districts and Lodi's total."""
    for n, month in enumerate((date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1))):
        for district, chamber, cards in (
            (actors.district, actors.chamber, 1200 + 100 * n),
            (None, actors.chamber, 1200 + 100 * n),
            (actors.other_district, actors.other_chamber, 7),
        ):
            MonthlyValue.objects.create(
                chamber=chamber,
                district=district,
                month=month,
                indicator="cards_active",
                value=cards,
                numerator=cards,
                basis=cards,
                computed_at=at(1, month=4),
            )


def test_the_operator_sees_the_chamber_with_its_districts(actors, values):
    page = client_for(actors.operator).get(f"/observatory/?{MONTH}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Camera di Commercio di Lodi" in text
    assert "1.400" in text  # Italian thousands separator
    assert "Distretto di Lodi" in text
    assert "Distretto di Cuneo" not in text
    assert "<script>" not in text.replace('<script src="', "")  # no inline scripts
    # The chart's months are written in Italian, not as ISO codes.
    assert page.context["chart"]["months"] == ["gen. 2026", "feb. 2026", "mar. 2026"]


def test_a_district_manager_sees_only_their_district(actors, values):
    page = client_for(actors.manager).get(f"/observatory/?{MONTH}")
    assert page.status_code == 200
    assert page.context["scope"].district == actors.district
    assert not page.context["sees_total"]
    other = client_for(actors.outsider).get(f"/observatory/?chamber=lodi&{MONTH}")
    assert other.status_code == 404


@pytest.mark.parametrize("who", ["merchant", "cardholder", "assessor"])
def test_other_roles_find_no_observatory(actors, who):
    assert client_for(getattr(actors, who)).get("/observatory/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(db):
    page = Client().get("/observatory/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_a_bad_period_says_so_and_shows_the_default(actors, values):
    page = client_for(actors.operator).get("/observatory/?from=2026-99")
    assert page.status_code == 200
    assert "YYYY-MM" in page.content.decode()


def test_the_open_data_page_is_public(actors, values):
    page = Client().get("/observatory/open-data/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "CC BY 4.0" in text
    assert "cards_active" in text
    assert "/api/v1/observatory/catalog.json" in text


def test_the_operator_makes_and_downloads_a_report(actors, values):
    client = client_for(actors.operator)
    made = client.post("/observatory/reports/", {"chamber": "lodi", "month": "2026-03"})
    assert made.status_code == 302
    stored = MonthlyReport.objects.get(chamber=actors.chamber, month=date(2026, 3, 1))
    download = client.get("/observatory/reports/lodi/2026-03.pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content == bytes(stored.pdf)
    assert (
        client_for(actors.outsider).get("/observatory/reports/lodi/2026-03.pdf").status_code == 404
    )


def test_a_manager_cannot_make_the_chamber_report(actors, values):
    made = client_for(actors.manager).post(
        "/observatory/reports/", {"chamber": "lodi", "month": "2026-03"}
    )
    assert made.status_code == 404
    assert not MonthlyReport.objects.exists()


def test_a_report_without_figures_is_refused_with_a_message(actors):
    client = client_for(actors.operator)
    made = client.post(
        "/observatory/reports/", {"chamber": "lodi", "month": "2025-01"}, follow=True
    )
    assert "refresh" in made.content.decode() or "aggiorna" in made.content.decode()
    assert not MonthlyReport.objects.exists()
    with pytest.raises(report.Invalid):
        report.build(actors.chamber, date(2025, 1, 1))


def test_the_page_in_english_names_indicators_and_units_in_english(actors, values):
    client = client_for(actors.operator)
    client.cookies["django_language"] = "en"
    text = client.get(f"/observatory/?{MONTH}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Active cards" in text
    assert "1,400" in text
    assert ">cards<" in text


def test_a_change_is_coloured_by_what_it_means_not_by_its_sign(actors):
    """More heat used is bad news and less is good; more active cards are good news;
    a redemption rate is neither. The arrow follows the sign, the colour the meaning."""
    for code, february, march in (
        ("cards_active", 1000, 1100),
        ("energy_heat_kwh", 2000, 2500),
        ("energy_heat_per_m2_dd", 12.0, 10.0),
        ("energy_savings_eur", 50.0, 40.0),
        ("redemption_rate", 30.0, 40.0),
    ):
        for month, value in ((date(2026, 2, 1), february), (date(2026, 3, 1), march)):
            MonthlyValue.objects.create(
                chamber=actors.chamber,
                month=month,
                indicator=code,
                value=value,
                numerator=value,
                computed_at=at(1, month=4),
            )
    page = client_for(actors.operator).get(f"/observatory/?chamber=lodi&{MONTH}")
    assert page.status_code == 200
    text = page.content.decode()

    def change_on_the_month(code: str) -> tuple[str, str]:
        card = re.search(rf'data-code="{code}">(.*?)</div>', text, re.DOTALL)
        assert card, code
        span = re.search(r'<span class="change ([a-z ]+)" data-tone="(\w*)">(.*?)</span>', card[1])
        assert span, code
        classes = set(span[1].split())
        direction = "up" if "up" in classes else "down"
        assert span[2] in classes or span[2] == ""
        return direction, span[2]

    assert change_on_the_month("cards_active") == ("up", "good")
    assert change_on_the_month("energy_heat_kwh") == ("up", "bad")
    assert change_on_the_month("energy_heat_per_m2_dd") == ("down", "good")
    assert change_on_the_month("energy_savings_eur") == ("down", "bad")
    assert change_on_the_month("redemption_rate") == ("up", "neutral")
    assert "▲" in text and "▼" in text
    assert "(buona notizia)" in text and "(cattiva notizia)" in text


def test_every_indicator_reads_its_changes_one_way():
    for indicator in ind.INDICATORS:
        up, down = services.tone(indicator, 5.0), services.tone(indicator, -5.0)
        if indicator.higher_is_better is None:
            assert up == down == "neutral", indicator.code
        else:
            assert {up, down} == {"good", "bad"}, indicator.code
        assert services.tone(indicator, 0.0) == services.tone(indicator, None) == ""
    assert services.tone(ind.get("energy_heat_kwh"), 3.0) == "bad"
    assert services.tone(ind.get("energy_savings_co2_kg"), 3.0) == "good"
