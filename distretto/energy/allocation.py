"""Heating-cost allocation per UNI 10200: a pure function of its inputs.

D.Lgs. 102/2014 art. 9 makes the costs of a centralised heating system follow each
unit's measured consumption; UNI 10200 says how. The heat the generator delivers is
split in two:

* involuntary consumption (consumo involontario): heat lost by the distribution
  network, which nobody chooses. It is allocated by thousandths of heat requirement
  (millesimi di fabbisogno termico). Its quantity is either *measured* (heat produced
  by the generator minus the sum of the unit heat meters) or taken from the technical
  report as a *share* of the total;
* voluntary consumption (consumo volontario): allocated by what each unit measured,
  in kWh from a unit heat meter, or in heat-cost-allocator units, where each radiator
  reading is weighted by its rating factors (reading × KQ × KC) and summed per unit.

D.Lgs. 102/2014 art. 9 c.5 d), as amended by D.Lgs. 73/2020 (in force since 29 July
2020), also lets the assembly split the total with at least 50% by measured voluntary
consumption and the rest by a key it chooses: heat-requirement or property
thousandths, m² of useful area, m³ of useful volume, or the installed power of the
unit's radiators. This is the *assembly* method: ``voluntary_share`` (≥ 0.50) by
consumption, the fixed part (``1 - voluntary_share``) by ``fixed_key``.

Before 29 July 2020 the text of art. 9 c.5 d) allowed, where the sworn technical
report found differences of heat requirement above 50% between units, at least 70%
by measured consumption and the rest by thousandths: the *compensation* method. It
stays as a historical method, for periods that ended before that day only.

Units without valid readings (meter missing, faulty or tampered) are estimated and
flagged, by one of two documented methods:

* ``previous_season``: the unit's voluntary quantity of the previous season times
  this season's degree days over the previous season's (units with no previous
  quantity fall back to the next method);
* ``average_per_thousandth``: the site's measured voluntary quantity per thousandth
  of heat requirement (over the units with valid readings) times the unit's
  thousandths.

With the ``measured`` method the network losses are the generator's heat minus
every unit's quantity, estimates included, so that an estimated unit's heat is not
counted twice (once as its estimate, once as losses).

A unit with zero consumption pays nothing by consumption but still pays its
involuntary share and every cost split by thousandths or per unit. If no unit at
all consumed anything, there is no consumption to split by and the voluntary part
goes by the fixed part's key too (heat thousandths unless the assembly chose another).

Every amount is rounded to the cent with the largest-remainder method
(``split_cents``: each unit gets the floor of its exact share in cents, and the cents
left over go to the largest remainders), so that each cost component, and therefore
the statements, add up exactly to the costs entered. A cost split like the fuel is
rounded per unit first and only then cut into its involuntary and voluntary parts
(``split_in_two``), so that a unit that consumes more never pays a cent less.

Arithmetic is exact (fractions) until that last rounding: the same inputs always give
the same statements, and scaling every reading by one factor changes nothing.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

CENT = Fraction(1, 100)
MIN_COMPENSATION_SHARE = Fraction(7, 10)
MIN_ASSEMBLY_SHARE = Fraction(1, 2)
# D.Lgs. 73/2020 came into force on this day; the compensation rule ended the day before.
AMENDMENT_IN_FORCE = dt.date(2020, 7, 29)

# How a cost other than the fuel is split among units: like the fuel (involuntary part
# by heat thousandths, voluntary part by consumption), all by consumption, by heat or
# property thousandths, or in equal parts per unit.
CostKey = Literal["as_fuel", "consumption", "heat_thousandths", "property_thousandths", "per_unit"]
COST_KEYS: tuple[str, ...] = (
    "as_fuel",
    "consumption",
    "heat_thousandths",
    "property_thousandths",
    "per_unit",
)
InvoluntaryMethod = Literal["measured", "share", "assembly", "compensation"]
EstimateMethod = Literal["previous_season", "average_per_thousandth"]
INVOLUNTARY_METHODS: tuple[str, ...] = ("measured", "share", "assembly", "compensation")
# The keys the assembly may choose for the fixed part, and the unit field each reads.
FixedKey = Literal[
    "heat_thousandths", "property_thousandths", "area_m2", "volume_m3", "installed_power"
]
FIXED_KEYS: dict[str, str] = {
    "heat_thousandths": "millesimi_heat",
    "property_thousandths": "millesimi_property",
    "area_m2": "area_m2",
    "volume_m3": "volume_m3",
    "installed_power": "rated_power_w",
}
ESTIMATE_METHODS: tuple[str, ...] = ("previous_season", "average_per_thousandth")
# The compensation method is allowed when the sworn technical report finds heat
# requirement differences between units above this (D.Lgs. 102/2014 art. 9 c.5 d).
MIN_REQUIREMENT_DIFFERENCE = Fraction(1, 2)
KWH = "kWh"
ALLOCATOR_UNITS = "allocator units"


def exact_decimals() -> decimal.localcontext:
    """A decimal context where any rounding raises instead of happening silently."""
    return decimal.localcontext(prec=80, traps=[decimal.Inexact, decimal.Rounded])


class AllocationInputError(ValueError):
    """An input that makes the allocation impossible, naming the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class RadiatorReading:
    """One heat cost allocator over the period: its consumption in allocator units."""

    units: Decimal
    kq: Decimal  # rating of the radiator's heat output
    kc: Decimal  # coupling between allocator and radiator

    @property
    def weighted(self) -> Decimal:
        """Reading × KQ × KC, exact (see ``exact_decimals``)."""
        with exact_decimals():
            return self.units * self.kq * self.kc


