"""The monthly PDF report: its text, in Italian, with the change on the previous
month and year, the districts' table and the notes on estimates."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from distretto.loyalty import services as loyalty
from distretto.observatory import compute, report
from distretto.observatory.models import MonthlyReport, MonthlyValue
from distretto.observatory.tests.conftest import at, new_card

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def year_of_cards(actors):
    """Active cards: 1,000 in March 2025, 1,100 in February 2026, 1,210 in March 2026
    (+10 % on the month, +21 % on the year); an energy saving in March 2026."""
    for month, cards in (
        (date(2025, 3, 1), 1000),
        (date(2026, 2, 1), 1100),
        (date(2026, 3, 1), 1210),
    ):
        for district in (actors.district, None):
            MonthlyValue.objects.create(
                chamber=actors.chamber,
                district=district,
                month=month,
                indicator="cards_active",
                value=cards,
                basis=cards,
                computed_at=at(1, month=4),
            )
    MonthlyValue.objects.create(
        chamber=actors.chamber,
        month=date(2026, 3, 1),
        indicator="energy_savings_eur",
        value=1234.5,
        computed_at=at(1, month=4),
    )


def test_the_report_says_the_key_figures_and_their_change(actors, year_of_cards):
    text = text_of(report.build(actors.chamber, date(2026, 3, 1), "it"))
    assert "Camera di Commercio di Lodi" in text
    assert "marzo 2026" in text.lower()
    assert "Carte attive" in text
    assert "1.210" in text
    assert "+10,0 %" in text
    assert "+21,0 %" in text
    assert "1.234,50" in text  # estimated savings, Italian number format
    assert "Distretto di Lodi" in text  # the districts' table
    assert "ISPRA" in text and "ARERA" in text  # the notes on estimates


def test_the_report_in_english(actors, year_of_cards):
    text = text_of(report.build(actors.chamber, date(2026, 3, 1), "en"))
    assert "Active cards" in text
    assert "March 2026" in text
    assert "1,210" in text


def test_the_command_makes_and_keeps_the_report(actors, year_of_cards, tmp_path):
    target = tmp_path / "report.pdf"
    out = StringIO()
    call_command(
        "observatory-report",
        "--chamber",
        "lodi",
        "--month",
        "2026-03",
        "--output",
        str(target),
        stdout=out,
    )
    stored = MonthlyReport.objects.get(chamber=actors.chamber, month=date(2026, 3, 1))
    assert target.read_bytes() == bytes(stored.pdf)
    assert "Carte attive" in text_of(target.read_bytes())


def test_the_refresh_command_recomputes_a_month_and_runs_incrementally(actors, program):
    card = new_card(program, at(1))
    loyalty.earn(card, actors.shop, Decimal("12.00"), now=at(5))
    out = StringIO()
    call_command("observatory-refresh", "--month", "2026-03", stdout=out)
    assert "2026-03:" in out.getvalue()
    assert (
        MonthlyValue.objects.get(
            district=actors.district, month=date(2026, 3, 1), indicator="cards_active"
        ).value
        == 1
    )
    months = compute.months_to_refresh(date(2026, 5, 20))
    assert months == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]


def test_the_refresh_command_refuses_a_bad_month(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("observatory-refresh", "--month", "March", stdout=StringIO())
