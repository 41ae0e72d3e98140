"""Read-only figures of the public services delivered at venues, for the observatory.

Per district (the venue's) and local calendar month of the delivery's day; nothing
here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypedDict

from django.db.models import Count, Sum

from distretto.catalog.models import ServiceDelivery
from distretto.territory.figures import next_month


class ServiceFigures(TypedDict):
    delivered: int  # services delivered (Σ of each record's count)
    venues: int  # venues that recorded at least one delivery
    by_type: dict[str, int]  # service type code -> services delivered


def services_delivered(district_ids: Iterable[int], month: date) -> dict[int, ServiceFigures]:
    end = next_month(month)
    rows = ServiceDelivery.objects.filter(
        venue__district__in=list(district_ids), date__gte=month, date__lt=end
    )
    result: dict[int, ServiceFigures] = {}
    for row in rows.values("venue__district").annotate(
        total=Sum("count"), venues=Count("venue", distinct=True)
    ):
        result[row["venue__district"]] = {
            "delivered": row["total"],
            "venues": row["venues"],
            "by_type": {},
        }
    for district_id, code, total in (
        rows.values("venue__district", "service_type__code")
        .annotate(total=Sum("count"))
        .values_list("venue__district", "service_type__code", "total")
        .order_by()
    ):
        result[district_id]["by_type"][code] = total
    return result
