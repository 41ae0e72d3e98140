"""Italian climate zones and heating seasons (DPR 412/93), degree days.

The zone of a comune follows from its heating degree days (gradi giorno, GG: the
sum over the heating season of the positive differences between 20 °C and the
day's mean outdoor temperature); the zone fixes the heating season (art. 9).
"""

from __future__ import annotations

import datetime as dt

BASE_TEMPERATURE = 20.0

# Upper bound of degree days of each zone (F has none).
ZONE_LIMITS = (("A", 600), ("B", 900), ("C", 1400), ("D", 2100), ("E", 3000))

# Heating season of each zone: (start month, day), (end month, day). Zone F has no
# limit in law; the platform uses 5 October - 22 April as its working season.
SEASONS: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "A": ((12, 1), (3, 15)),
    "B": ((12, 1), (3, 31)),
    "C": ((11, 15), (3, 31)),
    "D": ((11, 1), (4, 15)),
    "E": ((10, 15), (4, 15)),
    "F": ((10, 5), (4, 22)),
}


def zone_for(degree_days: int) -> str:
    for zone, limit in ZONE_LIMITS:
        if degree_days <= limit:
            return zone
    return "F"


def daily_degree_days(mean_temperature: float) -> float:
    """A day's contribution to the degree days (days in the heating season only)."""
    return max(0.0, BASE_TEMPERATURE - mean_temperature)


def season_bounds(
    start: tuple[int, int], end: tuple[int, int], on: dt.date
) -> tuple[dt.date, dt.date]:
    """The heating season [first day, day after the last) that contains or precedes ``on``."""
    year = on.year if (on.month, on.day) >= start else on.year - 1
    first = dt.date(year, *start)
    last = dt.date(year + 1 if end < start else year, *end)
    return first, last + dt.timedelta(days=1)
