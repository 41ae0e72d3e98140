"""Monthly settlement between the shops and the district, read from the ledger.

Per business and period: points issued (net of reversals) are due to the district
at the point value; points redeemed are credited back; campaign bonuses at the
shop are paid by the district and not charged. The district statement adds the
outstanding liability (sum of card balances) at the start and end of the period
and the breakage posted by expiry; ``reconciles`` says that the movement of the
liability equals the sum of all the period's flows, point for point and to the cent.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.core.errors import Conflict, Invalid
from distretto.loyalty import ledger
from distretto.loyalty.ledger import money
from distretto.loyalty.models import Account, Entry, Program, SettlementPeriod
from distretto.territory.models import Business

PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> tuple[int, int]:
    match = PERIOD_PATTERN.match(text or "")
    if not match:
        raise Invalid(_("The period is written YYYY-MM."), field="period")
    return int(match.group(1)), int(match.group(2))


def period_bounds(program: Program, period: str) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of the month in the district's time zone."""
    year, month = parse_period(period)
    zone = ZoneInfo(program.district.time_zone)
    next_year, next_month = ledger.add_months(year, month, 1)
    return (
        datetime(year, month, 1, tzinfo=zone),
        datetime(next_year, next_month, 1, tzinfo=zone),
    )


def _sum(entries) -> int:
    return entries.aggregate(total=Sum("points"))["total"] or 0


def business_statement(program: Program, business: Business, period: str) -> dict:
    in_period = Entry.objects.filter(transaction__program=program, transaction__period=period)
    issued = -_sum(
        in_period.filter(account__kind=Account.Kind.MERCHANT_ISSUED, account__business=business)
    )
    redeemed = _sum(
        in_period.filter(account__kind=Account.Kind.MERCHANT_REDEEMED, account__business=business)
    )
    bonus = -_sum(
        in_period.filter(account__kind=Account.Kind.PROMOTION, transaction__business=business)
    )
    value = program.point_value
    due = Decimal(money(issued * value))
    credited = Decimal(money(redeemed * value))
    return {
        "business": business.pk,
        "business_name": business.name,
        "period": period,
        "points_issued": issued,
        "points_redeemed": redeemed,
        "bonus_points": bonus,
        "amount_due": money(due),
        "amount_credited": money(credited),
        "net": money(credited - due),
    }


def _liability_at(program: Program, moment: datetime) -> int:
    return _sum(
        Entry.objects.filter(
            account__program=program,
            account__kind=Account.Kind.CARD,
            transaction__posted_at__lt=moment,
        )
    )


def district_statement(program: Program, period: str) -> dict:
    start, end = period_bounds(program, period)
    in_period = Entry.objects.filter(transaction__program=program, transaction__period=period)
    flows = {
        kind: _sum(in_period.filter(account__kind=kind))
        for kind in (
            Account.Kind.MERCHANT_ISSUED,
            Account.Kind.MERCHANT_REDEEMED,
            Account.Kind.PROMOTION,
            Account.Kind.BREAKAGE,
        )
    }
    card_movement = _sum(in_period.filter(account__kind=Account.Kind.CARD))
    opening = _liability_at(program, start)
    closing = _liability_at(program, end)
    issued = -flows[Account.Kind.MERCHANT_ISSUED]
    promotion = -flows[Account.Kind.PROMOTION]
    redeemed = flows[Account.Kind.MERCHANT_REDEEMED]
    breakage = flows[Account.Kind.BREAKAGE]
    value = program.point_value
    return {
        "period": period,
        "points_issued": issued,
        "points_redeemed": redeemed,
        "promotion_points": promotion,
        "breakage_points": breakage,
        "liability_opening_points": opening,
        "liability_points": closing,
        "liability_opening": money(opening * value),
        "liability": money(closing * value),
        "breakage": money(breakage * value),
        "promotion_cost": money(promotion * value),
        "reconciles": (
            closing - opening == issued + promotion - redeemed - breakage == card_movement
        ),
    }


def statement(program: Program, period: str, businesses) -> dict:
    """The settlement of ``period`` for ``businesses`` (frozen figures once closed)."""
    parse_period(period)
    closed = SettlementPeriod.objects.filter(program=program, period=period).first()
    if closed is not None:
        figures = closed.figures
        wanted = set(businesses.values_list("pk", flat=True))
        rows = [row for row in figures["businesses"] if row["business"] in wanted]
        return {
            "program": program.pk,
            "period": period,
            "closed": True,
            "closed_at": closed.closed_at,
            "businesses": rows,
            "district": figures["district"],
        }
    participants = Business.objects.filter(
        Q(pk__in=businesses.values("pk")),
        Q(district=program.district_id) | Q(pk__in=_active_businesses(program, period)),
    ).order_by("name")
    return {
        "program": program.pk,
        "period": period,
        "closed": False,
        "closed_at": None,
        "businesses": [business_statement(program, b, period) for b in participants],
        "district": district_statement(program, period),
    }


def _active_businesses(program: Program, period: str):
    return (
        Entry.objects.filter(transaction__program=program, transaction__period=period)
        .exclude(account__business=None)
        .values("account__business")
    )


def close_period(program: Program, period: str, *, by=None) -> SettlementPeriod:
    """Freeze ``period``: its figures are stored and nothing may be posted into it."""
    _start, end = period_bounds(program, period)
    if end > timezone.now():
        raise Conflict(_("Only a period that has ended can be closed."), code="period_open")
    with transaction.atomic():
        if SettlementPeriod.objects.filter(program=program, period=period).exists():
            raise Conflict(_("The period is already closed."), code="period_closed")
        everyone = Business.objects.filter(district=program.district_id)
        open_figures = statement(program, period, everyone)
        return SettlementPeriod.objects.create(
            program=program,
            period=period,
            closed_at=timezone.now(),
            closed_by=by,
            figures={
                "businesses": open_figures["businesses"],
                "district": open_figures["district"],
            },
        )
