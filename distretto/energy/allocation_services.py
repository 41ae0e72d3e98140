"""Heating-cost allocation runs: gather the inputs from the database, allocate, store.

``create_run`` reads everything the allocation needs for a site and a period into a
JSON *snapshot* (thousandths, each radiator's allocator reading with its KQ and KC
or each unit's heat meter in kWh, the generator's heat, the previous season's
quantities and totals, degree days, costs and options), runs the pure
``allocation.allocate`` on it and stores the result. The snapshot is kept with the
run: ``recompute(run)`` gives the same statements from it at any time.

Which meters count: for each unit its current meters (not replaced; the
consumption of the meters they replaced counts for them) of the run's measure,
installed before the period ends and not removed before it starts. A unit is
*estimated* when it has no such meter, when one of them has no data in the period,
or when the administrator names it (meter faulty or tampered).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.core.errors import Conflict, Invalid
from distretto.energy import allocation, allocation_law
from distretto.energy.allocation_models import AllocationCost, AllocationRun, UnitAllocation
from distretto.energy.models import HeatEmitter, Meter, Site, Unit
from distretto.energy.services import (
    QUANTUM,
    as_local_datetime,
    degree_days_between,
    meter_consumption,
    period_parts,
)

MEASURES = ("heat_meters", "allocators")
OPTION_NAMES = (
    "measure",
    "involuntary_method",
    "involuntary_share",
    "voluntary_share",
    "requirement_difference",
    "fixed_key",
    "generator_heat_kwh",
    "estimate_method",
    "estimated_units",
    "degree_days",
    "previous_degree_days",
)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- Gathering the inputs ---------------------------------------------------------------------


@dataclass(frozen=True)
class _AllocationMeter:
    pk: int
    unit_id: int
    external_id: str
    kq: Decimal
    kc: Decimal
    rated_power_w: Decimal | None


def _allocation_meters(
    site: Site, kind: str, start: dt.date, after: dt.date
) -> list[_AllocationMeter]:
    """Current unit meters of ``kind`` in service during [start, after)."""
    query = Meter.objects.filter(
        site=site, unit__isnull=False, kind=kind, replaced_by__isnull=True
    ).filter(
        # Compared with local midnights, not by __date, which SQLite computes row by row.
        Q(installed_at__isnull=True) | Q(installed_at__lt=as_local_datetime(after)),
        Q(removed_at__isnull=True) | Q(removed_at__gte=as_local_datetime(start)),
    )
    if kind == Meter.Kind.HEAT:
        query = query.filter(role=Meter.Role.CONSUMPTION)
    rows = query.order_by("pk").values_list(
        "pk", "unit_id", "external_id", "kq", "kc", "rated_power_w"
    )
    return [_AllocationMeter(*row) for row in rows]


def site_meter_consumption(
    site: Site, kind: str, start: dt.date, after: dt.date
) -> dict[int, Decimal]:
    """Consumption over [start, after) of each meter of ``kind`` of the site.

    The same figures as ``services.meter_consumption`` for all those meters (the
    rollups, meters replaced counting for their replacement, rounded to 0.001), read
    with the site as the filter: with thousands of allocators a list of their ids in
    the query costs more than reading the rollups themselves.
    """
    replaced_by = dict(
        Meter.objects.filter(site=site, kind=kind).values_list("pk", "replaced_by_id")
    )

    def current(meter_id: int) -> int:
        seen = set()
        while replaced_by.get(meter_id) is not None and meter_id not in seen:
            seen.add(meter_id)
            meter_id = replaced_by[meter_id]
        return meter_id

    totals: dict[int, float] = defaultdict(float)
    for model, lower, upper in period_parts(start, after):
        rows = (
            model.objects.filter(
                meter__site=site, meter__kind=kind, bucket__gte=lower, bucket__lt=upper
            )
            .values_list("meter_id")
            .annotate(total=Sum("consumption"))
        )
        for meter_id, total in rows:
            totals[current(meter_id)] += total or 0.0
    return {
        meter_id: Decimal(repr(round(value, 3))).quantize(QUANTUM)
        for meter_id, value in totals.items()
    }


def _choose_measure(site: Site, requested: str | None) -> str:
    """Heat meters or allocators: as requested, else whichever covers more units."""
    if requested:
        if requested not in MEASURES:
            raise Invalid(
                _("measure is one of %(measures)s.") % {"measures": ", ".join(MEASURES)},
                field="measure",
            )
        return requested
    units = Meter.objects.filter(site=site, unit__isnull=False, replaced_by__isnull=True)
    with_heat = units.filter(kind=Meter.Kind.HEAT, role=Meter.Role.CONSUMPTION)
    heat = with_heat.values("unit").distinct().count()
    hca = units.filter(kind=Meter.Kind.HCA).values("unit").distinct().count()
    return "heat_meters" if heat and heat >= hca else "allocators"


def _previous_run(site: Site, start: dt.date, end: dt.date) -> AllocationRun | None:
    """The site's latest closed run over (part of) the year before [start, end]."""
    return (
        AllocationRun.objects.filter(site=site, status=AllocationRun.Status.CLOSED)
        .filter(period_start__lte=_year_before(end), period_end__gte=_year_before(start))
        .order_by("-period_end", "-closed_at", "-id")
        .first()
    )


