"""Read-only figures of the energy sites for the observatory, per district and month.

Each site's month is read through the module's own reports: heat produced and the
co-generation balance from ``services.cogeneration_balance``, degree days from
``services.degree_days_between``, floor area from the units. The same month one
year earlier is read the same way, for the comparison with the previous season.
Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypedDict

from django.db.models import Count, Sum

from distretto.energy import services
from distretto.energy.models import Site, Unit
from distretto.territory.figures import next_month


class SiteMonth(TypedDict):
    heat_kwh: float  # heat produced: boiler heat meters + co-generation heat
    degree_days: float
    chp_produced_kwh: float  # co-generation electricity produced
    chp_self_consumed_kwh: float  # of which used on the site (not exported)


class EnergyFigures(TypedDict):
    sites: int  # sites with heat or electricity figures in the month
    units: int  # units (dwellings, shops) of those sites
    area_m2: float  # floor area of those sites' units
    heat_kwh: float
    area_degree_days: float  # Σ over sites of area × the month's degree days
    heat_last_year_kwh: float  # heat of the same month a year earlier (comparable sites)
    heat_expected_kwh: float  # last year's heat per degree day × this month's degree days
    heat_compared_kwh: float  # this month's heat of the sites with an expectation
    chp_produced_kwh: float
    chp_self_consumed_kwh: float


def site_month(site: Site, month: date) -> SiteMonth:
    """The heat, degree days and co-generation of ``site`` in ``month``."""
    end = next_month(month)
    balance = services.cogeneration_balance(site, month, end)
    return {
        "heat_kwh": balance["heat"]["produced_kwh"],
        "degree_days": services.degree_days_between(site, month, end),
        "chp_produced_kwh": balance["electricity"]["produced_kwh"],
        "chp_self_consumed_kwh": balance["electricity"]["self_consumed_kwh"],
    }


def energy(district_ids: Iterable[int], month: date) -> dict[int, EnergyFigures]:
    year_before = month.replace(year=month.year - 1)
    result: dict[int, EnergyFigures] = {}
    for site in Site.objects.filter(district__in=list(district_ids)).order_by("pk"):
        this = site_month(site, month)
        if not this["heat_kwh"] and not this["chp_produced_kwh"]:
            continue
        units = Unit.objects.filter(site=site).aggregate(area=Sum("area_m2"), units=Count("pk"))
        area = float(units["area"] or 0)
        last = site_month(site, year_before)
        figures = result.setdefault(
            site.district_id,
            {
                "sites": 0,
                "units": 0,
                "area_m2": 0.0,
                "heat_kwh": 0.0,
                "area_degree_days": 0.0,
                "heat_last_year_kwh": 0.0,
                "heat_expected_kwh": 0.0,
                "heat_compared_kwh": 0.0,
                "chp_produced_kwh": 0.0,
                "chp_self_consumed_kwh": 0.0,
            },
        )
        figures["sites"] += 1
        figures["units"] += units["units"] or 0
        figures["area_m2"] += area
        figures["heat_kwh"] += this["heat_kwh"]
        figures["area_degree_days"] += area * this["degree_days"]
        figures["chp_produced_kwh"] += this["chp_produced_kwh"]
        figures["chp_self_consumed_kwh"] += this["chp_self_consumed_kwh"]
        if last["heat_kwh"] and last["degree_days"] and this["degree_days"]:
            figures["heat_last_year_kwh"] += last["heat_kwh"]
            figures["heat_expected_kwh"] += (
                last["heat_kwh"] / last["degree_days"] * this["degree_days"]
            )
            figures["heat_compared_kwh"] += this["heat_kwh"]
    return result
