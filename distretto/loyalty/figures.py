"""Read-only figures of the fidelity card for the observatory, per district and month.

Every function takes district ids and a month (its first day) and returns plain
numbers per district id; nothing here writes. The figures are those of the ledger
and of the monthly settlement (``settlement.py``): points issued and redeemed are
the settlement's, net of reversals; a month is the programme's local ``period``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.signals import post_save
from django.db.transaction import on_commit

from distretto.loyalty.models import Account, Card, Entry, LedgerTransaction, SettlementPeriod
from distretto.territory.figures import district_zones, month_bounds

Kind = LedgerTransaction.Kind
TILL_KINDS = (Kind.EARN, Kind.REDEEM)


class CommerceFigures(TypedDict):
    cards_active: int  # cards with an earn or a redemption at a till
    cards_new: int  # cards issued (replacements included)
    cards_cross_shopping: int  # cards that moved points at two or more shops
    merchants_active: int  # shops with an earn or a redemption
    purchases_eur: Decimal  # purchase amounts of earns, less reversed earns
    points_issued: int  # settlement: issued by the shops, net of reversals
    points_redeemed: int  # settlement: redeemed at the shops, net of reversals
    settlement_paid_eur: Decimal  # Σ of the shops' positive net (credited - due)
    shops_settled: int  # shops with a settlement figure in the month


def period_of(month: date) -> str:
    return f"{month:%Y-%m}"


def _empty() -> CommerceFigures:
    return {
        "cards_active": 0,
        "cards_new": 0,
        "cards_cross_shopping": 0,
        "merchants_active": 0,
        "purchases_eur": Decimal("0.00"),
        "points_issued": 0,
        "points_redeemed": 0,
        "settlement_paid_eur": Decimal("0.00"),
        "shops_settled": 0,
    }


def commerce(district_ids: Iterable[int], month: date) -> dict[int, CommerceFigures]:
    """The card's figures of ``month`` for each district (districts without a
    programme are absent)."""
    ids = list(district_ids)
    period = period_of(month)
    result: dict[int, CommerceFigures] = defaultdict(_empty)
    in_month = LedgerTransaction.objects.filter(program__district__in=ids, period=period)
    till = in_month.filter(kind__in=TILL_KINDS)
    for row in till.values("program__district").annotate(
        cards=Count("card", distinct=True),
        shops=Count("business", distinct=True),
        earned=Sum("amount", filter=Q(kind=Kind.EARN)),
    ):
        figures = result[row["program__district"]]
        figures["cards_active"] = row["cards"]
        figures["merchants_active"] = row["shops"]
        figures["purchases_eur"] = row["earned"] or Decimal(0)
    crossing = (
        till.values("program__district", "card")
        .annotate(shops=Count("business", distinct=True))
        .filter(shops__gte=2)
        .values_list("program__district", flat=True)
    )
    for district_id in crossing:
        result[district_id]["cards_cross_shopping"] += 1
    reversed_earns = (
        in_month.filter(kind=Kind.REVERSAL, reverses__kind=Kind.EARN)
        .values("program__district")
        .annotate(amount=Sum("amount"))
    )
    for row in reversed_earns:
        result[row["program__district"]]["purchases_eur"] -= row["amount"] or Decimal(0)
    _settlement(ids, period, result)
    for district_id, zone in district_zones(ids).items():
        start, end = month_bounds(zone, month)
        new = Card.objects.filter(
            program__district=district_id, created_at__gte=start, created_at__lt=end
        ).count()
        if new or district_id in result:
            result[district_id]["cards_new"] = new
    return dict(result)


def _settlement(ids: list[int], period: str, result: dict) -> None:
    """Per shop: points issued and redeemed in ``period`` (the settlement's figures)."""
    # The month's movements lie in a range of ids: bounding the entries by it lets the
    # database read that range of entries only (filtering by the movement's period
    # alone, PostgreSQL reads every merchant entry ever posted).
    bounds = LedgerTransaction.objects.filter(program__district__in=ids, period=period).aggregate(
        first=Min("pk"), last=Max("pk")
    )
    if bounds["first"] is None:
        return
    rows = (
        Entry.objects.filter(
            transaction__gte=bounds["first"],
            transaction__lte=bounds["last"],
            transaction__program__district__in=ids,
            transaction__period=period,
            account__kind__in=(Account.Kind.MERCHANT_ISSUED, Account.Kind.MERCHANT_REDEEMED),
        )
        .values(
            "transaction__program__district",
            "transaction__program__point_value",
            "account__business",
        )
        .annotate(
            issued=Sum("points", filter=Q(account__kind=Account.Kind.MERCHANT_ISSUED)),
            redeemed=Sum("points", filter=Q(account__kind=Account.Kind.MERCHANT_REDEEMED)),
        )
        .values_list(
            "transaction__program__district",
            "transaction__program__point_value",
            "account__business",
            "issued",
            "redeemed",
        )
        .order_by()
    )
    for district_id, point_value, _business, issued, redeemed in rows:
        figures = result[district_id]
        issued, redeemed = -(issued or 0), redeemed or 0
        figures["points_issued"] += issued
        figures["points_redeemed"] += redeemed
        figures["shops_settled"] += 1
        net = (Decimal(redeemed) - Decimal(issued)) * point_value
        if net > 0:
            figures["settlement_paid_eur"] += net.quantize(Decimal("0.01"))


class GrantFigures(TypedDict):
    points_granted: int  # reward points granted by ``source`` in the month
    points_spent: int  # of the points granted so far, those redeemed in the month
    cards_spending: int  # cards whose redemption in the month spent granted points


def granted_points_spent(
    district_ids: Iterable[int], month: date, *, source: str
) -> dict[int, GrantFigures]:
    """Reward points of ``source`` (e.g. ``"checkins"``) later spent at a shop.

    Per card, month by month up to ``month``: the reward points not yet spent are
    taken to be spent first by the card's redemptions at shops (first in, first
    out, within a month rewards before redemptions); ``points_spent`` is the part
    of ``month``'s redemptions paid with such points. Reversed redemptions count
    against the month of the reversal.
    """
    ids = list(district_ids)
    until = period_of(month)
    rewarded = LedgerTransaction.objects.filter(
        program__district__in=ids, kind=Kind.GRANT, source=source, period__lte=until
    ).values("card")
    moves = (
        LedgerTransaction.objects.filter(card__in=rewarded, period__lte=until)
        .filter(
            Q(kind=Kind.GRANT, source=source)
            | Q(kind=Kind.REDEEM)
            | Q(kind=Kind.REVERSAL, reverses__kind=Kind.REDEEM)
        )
        .values("program__district", "card", "period")
        .annotate(
            granted=Sum("points", filter=Q(kind=Kind.GRANT)),
            redeemed=Sum("points", filter=~Q(kind=Kind.GRANT)),
        )
        .order_by("card", "period")
    )
    result: dict[int, GrantFigures] = {}
    available: dict[int, int] = defaultdict(int)
    for row in moves:
        card = row["card"]
        available[card] += row["granted"] or 0
        spent = min(available[card], max(-(row["redeemed"] or 0), 0))
        available[card] -= spent
        if row["period"] != until:
            continue
        figures = result.setdefault(
            row["program__district"], {"points_granted": 0, "points_spent": 0, "cards_spending": 0}
        )
        figures["points_granted"] += row["granted"] or 0
        figures["points_spent"] += spent
        figures["cards_spending"] += 1 if spent else 0
    return result


def closed_periods(district_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(district id, YYYY-MM) of every closed settlement month of the districts."""
    return list(
        SettlementPeriod.objects.filter(program__district__in=list(district_ids))
        .values_list("program__district", "period")
        .order_by("period")
    )


def on_period_closed(callback: Callable[[int, date], None]) -> None:
    """Call ``callback(district_id, month)`` after a settlement month is closed and
    committed (``settlement.close_period``), e.g. to refresh figures built on it."""

    def closed(sender, instance: SettlementPeriod, created: bool, **kwargs) -> None:
        if not created:
            return
        district_id = instance.program.district_id
        year, month = (int(part) for part in instance.period.split("-"))
        on_commit(lambda: callback(district_id, date(year, month, 1)))

    post_save.connect(closed, sender=SettlementPeriod, weak=False, dispatch_uid="loyalty-closed")