def _quantities(
    site: Site, meters: list[_AllocationMeter], measure: str, start: dt.date, after: dt.date
) -> dict:
    """Per unit: the readings of its meters over [start, after) (absent: no data)."""
    kind = Meter.Kind.HCA if measure == "allocators" else Meter.Kind.HEAT
    consumption = site_meter_consumption(site, kind, start, after)
    per_unit: dict[int, dict] = {}
    for meter in meters:
        entry = per_unit.setdefault(meter.unit_id, {"valid": True, "readings": []})
        value = consumption.get(meter.pk)
        if value is None:
            entry["valid"] = False
            continue
        if measure == "allocators":
            entry["readings"].append(
                {
                    "meter": meter.external_id,
                    "units": str(value),
                    "kq": str(meter.kq),
                    "kc": str(meter.kc),
                }
            )
        else:
            entry["readings"].append({"meter": meter.external_id, "kwh": str(value)})
    return per_unit


def installed_power(site: Site, start: dt.date, after: dt.date) -> dict[int, Decimal | None]:
    """Per unit: the rated power of its radiators in W (allocators in service during
    [start, after) and heat emitters without allocators), None when an allocator has
    no rated power or the unit has neither."""
    ratings: dict[int, list[Decimal | None]] = defaultdict(list)
    for meter in _allocation_meters(site, Meter.Kind.HCA, start, after):
        ratings[meter.unit_id].append(meter.rated_power_w)
    for unit_id, rated in HeatEmitter.objects.filter(unit__site=site).values_list(
        "unit_id", "rated_power_w"
    ):
        ratings[unit_id].append(rated)
    return {
        unit_id: None if None in rated else sum(rated, Decimal(0))
        for unit_id, rated in ratings.items()
    }


def _unit_quantity(entry: dict | None, measure: str) -> Decimal | None:
    """A unit's voluntary quantity from its readings (K-weighted for allocators)."""
    if not entry or not entry["valid"] or not entry["readings"]:
        return None
    if measure == "allocators":
        return sum(
            (Decimal(r["units"]) * Decimal(r["kq"]) * Decimal(r["kc"]) for r in entry["readings"]),
            Decimal(0),
        )
    return sum((Decimal(r["kwh"]) for r in entry["readings"]), Decimal(0))


# What the stored run can hold (its decimal columns) and the calendar can compute.
MAX_TOTAL = Decimal("9999999999.99")
MAX_KWH = Decimal("99999999999")
MAX_DEGREE_DAYS = Decimal("9999")


