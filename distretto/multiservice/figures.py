"""Read-only figures of the multiservice network for the observatory, per district
and month: shops open, trainings completed, check-up scores and the costs avoided.

The costs avoided are those of the network's own impact report
(``services.impact_report``), month by month; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import TypedDict

from django.db.models import Count, Q

from distretto.multiservice import services
from distretto.multiservice.models import Checkup, Enrolment, MultiserviceShop
from distretto.territory.figures import district_zones, month_bounds, next_month


class NetworkFigures(TypedDict):
    shops_open: int  # active shops of active businesses open by the month's last day
    trainings_completed: int  # enrolments completed in the month
    checkups: int  # check-ups submitted in the month
    checkup_score_total: Decimal  # Σ of their latest score (0-100)
    costs_avoided_eur: Decimal  # Σ services delivered × the chamber's cost avoided


def _last_day(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def network(district_ids: Iterable[int], month: date) -> dict[int, NetworkFigures]:
    ids = list(district_ids)
    last = _last_day(month)
    result: dict[int, NetworkFigures] = {}

    def figures(district_id: int) -> NetworkFigures:
        return result.setdefault(
            district_id,
            {
                "shops_open": 0,
                "trainings_completed": 0,
                "checkups": 0,
                "checkup_score_total": Decimal("0.0"),
                "costs_avoided_eur": Decimal("0.00"),
            },
        )

    # As the network's public list (``access.network_shops``): a shop whose business
    # has closed is not open.
    shops = MultiserviceShop.objects.filter(
        business__district__in=ids, active=True, business__active=True, since__lte=last
    )
    for row in shops.values("business__district").annotate(open=Count("pk")):
        figures(row["business__district"])["shops_open"] = row["open"]
    completed = Enrolment.objects.filter(
        Q(status=Enrolment.Status.COMPLETED),
        business__district__in=ids,
        completed_on__gte=month,
        completed_on__lte=last,
    )
    for row in completed.values("business__district").annotate(done=Count("pk")):
        figures(row["business__district"])["trainings_completed"] = row["done"]
    for district_id, zone in district_zones(ids).items():
        start, end = month_bounds(zone, month)
        submitted = Checkup.objects.filter(
            business__district=district_id,
            status=Checkup.Status.SUBMITTED,
            submitted_at__gte=start,
            submitted_at__lt=end,
        ).prefetch_related("results")
        for checkup in submitted:
            result_ = checkup.latest_result()
            if result_ is not None:
                figures(district_id)["checkups"] += 1
                figures(district_id)["checkup_score_total"] += result_.score
        district_shops = MultiserviceShop.objects.filter(business__district=district_id)
        if district_shops.exists():
            report = services.impact_report(district_shops, month, last)
            if report["total_count"]:
                figures(district_id)["costs_avoided_eur"] = Decimal(report["savings_eur"])
    return result