@dataclass(frozen=True)
class UnitInput:
    unit_id: int
    name: str
    millesimi_heat: Decimal  # thousandths of heat requirement
    millesimi_property: Decimal = Decimal(0)  # thousandths of property
    area_m2: Decimal | None = None  # useful floor area
    volume_m3: Decimal | None = None  # useful heated volume
    # Installed power: the sum of the rated power of the unit's radiators, in W.
    rated_power_w: Decimal | None = None
    # Measured voluntary consumption: a heat meter's kWh, or the unit's radiators.
    heat_kwh: Decimal | None = None
    radiators: Sequence[RadiatorReading] | None = None
    # False when the readings are missing, faulty or tampered: the unit is estimated.
    readings_valid: bool = True
    # Last season's voluntary quantity, in the same measure, for estimates and comparison.
    previous_quantity: Decimal | None = None
    previous_total: Decimal | None = None

    @property
    def measure(self) -> str | None:
        """What the unit's readings count: kWh of a heat meter or allocator units."""
        if self.heat_kwh is not None:
            return KWH
        if self.radiators is not None:
            return ALLOCATOR_UNITS
        return None

    def measured(self) -> Fraction | None:
        """The voluntary quantity read, or None when it must be estimated."""
        if not self.readings_valid:
            return None
        if self.heat_kwh is not None:
            return Fraction(self.heat_kwh)
        if self.radiators is not None:
            # Decimal sums are exact here and much cheaper than fractions (10,000 radiators).
            with exact_decimals():
                return Fraction(sum((r.weighted for r in self.radiators), Decimal(0)))
        return None


@dataclass(frozen=True)
class CostItem:
    name: str
    amount: Decimal
    key: CostKey


@dataclass(frozen=True)
class AllocationInput:
    units: Sequence[UnitInput]
    fuel_cost: Decimal
    other_costs: Sequence[CostItem] = ()
    involuntary_method: InvoluntaryMethod = "share"
    # For "share": the technical report's involuntary share of total heat (0 ≤ s < 1).
    involuntary_share: Decimal | None = None
    # For "measured": heat delivered by the generator over the period, in kWh.
    generator_heat_kwh: Decimal | None = None
    # For "compensation": the share allocated by consumption (≥ 0.70), allowed only
    # when the technical report's largest heat-requirement difference is above 50%.
    # For "assembly": the share allocated by consumption (≥ 0.50) and the key of the rest.
    voluntary_share: Decimal | None = None
    requirement_difference: Decimal | None = None
    fixed_key: FixedKey | None = None
    # The last day of the period: the compensation method is for periods before 2020-07-29.
    period_end: dt.date | None = None
    estimate_method: EstimateMethod = "average_per_thousandth"
    degree_days: Decimal | None = None
    previous_degree_days: Decimal | None = None