def _check_bounds(
    period_start: dt.date, period_end: dt.date, fuel_cost: Decimal, costs: list, options: dict
) -> None:
    """Refuse, naming the field, inputs no heating season can have."""
    for name, day in (("period_start", period_start), ("period_end", period_end)):
        if not 1901 <= day.year <= 9998:
            raise Invalid(_("The period is not a plausible heating season."), field=name)
    if period_end < period_start:
        raise Invalid(_("The period ends before it starts."), field="period_end")
    if fuel_cost + sum((Decimal(c["amount"]) for c in costs), Decimal(0)) > MAX_TOTAL:
        raise Invalid(
            _("The costs add up to more than %(max)s.") % {"max": MAX_TOTAL}, field="costs"
        )
    for name in ("degree_days", "previous_degree_days"):
        value = options.get(name)
        if value is not None and not 0 < Decimal(value) <= MAX_DEGREE_DAYS:
            raise Invalid(
                _("%(name)s is between 0 and %(max)s.") % {"name": name, "max": MAX_DEGREE_DAYS},
                field=f"options.{name}",
            )
    generator = options.get("generator_heat_kwh")
    if generator is not None and not 0 < Decimal(generator) <= MAX_KWH:
        raise Invalid(
            _("%(name)s is between 0 and %(max)s.")
            % {"name": "generator_heat_kwh", "max": MAX_KWH},
            field="options.generator_heat_kwh",
        )


def gather_inputs(
    site: Site,
    period_start: dt.date,
    period_end: dt.date,
    fuel_cost: Decimal,
    costs: list[dict],
    options: dict,
) -> dict:
    """The JSON snapshot of everything the allocation of ``site`` over the period needs.

    ``period_end`` is included. ``options`` may fix any of OPTION_NAMES; degree days
    default to the site's recorded weather, the generator's heat to its heat meters.
    """
    _check_bounds(period_start, period_end, fuel_cost, costs, options)
    unknown = set(options) - set(OPTION_NAMES)
    if unknown:
        raise Invalid(_("Unknown option %(name)s.") % {"name": sorted(unknown)[0]}, field="options")
    after = period_end + dt.timedelta(days=1)
    measure = _choose_measure(site, options.get("measure"))
    kind = Meter.Kind.HCA if measure == "allocators" else Meter.Kind.HEAT
    meters = _allocation_meters(site, kind, period_start, after)
    this_season = _quantities(site, meters, measure, period_start, after)
    # Last season as billed: the closed run's quantities and totals when there is one
    # (no need to read the rollups again), else last season's readings and no totals.
    previous_run = _previous_run(site, period_start, period_end)
    previous_totals: dict[int, Decimal] = {}
    if previous_run is not None and previous_run.measure == measure:
        previous_quantities = {}
        for unit_id, quantity, total in previous_run.results.values_list(
            "unit_id", "voluntary_quantity", "total"
        ):
            previous_quantities[unit_id] = quantity
            previous_totals[unit_id] = total
    else:
        last_season = _quantities(
            site, meters, measure, _year_before(period_start), _year_before(after)
        )
        previous_quantities = {
            unit_id: _unit_quantity(entry, measure) for unit_id, entry in last_season.items()
        }
    estimated_units = {int(pk) for pk in options.get("estimated_units") or ()}
    power = installed_power(site, period_start, after)

    units = []
    for unit in Unit.objects.filter(site=site).order_by("name", "pk"):
        entry = this_season.get(unit.pk)
        previous = previous_quantities.get(unit.pk)
        units.append(
            {
                "id": unit.pk,
                "name": unit.name,
                "millesimi_heat": str(unit.millesimi_heat),
                "millesimi_property": str(unit.millesimi_property),
                "area_m2": str(unit.area_m2),
                "volume_m3": _text(unit.volume_m3),
                "rated_power_w": _text(power.get(unit.pk)),
                "readings": entry["readings"] if entry else [],
                "valid": bool(entry and entry["valid"] and entry["readings"])
                and unit.pk not in estimated_units,
                "previous_quantity": _text(previous),
                "previous_total": _text(previous_totals.get(unit.pk)),
            }
        )
    missing = estimated_units - {u["id"] for u in units}
    if missing:
        raise Invalid(
            _("No unit %(id)s in this site.") % {"id": min(missing)},
            field="options.estimated_units",
        )

    generator = _decimal(options.get("generator_heat_kwh"))
    method = options.get("involuntary_method", "share")
    if generator is None and method == "measured":
        # Heat into the network: the boiler's heat meter and the co-generation unit's.
        generators = Meter.objects.filter(
            site=site,
            kind__in=(Meter.Kind.HEAT, Meter.Kind.CHP_THERMAL),
            role=Meter.Role.GENERATOR,
            replaced_by__isnull=True,
        )
        produced = meter_consumption(generators, period_start, after)
        generator = sum(produced.values(), Decimal(0)) if produced else None
    degree_days = _decimal(options.get("degree_days"))
    if degree_days is None:
        recorded = degree_days_between(site, period_start, after)
        degree_days = Decimal(str(round(recorded, 1))) if recorded else None
    previous_degree_days = _decimal(options.get("previous_degree_days"))
    if previous_degree_days is None:
        recorded = degree_days_between(site, _year_before(period_start), _year_before(after))
        previous_degree_days = Decimal(str(round(recorded, 1))) if recorded else None
    return {
        "site": site.pk,
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "measure": measure,
        "involuntary_method": method,
        "involuntary_share": _text(_decimal(options.get("involuntary_share"))),
        "voluntary_share": _text(_decimal(options.get("voluntary_share"))),
        "requirement_difference": _text(_decimal(options.get("requirement_difference"))),
        "fixed_key": options.get("fixed_key"),
        "generator_heat_kwh": _text(generator),
        "estimate_method": options.get("estimate_method", "average_per_thousandth"),
        "degree_days": _text(degree_days),
        "previous_degree_days": _text(previous_degree_days),
        "fuel_cost": str(fuel_cost),
        "costs": [
            {
                "name": c["name"],
                "label": c.get("label", ""),
                "amount": str(c["amount"]),
                "key": c["key"],
            }
            for c in costs
        ],
        "units": units,
    }


