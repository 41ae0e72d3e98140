"""Read-only figures of the totem network for the observatory, per district and month.

The plays are counted from the daily aggregates per local day, display and content
(``proof.daily_plays``), which stay when the raw records are deleted after their
retention (90 days), so a month's figures do not change as it ages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from django.db.models import Q, Sum

from distretto.signage.models import Display
from distretto.signage.proof import daily_plays
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
        # The aggregates' days are the district's local days, as the month's bounds.
        in_month = daily_plays(
            district_ids=[district_id],
            since=start.date(),
            until=end.date() - timedelta(days=1),
        ).filter(plays__gt=0)
        sums = in_month.aggregate(
            total=Sum("plays"), shops=Sum("plays", filter=Q(business__isnull=False))
        )
        shown = {"plays": sums["total"] or 0, "shop_plays": sums["shops"] or 0}
        if not installed and not shown["plays"]:
            continue
        days_playing = in_month.values("display", "day").distinct().count()
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
