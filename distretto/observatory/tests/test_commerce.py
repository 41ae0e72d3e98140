"""Commerce indicators against the hand-counted March and against the settlement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from distretto.loyalty import settlement
from distretto.observatory import compute
from distretto.observatory.models import MonthlyValue
from distretto.observatory.tests.conftest import MARCH
from distretto.territory.models import Business

pytestmark = pytest.mark.django_db


def stored(district, code: str, part: str = "") -> MonthlyValue:
    return MonthlyValue.objects.get(district=district, month=MARCH, indicator=code, part=part)


def chamber_value(chamber, code: str) -> MonthlyValue:
    return MonthlyValue.objects.get(
        chamber=chamber, district=None, month=MARCH, indicator=code, part=""
    )


def test_commerce_indicators_match_the_hand_count(actors, commerce):
    compute.refresh_month(MARCH)

    expected = {
        "cards_active": 2,
        "cards_new": 2,
        "merchants_active": 2,
        "cards_cross_shopping": 1,
        "purchases_eur": 100.0,
        "points_issued": 100,
        "points_redeemed": 40,
        "redemption_rate": 40.0,
        "settlement_flows_eur": 0.2,
    }
    for code, value in expected.items():
        assert stored(actors.district, code).value == value, code
        assert chamber_value(actors.chamber, code).value == value, code


def test_commerce_reconciles_with_the_monthly_settlement(actors, program, commerce):
    compute.refresh_month(MARCH)
    report = settlement.statement(program, "2026-03", Business.objects.all())

    assert stored(actors.district, "points_issued").value == report["district"]["points_issued"]
    assert stored(actors.district, "points_redeemed").value == report["district"]["points_redeemed"]
    paid = sum(
        (Decimal(row["net"]) for row in report["businesses"] if Decimal(row["net"]) > 0),
        Decimal(0),
    )
    assert Decimal(str(stored(actors.district, "settlement_flows_eur").value)) == paid


def test_a_closed_month_is_refreshed_when_it_closes(
    actors, program, commerce, django_capture_on_commit_callbacks
):
    assert not MonthlyValue.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        settlement.close_period(program, "2026-03")

    assert stored(actors.district, "points_issued").value == 100


def test_a_month_can_be_recomputed_after_late_data(actors, program, commerce):
    from distretto.loyalty import services as loyalty
    from distretto.observatory.tests.conftest import at

    compute.refresh_month(MARCH)
    loyalty.earn(commerce["c"], actors.other_shop, Decimal("5.00"), now=at(28))
    compute.refresh_month(MARCH)

    assert stored(actors.district, "cards_active").value == 3
    assert stored(actors.district, "purchases_eur").value == 105.0
    assert (
        MonthlyValue.objects.filter(district=actors.district, indicator="cards_active").count() == 1
    )