# --- From the snapshot to the pure function ---------------------------------------------------


def allocation_input(snapshot: dict) -> allocation.AllocationInput:
    """The pure function's input, read from a snapshot alone (no database)."""
    measure = snapshot["measure"]
    units = []
    for unit in snapshot["units"]:
        readings = unit["readings"]
        fields: dict = {}
        if measure == "allocators":
            fields["radiators"] = [
                allocation.RadiatorReading(Decimal(r["units"]), Decimal(r["kq"]), Decimal(r["kc"]))
                for r in readings
            ]
        elif readings:
            fields["heat_kwh"] = sum((Decimal(r["kwh"]) for r in readings), Decimal(0))
        units.append(
            allocation.UnitInput(
                unit_id=unit["id"],
                name=unit["name"],
                millesimi_heat=Decimal(unit["millesimi_heat"]),
                millesimi_property=Decimal(unit["millesimi_property"]),
                # Older snapshots have no area, volume or power: the keys are then missing.
                area_m2=_decimal(unit.get("area_m2")),
                volume_m3=_decimal(unit.get("volume_m3")),
                rated_power_w=_decimal(unit.get("rated_power_w")),
                readings_valid=unit["valid"],
                previous_quantity=_decimal(unit["previous_quantity"]),
                previous_total=_decimal(unit["previous_total"]),
                **fields,
            )
        )
    return allocation.AllocationInput(
        units=units,
        fuel_cost=Decimal(snapshot["fuel_cost"]),
        other_costs=[
            allocation.CostItem(c["name"], Decimal(c["amount"]), c["key"])
            for c in snapshot["costs"]
        ],
        involuntary_method=snapshot["involuntary_method"],
        involuntary_share=_decimal(snapshot["involuntary_share"]),
        generator_heat_kwh=_decimal(snapshot["generator_heat_kwh"]),
        voluntary_share=_decimal(snapshot["voluntary_share"]),
        requirement_difference=_decimal(snapshot["requirement_difference"]),
        fixed_key=snapshot.get("fixed_key"),
        period_end=dt.date.fromisoformat(snapshot["period"]["end"]),
        estimate_method=snapshot["estimate_method"],
        degree_days=_decimal(snapshot["degree_days"]),
        previous_degree_days=_decimal(snapshot["previous_degree_days"]),
    )


