"""What a unit's heating statement tells its resident, for the page, the PDF and the CSV.

Besides the amounts, D.Lgs. 102/2014 Allegato 9 (as amended by D.Lgs. 73/2020) asks
billing information to give, where it applies: the consumption and its cost; a
comparison with the same period of the previous season, for heating corrected by
degree days, as a chart; a comparison with the building's average unit; where to
complain and whom to ask. This module computes those figures once; ``comparison_svg``
draws the chart the page shows (the PDF draws the same bars itself).

Degree-day correction: last season's consumption × this period's degree days / last
period's degree days is what the unit would have used last season in this season's
weather. The building's average unit is every unit's consumption over every unit's
floor area (units with an area), per m²; the unit's own figure is its consumption
over its area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from distretto.core.formatting import quantity
from distretto.energy import allocation_law
from distretto.energy.allocation_models import AllocationRun, UnitAllocation

PER_M2_PLACES = Decimal("0.001")


@dataclass
class Bar:
    key: str
    label: str
    value: Decimal
    highlight: bool = False


@dataclass
class Comparison:
    """This period against the same period of the previous season and the building."""

    measure: str  # "kWh" or the allocator units' label
    quantity: Decimal
    previous_quantity: Decimal | None = None
    degree_days: Decimal | None = None
    previous_degree_days: Decimal | None = None
    previous_corrected: Decimal | None = None  # in this period's degree days
    change_percent: Decimal | None = None  # against the corrected previous quantity
    area_m2: Decimal | None = None
    per_m2: Decimal | None = None
    building_per_m2: Decimal | None = None
    building_units: int = 0
    per_m2_against_building_percent: Decimal | None = None
    bars: list[Bar] = field(default_factory=list)


@dataclass
class StatementFacts:
    method: str
    legal_basis: str
    billing_basis: str
    fixed_part: Decimal
    consumption_part: Decimal
    other_part: Decimal
    total: Decimal
    previous_total: Decimal | None
    comparison: Comparison
    whom_to_ask: list[str]


def _percent(value: Decimal, reference: Decimal | None) -> Decimal | None:
    if not reference:
        return None
    return ((value - reference) / reference * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def compare(
    measure: str,
    this: Decimal,
    previous: Decimal | None,
    degree_days: Decimal | None,
    previous_degree_days: Decimal | None,
    area_m2: Decimal | None,
    building_quantity: Decimal,
    building_area_m2: Decimal,
    building_units: int,
) -> Comparison:
    """The comparisons of ``this`` quantity (see the module doc); any figure that is
    unknown (no previous season, no degree days, no area) stays None."""
    result = Comparison(measure=measure, quantity=this, previous_quantity=previous)
    result.degree_days, result.previous_degree_days = degree_days, previous_degree_days
    if previous is not None and degree_days and previous_degree_days:
        result.previous_corrected = (previous * degree_days / previous_degree_days).quantize(
            PER_M2_PLACES, ROUND_HALF_UP
        )
    reference = result.previous_corrected if result.previous_corrected is not None else previous
    result.change_percent = _percent(this, reference)
    if area_m2:
        result.area_m2 = area_m2
        result.per_m2 = (this / area_m2).quantize(PER_M2_PLACES, ROUND_HALF_UP)
    if building_area_m2:
        result.building_per_m2 = (building_quantity / building_area_m2).quantize(
            PER_M2_PLACES, ROUND_HALF_UP
        )
        result.building_units = building_units
    if result.per_m2 is not None:
        result.per_m2_against_building_percent = _percent(result.per_m2, result.building_per_m2)
    if previous is not None:
        result.bars.append(Bar("previous", _("Same period, previous season"), previous))
    if result.previous_corrected is not None:
        result.bars.append(
            Bar(
                "previous_corrected",
                _("Previous season in this season's degree days"),
                result.previous_corrected,
            )
        )
    result.bars.append(Bar("this", _("This period"), this, highlight=True))
    if result.building_per_m2 is not None and area_m2:
        result.bars.append(
            Bar(
                "building",
                _("Building's average unit, for your floor area"),
                (result.building_per_m2 * area_m2).quantize(PER_M2_PLACES, ROUND_HALF_UP),
            )
        )
    return result


def _snapshot_areas(run: AllocationRun) -> dict[int, Decimal]:
    """Floor areas as the run was computed with (older runs: the units' current ones)."""
    areas = {
        unit["id"]: Decimal(unit["area_m2"])
        for unit in run.inputs.get("units", [])
        if unit.get("area_m2") is not None
    }
    for unit_id, area in run.results.values_list("unit_id", "unit__area_m2"):
        areas.setdefault(unit_id, area)
    return areas


def measure_label(run: AllocationRun) -> str:
    return _("kWh") if run.measure == "heat_meters" else _("allocator units (× KQ × KC)")


def statement_facts(run: AllocationRun, result: UnitAllocation) -> StatementFacts:
    """Everything a unit's statement says beyond its list of amounts."""
    fixed = consumption = other = Decimal("0.00")
    for name, amount in result.components.items():
        if name.endswith("_involuntary"):
            fixed += Decimal(amount)
        elif name.endswith("_voluntary"):
            consumption += Decimal(amount)
        else:
            other += Decimal(amount)
    areas = _snapshot_areas(run)
    quantities = dict(run.results.values_list("unit_id", "voluntary_quantity"))
    with_area = [unit_id for unit_id in quantities if areas.get(unit_id)]
    comparison = compare(
        measure_label(run),
        result.voluntary_quantity,
        result.previous_quantity,
        run.degree_days,
        run.previous_degree_days,
        areas.get(result.unit_id) or None,
        sum((quantities[u] for u in with_area), Decimal(0)),
        sum((areas[u] for u in with_area), Decimal(0)),
        len(with_area),
    )
    return StatementFacts(
        method=allocation_law.method_name(
            run.involuntary_method, run.involuntary_share, run.fixed_key
        ),
        legal_basis=allocation_law.legal_basis(run.involuntary_method),
        billing_basis=allocation_law.billing_information_basis(),
        fixed_part=fixed,
        consumption_part=consumption,
        other_part=other,
        total=result.total,
        previous_total=result.previous_total,
        comparison=comparison,
        whom_to_ask=allocation_law.whom_to_ask(),
    )


# --- The chart ------------------------------------------------------------------------------

CHART_WIDTH = 320
BAR_HEIGHT = 14
ROW_HEIGHT = 38


def comparison_svg(comparison: Comparison, title: str) -> SafeString:
    """Horizontal bars, one per figure of the comparison, as inline SVG that scales to
    the width of its box (no script, no external file)."""
    bars = comparison.bars
    top = max((bar.value for bar in bars), default=Decimal(0)) or Decimal(1)
    height = ROW_HEIGHT * len(bars) + 4
    parts = [
        f'<svg class="statement-chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, bar in enumerate(bars):
        y = index * ROW_HEIGHT
        width = float(bar.value / top) * (CHART_WIDTH - 2)
        colour = "#0b5cad" if bar.highlight else "#6b7280"
        text = f"{bar.label}: {quantity(bar.value, 0)} {comparison.measure}"
        parts.append(
            f'<text x="1" y="{y + 12}" font-size="11" fill="#1f2937">{escape(text)}</text>'
            f'<rect data-bar="{bar.key}" x="1" y="{y + 17}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT}" fill="{colour}" rx="2"></rect>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it is escaped above
