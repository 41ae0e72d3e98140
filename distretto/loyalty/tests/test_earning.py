"""Earning rules: base rate, the shop's multiplier, district campaigns, in that order."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from distretto.loyalty import earning, services
from distretto.loyalty.models import Account, Campaign

ROME = ZoneInfo("Europe/Rome")
SATURDAY_11 = datetime(2025, 3, 15, 11, 0, tzinfo=ROME)


def rule(**fields) -> earning.CampaignRule:
    defaults = {"id": 1, "name": "c", "starts_on": date(2025, 1, 1), "ends_on": date(2025, 12, 31)}
    return earning.CampaignRule(**(defaults | fields))


def evaluate(amount="23.50", multiplier=None, campaigns=(), awarded=None, when=SATURDAY_11):
    return earning.evaluate(
        amount=Decimal(amount),
        earn_rate=Decimal("1.00"),
        merchant_multiplier=Decimal(multiplier) if multiplier else None,
        campaigns=list(campaigns),
        when=when,
        business_id=7,
        category="bakery",
        already_awarded_today=awarded or {},
    )


def test_base_and_merchant_multiplier_round_down_once():
    result = evaluate("23.50", multiplier="1.50")
    # 23.50 × 1.00 = 23.5 → 23 base; × 1.5 = 35.25 → 35 shop points (12 from the multiplier)
    assert result.merchant_points == 35
    assert [r["rule"] for r in result.applied_rules] == ["base", "merchant_multiplier"]
    assert result.applied_rules[1]["points"] == 12


def test_campaign_multiplier_and_fixed_bonus_are_applied_in_order():
    double = rule(id=1, name="Sabato", multiplier=Decimal("2"), weekdays=(5,))
    bonus = rule(id=2, name="Benvenuto", bonus_points=50, min_spend=Decimal("20"))
    result = evaluate("23.50", campaigns=[double, bonus])
    # 23 shop points; Sabato doubles them (+23); Benvenuto adds 50 (spend ≥ 20)
    assert result.campaign_points == {1: 23, 2: 50}
    assert result.total == 96
    assert [r.get("name") for r in result.applied_rules] == [None, "Sabato", "Benvenuto"]


@pytest.mark.parametrize(
    "campaign",
    [
        rule(multiplier=Decimal("2"), weekdays=(0,)),  # Mondays only
        rule(multiplier=Decimal("2"), time_from=time(15), time_to=time(19)),
        rule(multiplier=Decimal("2"), categories=("books",)),
        rule(multiplier=Decimal("2"), min_spend=Decimal("30")),
        rule(multiplier=Decimal("2"), starts_on=date(2025, 4, 1)),
    ],
)
def test_campaigns_outside_their_window_do_not_apply(campaign):
    assert evaluate("23.50", campaigns=[campaign]).campaign_points == {}


def test_a_listed_business_matches_even_outside_the_categories():
    campaign = rule(multiplier=Decimal("2"), categories=("books",), business_ids=(7,))
    assert evaluate("10.00", campaigns=[campaign]).campaign_points == {1: 10}


def test_cap_per_card_per_day_cuts_the_bonus():
    campaign = rule(bonus_points=50, cap_per_card_per_day=80)
    assert evaluate(campaigns=[campaign], awarded={1: 60}).campaign_points == {1: 20}
    capped = evaluate(campaigns=[campaign], awarded={1: 80})
    assert capped.campaign_points == {1: 0}
    assert capped.applied_rules[-1]["capped"] is True
    # The capped campaigns that matched are named, for the caller to check its sums.
    assert capped.capped_campaigns == [1]
    assert evaluate(campaigns=[rule(bonus_points=50)]).capped_campaigns == []


@pytest.mark.django_db
def test_campaign_bonus_is_paid_by_the_promotion_budget_not_the_shop(actors, program, card):
    Campaign.objects.create(
        program=program,
        name="Tutti i giorni",
        starts_on=date(2000, 1, 1),
        ends_on=date(2100, 1, 1),
        bonus_points=40,
        cap_per_card_per_day=60,
    )
    first = services.earn(card, actors.shop, Decimal("10.00"))
    second = services.earn(card, actors.shop, Decimal("10.00"))
    assert (first["points"], second["points"]) == (50, 30)  # 10 + 40, then 10 + the 20 left
    shop = Account.objects.get(kind="merchant_issued", business=actors.shop)
    promotion = Account.objects.get(kind="promotion", program=program)
    assert (shop.current_balance(), promotion.current_balance()) == (-20, -60)