def compute(snapshot: dict) -> allocation.AllocationResult:
    """Allocate a snapshot; input errors become 422 naming the field."""
    try:
        return allocation.allocate(allocation_input(snapshot))
    except allocation.AllocationInputError as exc:
        raise Invalid(exc.message, field=exc.field, code="allocation_input") from None


def recompute(run: AllocationRun) -> allocation.AllocationResult:
    """The run's allocation computed again from its stored inputs."""
    return compute(run.inputs)


# --- Runs -------------------------------------------------------------------------------------


def create_run(
    site: Site,
    *,
    period_start: dt.date,
    period_end: dt.date,
    fuel_cost: Decimal,
    costs: list[dict] = (),
    options: dict | None = None,
    by=None,
    supersedes: AllocationRun | None = None,
    note: str = "",
) -> AllocationRun:
    """Allocate the site's costs over the period and store the run as a draft.

    ``costs`` are ``{"name", "label", "amount", "key"}``; a correction of a closed run
    names it in ``supersedes`` (same site).
    """
    if supersedes is not None:
        if supersedes.site_id != site.pk:
            raise Invalid(_("The corrected allocation is of another site."), field="supersedes")
        if not supersedes.is_closed:
            raise Conflict(_("Only a closed allocation needs a correction: edit the draft."))
    costs = list(costs)
    snapshot = gather_inputs(site, period_start, period_end, fuel_cost, costs, options or {})
    result = compute(snapshot)
    return store_run(site, snapshot, result, by=by, supersedes=supersedes, note=note)


