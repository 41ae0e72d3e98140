"""How many points a purchase earns, and which rules gave them. Pure: no ORM.

Evaluation order (the answer's ``applied_rules`` lists the steps in this order):

1. **base**: ``amount × programme earn rate``.
2. **merchant_multiplier**: the shop's own multiplier on the base, when it has one.
   Steps 1-2 give the shop's points, rounded down; the shop is charged for them.
3. **campaigns**, by ascending ``priority`` then id, each one that matches the
   purchase (active, date window, weekday, local time window, category or list of
   businesses, minimum spend): a multiplier adds ``shop points × (multiplier − 1)``,
   a fixed bonus adds its points; each is rounded down and cut to what is left of
   its cap per card per day. Campaign points are paid by the district's promotion
   budget, never charged to the shop.

Points are whole numbers, always rounded down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_FLOOR, Decimal


@dataclass(frozen=True)
class CampaignRule:
    id: int
    name: str
    starts_on: date
    ends_on: date
    weekdays: tuple[int, ...] = ()
    time_from: time | None = None
    time_to: time | None = None
    categories: tuple[str, ...] = ()
    business_ids: tuple[int, ...] = ()
    multiplier: Decimal | None = None
    bonus_points: int | None = None
    min_spend: Decimal | None = None
    cap_per_card_per_day: int | None = None

    def matches(self, *, amount: Decimal, when: datetime, business_id: int, category: str) -> bool:
        if not self.starts_on <= when.date() <= self.ends_on:
            return False
        if self.weekdays and when.weekday() not in self.weekdays:
            return False
        if self.time_from and self.time_to and not self.time_from <= when.time() < self.time_to:
            return False
        if (self.categories or self.business_ids) and not (
            category in self.categories or business_id in self.business_ids
        ):
            return False
        return self.min_spend is None or amount >= self.min_spend


@dataclass
class Earning:
    merchant_points: int
    campaign_points: dict[int, int] = field(default_factory=dict)  # campaign id → points
    applied_rules: list[dict] = field(default_factory=list)
    # The matching campaigns with a cap per card per day, whose sums were read.
    capped_campaigns: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.merchant_points + sum(self.campaign_points.values())


def floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def evaluate(
    *,
    amount: Decimal,
    earn_rate: Decimal,
    merchant_multiplier: Decimal | None,
    campaigns: list[CampaignRule],
    when: datetime,
    business_id: int,
    category: str,
    already_awarded_today: dict[int, int],
) -> Earning:
    """The points earned by a purchase of ``amount`` euro at local time ``when``."""
    base = amount * earn_rate
    rules: list[dict] = [{"rule": "base", "rate": f"{earn_rate:.2f}", "points": floor(base)}]
    shop_points = base
    if merchant_multiplier is not None and merchant_multiplier != 1:
        shop_points = base * merchant_multiplier
        rules.append(
            {
                "rule": "merchant_multiplier",
                "multiplier": f"{merchant_multiplier:.2f}",
                "points": floor(shop_points) - floor(base),
            }
        )
    earning = Earning(merchant_points=floor(shop_points), applied_rules=rules)
    for campaign in campaigns:
        if not campaign.matches(
            amount=amount, when=when, business_id=business_id, category=category
        ):
            continue
        if campaign.multiplier is not None:
            points = floor(earning.merchant_points * (campaign.multiplier - 1))
        else:
            points = campaign.bonus_points or 0
        capped = False
        if campaign.cap_per_card_per_day is not None:
            earning.capped_campaigns.append(campaign.id)
            room = max(0, campaign.cap_per_card_per_day - already_awarded_today.get(campaign.id, 0))
            capped = points > room
            points = min(points, room)
        if points <= 0 and not capped:
            continue
        earning.campaign_points[campaign.id] = points
        rule = {"rule": "campaign", "campaign": campaign.id, "name": campaign.name}
        if campaign.multiplier is not None:
            rule["multiplier"] = f"{campaign.multiplier:.2f}"
        rule["points"] = points
        if capped:
            rule["capped"] = True
        rules.append(rule)
    return earning