@dataclass
class UnitStatement:
    unit_id: int
    name: str
    millesimi_heat: Decimal
    estimated: bool
    voluntary_quantity: Decimal  # in the site's measure (kWh or weighted allocator units)
    estimate_method: str | None = None  # how an estimated quantity was made
    components: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal("0.00")
    previous_quantity: Decimal | None = None
    previous_total: Decimal | None = None

    @property
    def change_from_previous(self) -> Decimal | None:
        if self.previous_total is None:
            return None
        return self.total - self.previous_total


@dataclass
class AllocationResult:
    involuntary_share: Decimal
    # The heat lost by the network in kWh, when the site measures in kWh.
    involuntary_quantity: Decimal | None
    measure: str
    voluntary_quantity_total: Decimal
    statements: list[UnitStatement]
    component_totals: dict[str, Decimal]
    total: Decimal


# --- Rounding -----------------------------------------------------------------------------


def split_cents(amount: Decimal, weights: Sequence[Fraction]) -> list[Decimal]:
    """Split ``amount`` (euro, at most 2 decimals) in proportion to ``weights``.

    Largest remainder: everyone gets the floor of their exact share in cents, and the
    cents left over go one each to the largest fractional remainders (ties to the
    earlier unit). The parts always add up to ``amount`` exactly. With all weights
    zero the amount cannot be split and an error is raised.
    """
    cents = Fraction(amount) / CENT
    if cents.denominator != 1:
        raise AllocationInputError("costs", f"{amount} has more than two decimals.")
    total_weight = sum(weights, Fraction(0))
    if total_weight <= 0:
        raise AllocationInputError("units", "Nothing to allocate by: every weight is zero.")
    exact = [cents * weight / total_weight for weight in weights]
    floors = [_floor(value) for value in exact]
    left = int(cents) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in order[:left]:
        floors[index] += 1
    return [Decimal(value).scaleb(-2) for value in floors]


def split_in_two(
    amount: Decimal,
    first_share: Fraction,
    first_weights: Sequence[Fraction],
    second_weights: Sequence[Fraction],
) -> tuple[list[Decimal], list[Decimal]]:
    """Split ``amount``: ``first_share`` of it by ``first_weights``, the rest by
    ``second_weights`` (the fuel: involuntary by thousandths, voluntary by consumption).

    Each unit's total is rounded first, with ``split_cents`` on its exact share of the
    whole amount; only then is it cut into its two parts, each the floor or the ceiling
    of its exact value, with the parts' column totals as close to the exact split as the
    unit totals allow. Rounding the two parts separately would let a unit that consumes
    more pay a cent less, when a cent moves from one part to the other.
    """
    first_total = sum(first_weights, Fraction(0))
    second_total = sum(second_weights, Fraction(0))
    cents = Fraction(amount) / CENT
    first_of_one = [first_share * w / first_total for w in first_weights]
    second_of_one = [(1 - first_share) * w / second_total for w in second_weights]
    whole = [a + b for a, b in zip(first_of_one, second_of_one, strict=True)]
    totals = [int(part * 100) for part in split_cents(amount, whole)]
    first = [cents * a for a in first_of_one]
    second = [cents * b for b in second_of_one]
    # Each unit's first part may be any whole cent with both parts within a cent of
    # their exact values: between ``low`` and ``high`` (never empty, see the tests).
    low = [max(_floor(a), t - _ceil(b)) for a, b, t in zip(first, second, totals, strict=True)]
    high = [min(_ceil(a), t - _floor(b)) for a, b, t in zip(first, second, totals, strict=True)]
    target = min(max(_floor(sum(first, Fraction(0)) + Fraction(1, 2)), sum(low)), sum(high))
    parts = list(low)
    # The cents still missing go to the units whose exact first part exceeds the floor most.
    room = [i for i in range(len(parts)) if high[i] > low[i]]
    room.sort(key=lambda i: (-(first[i] - low[i]), i))
    for index in room[: target - sum(low)]:
        parts[index] += 1
    return (
        [Decimal(part).scaleb(-2) for part in parts],
        [Decimal(t - part).scaleb(-2) for t, part in zip(totals, parts, strict=True)],
    )


def _floor(value: Fraction) -> int:
    return value.numerator // value.denominator


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


# --- The allocation -----------------------------------------------------------------------