@transaction.atomic
def store_run(
    site: Site,
    snapshot: dict,
    result: allocation.AllocationResult,
    *,
    by=None,
    supersedes: AllocationRun | None = None,
    note: str = "",
) -> AllocationRun:
    run = AllocationRun.objects.create(
        site=site,
        period_start=dt.date.fromisoformat(snapshot["period"]["start"]),
        period_end=dt.date.fromisoformat(snapshot["period"]["end"]),
        measure=snapshot["measure"],
        involuntary_method=snapshot["involuntary_method"],
        involuntary_share=result.involuntary_share,
        fixed_key=(snapshot.get("fixed_key") or "")
        if snapshot["involuntary_method"] == "assembly"
        else "",
        involuntary_kwh=result.involuntary_quantity,
        estimate_method=snapshot["estimate_method"],
        fuel_cost=Decimal(snapshot["fuel_cost"]),
        total=result.total,
        degree_days=_decimal(snapshot["degree_days"]),
        previous_degree_days=_decimal(snapshot["previous_degree_days"]),
        inputs=snapshot,
        note=note,
        supersedes=supersedes,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    AllocationCost.objects.bulk_create(
        [AllocationCost(run=run, position=0, name="fuel", amount=run.fuel_cost, key="fuel")]
        + [
            AllocationCost(
                run=run,
                position=index,
                name=cost["name"],
                label=cost["label"],
                amount=Decimal(cost["amount"]),
                key=cost["key"],
            )
            for index, cost in enumerate(snapshot["costs"], start=1)
        ]
    )
    UnitAllocation.objects.bulk_create(
        [
            UnitAllocation(
                run=run,
                unit_id=statement.unit_id,
                millesimi_heat=statement.millesimi_heat,
                estimated=statement.estimated,
                estimate_method=statement.estimate_method or "",
                voluntary_quantity=statement.voluntary_quantity,
                components={name: str(amount) for name, amount in statement.components.items()},
                total=statement.total,
                previous_quantity=statement.previous_quantity,
                previous_total=statement.previous_total,
            )
            for statement in result.statements
        ],
        batch_size=500,
    )
    return run


@transaction.atomic
def close_run(run: AllocationRun, *, by=None) -> AllocationRun:
    """Close a draft: from now on the run and its statements never change."""
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.is_closed:
        raise Conflict(_("This allocation is already closed."), code="already_closed")
    run.status = AllocationRun.Status.CLOSED
    run.closed_at = timezone.now()
    run.closed_by = by if getattr(by, "is_authenticated", False) else None
    run.save()
    return run


def delete_draft(run: AllocationRun) -> None:
    """Drop a draft (a closed run stays for ever; correct it with a new run)."""
    if run.is_closed:
        raise Conflict(_("This allocation is closed: make a correction instead."), code="closed")
    run.delete()


# --- What the API and the pages show ----------------------------------------------------------


def component_labels(run: AllocationRun) -> list[tuple[str, str]]:
    """(component name, label) in statement order: each cost, split in two when like fuel."""
    labels = []
    for cost in run.costs.all():
        title = cost.label or (_("Fuel") if cost.name == "fuel" else cost.name)
        if cost.key in ("fuel", "as_fuel"):
            fixed = _("%(cost)s, fixed part by %(key)s") % {
                "cost": title,
                "key": allocation_law.key_label(run.fixed_key),
            }
            labels.append((f"{cost.name}_involuntary", fixed))
            labels.append(
                (
                    f"{cost.name}_voluntary",
                    _("%(cost)s, consumption part (measured)") % {"cost": title},
                )
            )
        else:
            labels.append((cost.name, title))
    return labels


def natural_key(name: str) -> list:
    """Sort "Interno 2" before "Interno 10"."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def ordered_results(run: AllocationRun, unit_ids: set[int] | None = None) -> list[UnitAllocation]:
    """The run's statements (those of ``unit_ids``, or all) in natural order of unit name."""
    results = run.results.select_related("unit")
    if unit_ids is not None:
        results = results.filter(unit_id__in=unit_ids)
    return sorted(results, key=lambda result: (natural_key(result.unit.name), result.unit_id))


def unit_row(result: UnitAllocation) -> dict:
    change = None
    if result.previous_total is not None:
        change = result.total - result.previous_total
    return {
        "unit": result.unit_id,
        "name": result.unit.name,
        "millesimi_heat": str(result.millesimi_heat),
        "estimated": result.estimated,
        "estimate_method": result.estimate_method or None,
        "voluntary_quantity": str(result.voluntary_quantity),
        "components": result.components,
        "total": f"{result.total:.2f}",
        "previous_quantity": _text(result.previous_quantity),
        "previous_total": None if result.previous_total is None else f"{result.previous_total:.2f}",
        "change_from_previous": None if change is None else f"{change:.2f}",
    }


def run_answer(run: AllocationRun, unit_ids: set[int] | None = None) -> dict:
    """The run as the API shows it; ``unit_ids`` limits the statements (a resident's)."""
    rows = [unit_row(result) for result in ordered_results(run, unit_ids)]
    totals: dict[str, Decimal] = {}
    for result in run.results.all().only("components"):
        for name, amount in result.components.items():
            totals[name] = totals.get(name, Decimal(0)) + Decimal(amount)
    return {
        "id": run.pk,
        "site": run.site_id,
        "period_start": run.period_start,
        "period_end": run.period_end,
        "status": run.status,
        "measure": run.measure,
        "involuntary_method": run.involuntary_method,
        "involuntary_share": str(run.involuntary_share),
        "fixed_key": run.fixed_key or None,
        "involuntary_kwh": _text(run.involuntary_kwh),
        "estimate_method": run.estimate_method,
        "degree_days": _text(run.degree_days),
        "previous_degree_days": _text(run.previous_degree_days),
        "supersedes": run.supersedes_id,
        "note": run.note,
        "created_at": run.created_at,
        "closed_at": run.closed_at,
        "costs": [
            {"name": c.name, "label": c.label, "amount": f"{c.amount:.2f}", "key": c.key}
            for c in run.costs.all()
        ],
        "totals": {
            "components": {name: f"{amount:.2f}" for name, amount in totals.items()},
            "total": f"{run.total:.2f}",
            "units": run.results.count(),
            "estimated_units": run.results.filter(estimated=True).count(),
        },
        "units": rows,
    }
