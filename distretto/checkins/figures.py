"""Read-only figures of the check-ins for the observatory, per district and month.

Only accepted check-ins count; a month is the local calendar month of the
attempt's ``local_date`` (the district's time zone). Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import TypedDict

from django.db.models import Count, Exists, Min, OuterRef

from distretto.checkins.models import Attempt, Decision, Route
from distretto.territory.figures import next_month


class TourismFigures(TypedDict):
    checkins: int  # accepted check-ins
    cards: int  # distinct cards with an accepted check-in
    returning_cards: int  # of those, cards with an accepted check-in in an earlier month
    venues: int  # venues with an accepted check-in
    routes_completed: int  # routes whose last missing venue was stamped in the month


def tourism(district_ids: Iterable[int], month: date) -> dict[int, TourismFigures]:
    ids = list(district_ids)
    end = next_month(month)
    accepted = Attempt.objects.filter(decision=Decision.ACCEPTED, point__business__district__in=ids)
    in_month = accepted.filter(local_date__gte=month, local_date__lt=end)
    result: dict[int, TourismFigures] = {}
    for row in in_month.values("point__business__district").annotate(
        checkins=Count("id"),
        cards=Count("card", distinct=True),
        venues=Count("point", distinct=True),
    ):
        result[row["point__business__district"]] = {
            "checkins": row["checkins"],
            "cards": row["cards"],
            "returning_cards": 0,
            "venues": row["venues"],
            "routes_completed": 0,
        }
    earlier = accepted.filter(
        card=OuterRef("card"),
        local_date__lt=month,
        point__business__district=OuterRef("point__business__district"),
    )
    returning = (
        in_month.filter(Exists(earlier))
        .values("point__business__district")
        .annotate(cards=Count("card", distinct=True))
    )
    for row in returning:
        result[row["point__business__district"]]["returning_cards"] = row["cards"]
    for district_id, completed in _routes_completed(ids, month, end).items():
        if district_id in result:
            result[district_id]["routes_completed"] = completed
    return result


def _routes_completed(ids: list[int], month: date, end: date) -> dict[int, int]:
    """A card completes a route on the day it first stamps the last of its venues."""
    completed: dict[int, int] = defaultdict(int)
    for route in Route.objects.filter(district__in=ids, active=True).prefetch_related("points"):
        venues = {p.pk for p in route.points.all()}
        if not venues:
            continue
        first_stamps: dict[int, dict[int, date]] = defaultdict(dict)
        for card, point, first in (
            Attempt.objects.filter(decision=Decision.ACCEPTED, point__in=venues, local_date__lt=end)
            .values("card", "point")
            .annotate(first=Min("local_date"))
            .values_list("card", "point", "first")
        ):
            first_stamps[card][point] = first
        for stamps in first_stamps.values():
            if len(stamps) == len(venues) and month <= max(stamps.values()) < end:
                completed[route.district_id] += 1
    return completed