def _validate(data: AllocationInput) -> str:
    """Refuse inputs the allocation cannot honour; return the site's measure."""
    if not data.units:
        raise AllocationInputError("units", "The site has no units to allocate to.")
    for unit in data.units:
        if unit.millesimi_heat is None or unit.millesimi_heat <= 0:
            raise AllocationInputError(
                "millesimi_heat", f"Unit {unit.name} has no heat-requirement thousandths."
            )
    heat_sum = sum((u.millesimi_heat for u in data.units), Decimal(0))
    if abs(heat_sum - 1000) > Decimal("0.01"):
        raise AllocationInputError(
            "millesimi_heat", f"Heat-requirement thousandths sum to {heat_sum}, not 1000."
        )
    if data.fuel_cost is None or data.fuel_cost < 0:
        raise AllocationInputError("fuel_cost", "The fuel cost must be zero or more.")
    # Statement components: a cost split like the fuel gives two (name_involuntary,
    # name_voluntary), any other cost one; no two may share a name.
    names = {"fuel", "fuel_involuntary", "fuel_voluntary"}
    for cost in data.other_costs:
        own = {cost.name, f"{cost.name}_involuntary", f"{cost.name}_voluntary"}
        if not cost.name or own & names:
            raise AllocationInputError(
                "costs", f"Each cost needs its own name ({cost.name!r} is empty or repeated)."
            )
        names |= own
        if cost.amount is None or cost.amount < 0:
            raise AllocationInputError("costs", f"The cost {cost.name!r} is negative.")
        if cost.key not in COST_KEYS:
            raise AllocationInputError(
                "costs", f"The cost {cost.name!r} has no allocation key ({', '.join(COST_KEYS)})."
            )
        if cost.key == "property_thousandths":
            if any(u.millesimi_property is None for u in data.units):
                raise AllocationInputError(
                    "millesimi_property", "A unit has no property thousandths."
                )
            prop_sum = sum((u.millesimi_property for u in data.units), Decimal(0))
            if abs(prop_sum - 1000) > Decimal("0.01"):
                raise AllocationInputError(
                    "millesimi_property",
                    f"Property thousandths sum to {prop_sum}, not 1000.",
                )
    if data.estimate_method not in ESTIMATE_METHODS:
        raise AllocationInputError(
            "estimate_method", f"The estimate method is one of {', '.join(ESTIMATE_METHODS)}."
        )
    for unit in data.units:
        if unit.heat_kwh is not None and unit.heat_kwh < 0:
            raise AllocationInputError("heat_kwh", f"Unit {unit.name} has a negative reading.")
        for radiator in unit.radiators or ():
            if radiator.units < 0 or radiator.kq <= 0 or radiator.kc <= 0:
                raise AllocationInputError(
                    "radiators",
                    f"Unit {unit.name} has a radiator with a negative reading or a K factor ≤ 0.",
                )
    # kWh and allocator units cannot be added up: one site, one measure.
    measures = {u.measure for u in data.units if u.measure is not None}
    if len(measures) > 1:
        raise AllocationInputError(
            "units", "Some units have heat meters and others allocators: use one measure."
        )
    return measures.pop() if measures else KWH


