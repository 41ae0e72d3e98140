"""Read-only figures of the totem network for the observatory, per district and month.

For now the plays are counted from the raw proof-of-play records (``PlayRecord``),
all behind ``plays``: when proof of play becomes daily aggregates per day, content
and display, only this function changes (it needs, per display and local day, the
plays and the shop's plays, which the aggregates keep).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypedDict
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from distretto.signage.models import Display, PlayRecord
from distretto.territory.figures import district_zones, month_bounds


class TotemFigures(TypedDict):
    totems: int  # approved totems installed before the month ended
    plays: int  # proof-of-play records started in the month
    shop_plays: int  # of which content owned by a shop (the rest: the district's)
    days_playing: int  # Σ over totems of the local days with at least one play
    days_installed: int  # Σ over totems of the month's days since their installation


def plays(district_ids: Iterable[int], month: date) -> dict[int, TotemFigures]:
    result: dict[int, TotemFigures] = {}
    for district_id, zone in district_zones(district_ids).items():
        start, end = month_bounds(zone, month)
        installed = list(
            Display.objects.filter(
                district=district_id, approved=True, created_at__lt=end
            ).values_list("created_at", flat=True)
        )
        in_month = PlayRecord.objects.filter(
            display__district=district_id, started_at__gte=start, started_at__lt=end
        )
        shown = in_month.aggregate(
            plays=Count("id"), shop_plays=Count("id", filter=Q(business__isnull=False))
        )
        if not installed and not shown["plays"]:
            continue
        days_playing = (
            in_month.annotate(day=TruncDate("started_at", tzinfo=ZoneInfo(zone)))
            .values("display", "day")
            .distinct()
            .count()
        )
        days = (end.date() - start.date()).days
        local = ZoneInfo(zone)
        days_installed = sum(
            days - max(0, (created.astimezone(local).date() - start.date()).days)
            for created in installed
        )
        result[district_id] = {
            "totems": len(installed),
            "plays": shown["plays"],
            "shop_plays": shown["shop_plays"],
            "days_playing": days_playing,
            "days_installed": days_installed,
        }
    return result
