"""How the energy pages show their figures: charts one measure each, units in
natural order, meter readings with the meter's own precision.

Pure presentation rules, no request: the views call them and the templates and
static/energy/charts.js only draw what they return.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from distretto.energy.models import Meter

_DIGITS = re.compile(r"(\d+)")

# The measures a chart may show, in the order the charts come on a page. Heat and
# electricity are both kWh, yet never on one chart: they are different things.
MEASURES: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("heat", _("Heat"), (Meter.Kind.HEAT, Meter.Kind.CHP_THERMAL)),
    ("hca", _("Heat cost allocators"), (Meter.Kind.HCA,)),
    ("electricity", _("Electricity"), (Meter.Kind.ELECTRICITY, Meter.Kind.CHP_ELECTRIC)),
    ("fuel", _("Fuel"), (Meter.Kind.FUEL,)),
    ("water", _("Water"), (Meter.Kind.WATER,)),
)
MEASURE_OF_KIND = {kind: key for key, _title, kinds in MEASURES for kind in kinds}
# Units of measure as people write them.
UNIT_SYMBOLS = {"m3": "m³", "Sm3": "Sm³", "HCA": _("allocator units")}
# Height of a unit's bar in the ranking chart, in CSS pixels.
RANKING_BAR_PX = 22
# Decimals a reading may carry at most, whatever the float says.
MAX_DECIMALS = 3


def natural_key(text: object) -> tuple:
    """Sort key that puts "Interno 2" before "Interno 10" (case-insensitive)."""
    parts = _DIGITS.split(str(text).casefold())
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts)


def naturally(items: Iterable, key=lambda item: item) -> list:
    """``items`` sorted by the natural order of ``key(item)``."""
    return sorted(items, key=lambda item: natural_key(key(item)))


def unit_symbol(unit_of_measure: str) -> str:
    return str(UNIT_SYMBOLS.get(unit_of_measure, unit_of_measure))


def comparison_unit(meters: Iterable[Meter]) -> str:
    """What a unit's figures per m² are counted in (``services.unit_comparison``):
    kWh where the unit has a heat meter, else K-weighted allocator units."""
    kinds = {meter.kind for meter in meters}
    if Meter.Kind.HCA in kinds and Meter.Kind.HEAT not in kinds:
        return unit_symbol("HCA")
    return "kWh"


def consumption_charts(series: list[dict], *, by: str) -> list[dict]:
    """``services.consumption_series`` split into one chart per measure and unit of
    measure, each series named for a reader and the series in natural order.

    ``by`` is the grouping the series were made with: for a whole site the series are
    told apart by their meter kind (and role), for a unit by their meter.
    """
    kinds = dict(Meter.Kind.choices)
    roles = dict(Meter.Role.choices)
    charts: dict[tuple[str, str], dict] = {}
    for entry in series:
        measure = MEASURE_OF_KIND.get(entry["kind"], entry["kind"])
        key = (measure, entry["unit_of_measure"])
        chart = charts.get(key)
        if chart is None:
            title = next((t for k, t, _kinds in MEASURES if k == measure), entry["kind"])
            chart = charts[key] = {
                "key": "-".join(key).lower(),
                "title": str(title),
                "unit": unit_symbol(entry["unit_of_measure"]),
                "series": [],
            }
        if by == "site":
            label = str(kinds.get(entry["kind"], entry["kind"]))
            if entry.get("role", Meter.Role.CONSUMPTION) != Meter.Role.CONSUMPTION:
                label = f"{label} · {roles.get(entry['role'], entry['role'])}"
        else:
            label = str(entry["label"])
        chart["series"].append({"label": label, "points": entry["points"]})
    order = [key for key, _title, _kinds in MEASURES]
    ordered = sorted(
        charts.items(),
        key=lambda item: (order.index(item[0][0]) if item[0][0] in order else len(order), item[0]),
    )
    for _key, chart in ordered:
        chart["series"] = naturally(chart["series"], key=lambda s: s["label"])
    return [chart for _key, chart in ordered]


def ranking_charts(ranking: dict) -> list[dict]:
    """The units ranked by heat use per m², one chart per measure (kWh, allocator
    units): highest first, ties in natural order; units without a figure left out."""
    charts: dict[str, dict] = {}
    ranked = naturally(ranking["units"], key=lambda row: row["name"])
    ranked.sort(key=lambda row: (row["per_m2"] is None, -(row["per_m2"] or 0)))
    for row in ranked:
        if row["per_m2"] is None:
            continue
        chart = charts.setdefault(
            row["measure"],
            {"key": row["measure"].lower(), "unit": unit_symbol(row["measure"]), "units": []},
        )
        chart["units"].append({"name": row["name"], "kind": row["kind"], "per_m2": row["per_m2"]})
    for chart in charts.values():
        chart["height"] = 80 + RANKING_BAR_PX * len(chart["units"])  # every unit named
    return list(charts.values())


def decimals_of(values: Iterable[float | None]) -> int:
    """The fewest decimals (up to ``MAX_DECIMALS``) that write every value exactly,
    float noise aside: 3.5989999999999895 needs three, 12.0 none."""
    needed = 0
    for value in values:
        if value is None or not math.isfinite(value):
            continue
        while needed < MAX_DECIMALS and not math.isclose(
            round(value, needed), value, rel_tol=1e-9, abs_tol=1e-9
        ):
            needed += 1
        if needed == MAX_DECIMALS:
            break
    return needed


def meter_decimals(meter: Meter, values: Iterable[float | None] = ()) -> int:
    """The precision a meter reports with: the decimals its latest readings carry
    (its counter's resolution), at most ``MAX_DECIMALS``."""
    values = list(values)
    if not values:
        values = list(meter.readings.order_by("-ts").values_list("value", flat=True)[:50])
        values.append(meter.last_value)
    return decimals_of(values)


def chart_words(granularity: str | None = None) -> dict[str, str]:
    """The words charts.js writes on the charts (axes, legends), in the page's language."""
    periods = {"hour": _("Hour"), "day": _("Day"), "month": _("Month")}
    return {
        "period": str(periods.get(granularity or "", _("Date"))),
        "hour": str(_("Hour of the day")),
        "time": str(_("Date and time")),
        "day": str(_("Day")),
        "degreeDays": str(_("Degree days")),
        "heat": str(_("Heat produced (kWh)")),
        "perM2": str(_("per m²")),
        "averageKw": str(_("Average kW")),
        "thisSeason": str(_("This season")),
        "lastSeason": str(_("Last season")),
        "similar": str(_("Similar units")),
    }