def involuntary_fraction(data: AllocationInput, quantity_total: Fraction, measure: str) -> Fraction:
    """The share of the heat (and of the fuel cost) allocated by heat thousandths.

    ``quantity_total`` is the voluntary heat of every unit, estimates included.
    """
    if data.involuntary_method == "share":
        if data.involuntary_share is None:
            raise AllocationInputError(
                "involuntary_share", "Give the technical report's involuntary share."
            )
        share = Fraction(data.involuntary_share)
        if not 0 <= share < 1:
            raise AllocationInputError(
                "involuntary_share", "The involuntary share is between 0 and 1 (excluded)."
            )
        return share
    if data.involuntary_method == "measured":
        if data.generator_heat_kwh is None or data.generator_heat_kwh <= 0:
            raise AllocationInputError(
                "generator_heat_kwh", "Give the heat delivered by the generator, in kWh."
            )
        if measure != KWH or not any(u.heat_kwh is not None for u in data.units):
            raise AllocationInputError(
                "involuntary_method",
                "A measured involuntary share needs unit heat meters, not allocators.",
            )
        produced = Fraction(data.generator_heat_kwh)
        if quantity_total > produced:
            raise AllocationInputError(
                "generator_heat_kwh",
                "The unit heat meters add up to more than the generator delivered.",
            )
        return (produced - quantity_total) / produced
    if data.involuntary_method == "assembly":
        if data.voluntary_share is None:
            raise AllocationInputError(
                "voluntary_share", "Give the share allocated by consumption (at least 0.50)."
            )
        voluntary = Fraction(data.voluntary_share)
        if not MIN_ASSEMBLY_SHARE <= voluntary <= 1:
            raise AllocationInputError(
                "voluntary_share",
                "By D.Lgs. 102/2014 art. 9 c.5 d) as amended by D.Lgs. 73/2020 at least 50% "
                "goes by measured voluntary consumption (voluntary_share between 0.50 and 1).",
            )
        return 1 - voluntary
    if data.involuntary_method == "compensation":
        if data.period_end is None or data.period_end >= AMENDMENT_IN_FORCE:
            raise AllocationInputError(
                "involuntary_method",
                "The compensation method (at least 70% by consumption) is the text of "
                "art. 9 c.5 d) before D.Lgs. 73/2020: only for periods that ended before "
                "29 July 2020. Use the assembly method.",
            )
        if data.requirement_difference is None or (
            Fraction(data.requirement_difference) <= MIN_REQUIREMENT_DIFFERENCE
        ):
            raise AllocationInputError(
                "requirement_difference",
                "The compensation method needs the technical report's heat-requirement "
                "difference between units, above 50%.",
            )
        if data.voluntary_share is None:
            raise AllocationInputError(
                "voluntary_share", "Give the share allocated by consumption."
            )
        voluntary = Fraction(data.voluntary_share)
        if not MIN_COMPENSATION_SHARE <= voluntary <= 1:
            raise AllocationInputError(
                "voluntary_share",
                "By D.Lgs. 102/2014 art. 9 c.5 d) at least 70% goes by measured consumption.",
            )
        return 1 - voluntary
    raise AllocationInputError(
        "involuntary_method", f"The method is one of {', '.join(INVOLUNTARY_METHODS)}."
    )


def fixed_weights(data: AllocationInput) -> list[Fraction]:
    """The weights of the fixed part: heat thousandths, or the assembly's ``fixed_key``.

    Raises naming the unit field, and the units, when the key's data is missing (absent
    or zero) for some unit.
    """
    if data.involuntary_method != "assembly":
        return [Fraction(u.millesimi_heat) for u in data.units]
    if data.fixed_key not in FIXED_KEYS:
        raise AllocationInputError("fixed_key", f"The fixed key is one of {', '.join(FIXED_KEYS)}.")
    attribute = FIXED_KEYS[data.fixed_key]
    values = [getattr(unit, attribute) for unit in data.units]
    missing = [u.name for u, v in zip(data.units, values, strict=True) if v is None or v <= 0]
    if missing:
        raise AllocationInputError(
            attribute,
            f"The fixed key {data.fixed_key} needs {attribute} for every unit; "
            f"missing for: {', '.join(missing)}.",
        )
    return [Fraction(value) for value in values]


def _estimates(
    data: AllocationInput, measured: list[Fraction | None]
) -> tuple[list[Fraction], list[str | None]]:
    """Voluntary quantities with the gaps filled by the documented estimate, and for
    each unit the method that filled it (None when measured)."""
    known = [
        (unit, value) for unit, value in zip(data.units, measured, strict=True) if value is not None
    ]
    known_millesimi = sum((Fraction(u.millesimi_heat) for u, _ in known), Fraction(0))
    average = (
        sum((value for _, value in known), Fraction(0)) / known_millesimi
        if known_millesimi
        else None
    )
    filled: list[Fraction] = []
    methods: list[str | None] = []
    for unit, value in zip(data.units, measured, strict=True):
        if value is not None:
            filled.append(value)
            methods.append(None)
            continue
        if data.estimate_method == "previous_season" and unit.previous_quantity is not None:
            if not data.degree_days or not data.previous_degree_days:
                raise AllocationInputError(
                    "degree_days",
                    "Estimating from last season needs this and last season's degree days.",
                )
            # Last season's quantity, corrected by the ratio of degree days.
            filled.append(
                Fraction(unit.previous_quantity)
                * Fraction(data.degree_days)
                / Fraction(data.previous_degree_days)
            )
            methods.append("previous_season")
            continue
        if average is None:
            raise AllocationInputError(
                "units", f"Unit {unit.name} cannot be estimated: no unit has valid readings."
            )
        # The site's average consumption per thousandth, times the unit's thousandths.
        filled.append(average * Fraction(unit.millesimi_heat))
        methods.append("average_per_thousandth")
    return filled, methods


