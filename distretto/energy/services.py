"""Energy domain operations: what the API, the pages and the other modules call.

Consumption figures come from the per-meter rollups (hourly, daily, monthly) kept
by ingestion. A period is decomposed into whole local months, whole local days and
hours at its edges, so that a season's query reads a few rows per meter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum

from distretto.energy.models import DailyRollup, HourlyRollup, Meter, MonthlyRollup

# Italian sites: days and months are local days and months of Europe/Rome.
LOCAL_TZ = ZoneInfo("Europe/Rome")
QUANTUM = Decimal("0.001")


def as_local_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    """A date is the local midnight starting it; a naive datetime is local time."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    return dt.datetime.combine(value, dt.time(), tzinfo=LOCAL_TZ)


def _next_local_midnight(moment: dt.datetime) -> dt.datetime:
    local = moment.astimezone(LOCAL_TZ)
    midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=LOCAL_TZ)
    if midnight < local:
        midnight = dt.datetime.combine(
            local.date() + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ
        )
    return midnight


def _last_local_midnight(moment: dt.datetime) -> dt.datetime:
    local = moment.astimezone(LOCAL_TZ)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=LOCAL_TZ)


def _first_of_month_on_or_after(day: dt.date) -> dt.date:
    if day.day == 1:
        return day
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def period_parts(
    start: dt.date | dt.datetime, end: dt.date | dt.datetime
) -> list[tuple[type, object, object]]:
    """Split [start, end) into (rollup model, from, to) pieces: hours, days, months.

    Hourly pieces are UTC hour starts; daily and monthly pieces local dates. Hours are
    the finest grain: a bucket counts when its start falls in the period.
    """
    s, e = as_local_datetime(start), as_local_datetime(end)
    if e <= s:
        return []
    d0, d1 = _next_local_midnight(s), _last_local_midnight(e)
    if d0 >= d1:
        return [(HourlyRollup, s, e)]
    parts: list[tuple[type, object, object]] = []
    if s < d0:
        parts.append((HourlyRollup, s, d0))
    day0, day1 = d0.date(), d1.date()
    m0 = _first_of_month_on_or_after(day0)
    m1 = day1.replace(day=1)
    if m0 < m1:
        if day0 < m0:
            parts.append((DailyRollup, day0, m0))
        parts.append((MonthlyRollup, m0, m1))
        if m1 < day1:
            parts.append((DailyRollup, m1, day1))
    else:
        parts.append((DailyRollup, day0, day1))
    if d1 < e:
        parts.append((HourlyRollup, d1, e))
    return parts


def _meter_ids(meters: Iterable[Meter | int]) -> list[int]:
    return [m if isinstance(m, int) else m.pk for m in meters]


def _predecessors(meter_ids: list[int]) -> dict[int, int]:
    """Meters replaced (directly or in a chain) by one of ``meter_ids``: old id -> new id."""
    wanted = set(meter_ids)
    owner: dict[int, int] = {}
    frontier = {mid: mid for mid in meter_ids}
    while frontier:
        older = Meter.objects.filter(replaced_by__in=frontier).values_list("pk", "replaced_by")
        next_frontier = {}
        for old, new in older:
            if old in wanted or old in owner:
                continue
            owner[old] = frontier[new]
            next_frontier[old] = frontier[new]
        frontier = next_frontier
    return owner


def meter_consumption(
    meters: Iterable[Meter | int],
    start: dt.date | dt.datetime,
    end: dt.date | dt.datetime,
) -> dict[int, Decimal]:
    """Consumption of each meter over [start, end), in the meter's own unit.

    HCA units for heat cost allocators (not weighted by K), kWh for heat meters,
    Sm³ (or kWh) for fuel meters, as read. Dates mean local midnights (Europe/Rome).
    The consumption of meters a given meter replaced (``replaced_by`` chain) counts
    for the meter that replaced them, unless they are given too. Meters with no
    data in the period are absent from the result; a meter with readings that
    consumed nothing maps to 0. Values are rounded to 0.001.
    """
    ids = _meter_ids(meters)
    if not ids:
        return {}
    owner = {mid: mid for mid in ids} | _predecessors(ids)
    totals: dict[int, float] = defaultdict(float)
    for model, lower, upper in period_parts(start, end):
        rows = (
            model.objects.filter(meter_id__in=owner, bucket__gte=lower, bucket__lt=upper)
            .values("meter_id")
            .annotate(total=Sum("consumption"))
        )
        for row in rows:
            totals[owner[row["meter_id"]]] += row["total"] or 0.0
    return {mid: Decimal(repr(round(value, 3))).quantize(QUANTUM) for mid, value in totals.items()}