def allocate(data: AllocationInput) -> AllocationResult:
    """Split the fuel cost and the other costs among the units (see the module doc).

    Raises ``AllocationInputError`` naming the field when an input is missing or wrong.
    """
    measure = _validate(data)
    measured = [unit.measured() for unit in data.units]
    quantities, estimate_methods = _estimates(data, measured)
    quantity_total = sum(quantities, Fraction(0))
    involuntary = involuntary_fraction(data, quantity_total, measure)
    # The fixed part: heat thousandths (UNI 10200), or the assembly's chosen key.
    fixed = fixed_weights(data)

    heat_weights = [Fraction(u.millesimi_heat) for u in data.units]
    property_weights = [Fraction(u.millesimi_property or 0) for u in data.units]
    # Nobody consumed anything: there is no consumption to split by (module doc).
    consumption_weights = quantities if quantity_total > 0 else fixed

    components: dict[str, list[Decimal]] = {}

    def split_as_fuel(name: str, amount: Decimal) -> None:
        """Fixed (involuntary) part by heat thousandths or the assembly's key, voluntary
        part by consumption."""
        involuntary_parts, voluntary_parts = split_in_two(
            amount, involuntary, fixed, consumption_weights
        )
        components[f"{name}_involuntary"] = involuntary_parts
        components[f"{name}_voluntary"] = voluntary_parts

    split_as_fuel("fuel", data.fuel_cost)
    for cost in data.other_costs:
        if cost.key == "as_fuel":
            split_as_fuel(cost.name, cost.amount)
        elif cost.key == "consumption":
            components[cost.name] = split_cents(cost.amount, consumption_weights)
        elif cost.key == "heat_thousandths":
            components[cost.name] = split_cents(cost.amount, heat_weights)
        elif cost.key == "property_thousandths":
            components[cost.name] = split_cents(cost.amount, property_weights)
        else:
            components[cost.name] = split_cents(cost.amount, [Fraction(1)] * len(data.units))

    statements = []
    for index, unit in enumerate(data.units):
        parts = {name: amounts[index] for name, amounts in components.items()}
        statements.append(
            UnitStatement(
                unit_id=unit.unit_id,
                name=unit.name,
                millesimi_heat=unit.millesimi_heat,
                estimated=measured[index] is None,
                estimate_method=estimate_methods[index],
                voluntary_quantity=_decimal(quantities[index], 3),
                components=parts,
                total=sum(parts.values(), Decimal("0.00")),
                previous_quantity=unit.previous_quantity,
                previous_total=unit.previous_total,
            )
        )
    component_totals = {name: sum(amounts, Decimal("0.00")) for name, amounts in components.items()}
    return AllocationResult(
        involuntary_share=_decimal(involuntary, 6),
        involuntary_quantity=_involuntary_quantity(data, quantity_total, involuntary, measure),
        measure=measure,
        voluntary_quantity_total=_decimal(quantity_total, 3),
        statements=statements,
        component_totals=component_totals,
        total=sum(component_totals.values(), Decimal("0.00")),
    )


def _involuntary_quantity(
    data: AllocationInput, quantity_total: Fraction, involuntary: Fraction, measure: str
) -> Decimal | None:
    """Network losses in kWh: measured, or implied by the report's share of the total
    (voluntary = (1 - share) × total). Unknown with allocators, or when the split is
    a key chosen by the assembly (or the old compensation) rather than heat lost."""
    if measure != KWH or data.involuntary_method in ("compensation", "assembly"):
        return None
    if data.involuntary_method == "measured":
        return _decimal(Fraction(data.generator_heat_kwh) - quantity_total, 3)
    return _decimal(quantity_total * involuntary / (1 - involuntary), 3)


def _decimal(value: Fraction, places: int) -> Decimal:
    """A quantity for display, rounded half even to ``places`` decimals."""
    scale = 10**places
    return Decimal(round(value * scale)).scaleb(-places)
