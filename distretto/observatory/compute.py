"""Monthly values of every indicator, computed from each module's ``figures.py``.

``refresh_month(month)`` recomputes one month for every district (or the districts
of some chambers) and the chambers' totals, replacing what was stored for it in
one transaction, so a month can be recomputed at any time. ``refresh`` runs it
over a range of months: the command ``distretto observatory-refresh`` calls it from
cron, and closing a settlement month calls ``refresh_after_close``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from distretto.catalog import figures as catalog_figures
from distretto.checkins import figures as checkins_figures
from distretto.energy import figures as energy_figures
from distretto.loyalty import figures as loyalty_figures
from distretto.multiservice import figures as multiservice_figures
from distretto.observatory import indicators as ind
from distretto.observatory.models import MonthlyValue
from distretto.signage import figures as signage_figures
from distretto.territory import figures as territory_figures

log = logging.getLogger("distretto.observatory")


@dataclass
class Component:
    """What an indicator's value is made of, for one district or chamber."""

    numerator: float | None
    denominator: float | None = None
    basis: int | None = None

    def add(self, other: Component) -> None:
        self.numerator = _plus(self.numerator, other.numerator)
        self.denominator = _plus(self.denominator, other.denominator)
        self.basis = _plus(self.basis, other.basis)


def _plus(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


Key = tuple[str, str]  # (indicator code, part)
Components = dict[Key, Component]


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- From each module's figures to components --------------------------------------------


def _commerce(district_ids: list[int], month: date) -> dict[int, Components]:
    result: dict[int, Components] = defaultdict(dict)
    for district_id, f in loyalty_figures.commerce(district_ids, month).items():
        shops = f["shops_settled"]
        result[district_id].update(
            {
                ("cards_active", ""): Component(f["cards_active"], basis=f["cards_active"]),
                ("cards_new", ""): Component(f["cards_new"], basis=f["cards_new"]),
                ("purchases_eur", ""): Component(
                    float(f["purchases_eur"]), basis=f["merchants_active"]
                ),
                ("points_issued", ""): Component(f["points_issued"], basis=shops),
                ("points_redeemed", ""): Component(f["points_redeemed"], basis=shops),
                ("redemption_rate", ""): Component(
                    f["points_redeemed"], f["points_issued"], basis=shops
                ),
                ("merchants_active", ""): Component(
                    f["merchants_active"], basis=f["merchants_active"]
                ),
                ("cards_cross_shopping", ""): Component(
                    f["cards_cross_shopping"], basis=f["cards_cross_shopping"]
                ),
                ("settlement_flows_eur", ""): Component(
                    float(f["settlement_paid_eur"]), basis=shops
                ),
            }
        )
    return result


def _tourism(district_ids: list[int], month: date) -> dict[int, Components]:
    result: dict[int, Components] = defaultdict(dict)
    for district_id, f in checkins_figures.tourism(district_ids, month).items():
        result[district_id].update(
            {
                ("checkins", ""): Component(f["checkins"], basis=f["cards"]),
                ("checkin_cards", ""): Component(f["cards"], basis=f["cards"]),
                ("returning_cards", ""): Component(
                    f["returning_cards"], basis=f["returning_cards"]
                ),
                ("routes_completed", ""): Component(
                    f["routes_completed"], basis=f["routes_completed"]
                ),
            }
        )
    spent = loyalty_figures.granted_points_spent(district_ids, month, source="checkins")
    for district_id, f in spent.items():
        result[district_id][("checkin_points_spent", "")] = Component(
            f["points_spent"], basis=f["cards_spending"]
        )
    return result


def _services(district_ids: list[int], month: date) -> dict[int, Components]:
    result: dict[int, Components] = defaultdict(dict)
    for district_id, f in catalog_figures.services_delivered(district_ids, month).items():
        venues = f["venues"]
        components = result[district_id]
        components[("services_delivered", "")] = Component(f["delivered"], basis=venues)
        for code, count in f["by_type"].items():
            components[("services_delivered", code)] = Component(count, basis=venues)
        components[("services_per_venue", "")] = Component(f["delivered"], venues, basis=venues)
    for district_id, f in multiservice_figures.network(district_ids, month).items():
        components = result[district_id]
        components[("multiservice_shops_open", "")] = Component(f["shops_open"])
        components[("trainings_completed", "")] = Component(
            f["trainings_completed"], basis=f["trainings_completed"]
        )
        if f["checkups"]:
            components[("checkup_score", "")] = Component(
                float(f["checkup_score_total"]), f["checkups"], basis=f["checkups"]
            )
        components[("costs_avoided_eur", "")] = Component(
            float(f["costs_avoided_eur"]), basis=f["shops_open"]
        )
    return result


def _totems(district_ids: list[int], month: date) -> dict[int, Components]:
    result: dict[int, Components] = defaultdict(dict)
    for district_id, f in signage_figures.plays(district_ids, month).items():
        possible = f["days_installed"]
        result[district_id].update(
            {
                ("totems", ""): Component(f["totems"]),
                ("totems_online_pct", ""): Component(
                    min(f["days_playing"], possible), possible or None
                ),
                ("plays", ""): Component(f["plays"]),
                ("plays_shop_share", ""): Component(f["shop_plays"], f["plays"] or None),
            }
        )
    return result


def gas_saved_smc(heat_saved_kwh: float) -> float:
    """Natural gas not burnt for ``heat_saved_kwh`` of heat (see the factors)."""
    return heat_saved_kwh / ind.BOILER_EFFICIENCY / ind.GAS_KWH_PER_SMC


def _energy(district_ids: list[int], month: date) -> dict[int, Components]:
    result: dict[int, Components] = defaultdict(dict)
    for district_id, f in energy_figures.energy(district_ids, month).items():
        units = f["units"]
        components = result[district_id]
        components[("energy_heat_kwh", "")] = Component(f["heat_kwh"], basis=units)
        if f["area_m2"]:
            components[("energy_heat_per_m2", "")] = Component(
                f["heat_kwh"], f["area_m2"], basis=units
            )
        if f["area_degree_days"]:
            components[("energy_heat_per_m2_dd", "")] = Component(
                f["heat_kwh"], f["area_degree_days"], basis=units
            )
        if f["chp_produced_kwh"]:
            components[("energy_chp_self_consumption_pct", "")] = Component(
                f["chp_self_consumed_kwh"], f["chp_produced_kwh"], basis=units
            )
        expected = f["heat_expected_kwh"]
        if expected:
            saved = expected - f["heat_compared_kwh"]
            gas = gas_saved_smc(saved)
            components[("energy_heat_change_pct", "")] = Component(-saved, expected, basis=units)
            components[("energy_savings_kwh", "")] = Component(saved, basis=units)
            components[("energy_savings_eur", "")] = Component(
                gas * ind.GAS_EUR_PER_SMC, basis=units
            )
            components[("energy_savings_co2_kg", "")] = Component(
                gas * ind.CO2_KG_PER_SMC, basis=units
            )
    return result


AREA_SOURCES: list[Callable[[list[int], date], dict[int, Components]]] = [
    _commerce,
    _tourism,
    _services,
    _totems,
    _energy,
]


def _projects(
    chamber_ids: set[int], district_ids: set[int], month: date
) -> tuple[dict[int, Components], dict[int, Components]]:
    """Projects starting in ``month``: (per district, per chamber without a district)."""
    by_district: dict[int, Components] = defaultdict(dict)
    chamber_only: dict[int, Components] = defaultdict(dict)
    for project in territory_figures.projects(chamber_ids):
        if project["starts_on"] != month:
            continue
        district_id = project["district_id"]
        if district_id in district_ids:
            target = by_district[district_id]
        else:
            target = chamber_only[project["chamber_id"]]
        _merge(target, ("projects_started", ""), Component(1))
        budget = float(project["budget"] or 0)
        _merge(target, ("projects_budget_eur", ""), Component(budget))
        for axis in project["axes"]:
            _merge(target, ("projects_budget_eur", axis), Component(budget / len(project["axes"])))
    return by_district, chamber_only


def _merge(components: Components, key: Key, component: Component) -> None:
    if key in components:
        components[key].add(component)
    else:
        components[key] = Component(component.numerator, component.denominator, component.basis)


def district_components(district_ids: Iterable[int], month: date) -> dict[int, Components]:
    """Every indicator's components for each district in ``month``."""
    ids = list(district_ids)
    result: dict[int, Components] = defaultdict(dict)
    for source in AREA_SOURCES:
        for district_id, components in source(ids, month).items():
            result[district_id].update(components)
    return result


# --- Storing a month -------------------------------------------------------------------------


def refresh_month(month: date, chamber_ids: Iterable[int] | None = None) -> int:
    """Recompute ``month`` for the districts of ``chamber_ids`` (all when None) and
    their chambers; returns the number of values stored."""
    month = month_start(month)
    districts = territory_figures.districts()
    if chamber_ids is not None:
        wanted = set(chamber_ids)
        districts = [d for d in districts if d["chamber_id"] in wanted]
    chambers = {d["chamber_id"] for d in districts}
    if chamber_ids is not None:
        chambers |= set(chamber_ids)
    ids = [d["id"] for d in districts]
    per_district = district_components(ids, month)
    project_districts, project_chambers = _projects(chambers, set(ids), month)
    now = timezone.now()
    rows: list[MonthlyValue] = []
    totals: dict[int, Components] = defaultdict(dict)
    for chamber_id, components in project_chambers.items():
        for key, component in components.items():
            _merge(totals[chamber_id], key, component)
    for district in districts:
        components = per_district.get(district["id"], {})
        components.update(project_districts.get(district["id"], {}))
        for key, component in components.items():
            _merge(totals[district["chamber_id"]], key, component)
            rows.append(_row(district["chamber_id"], district["id"], month, key, component, now))
    for chamber_id, components in totals.items():
        for key, component in components.items():
            rows.append(_row(chamber_id, None, month, key, component, now))
    with transaction.atomic():
        MonthlyValue.objects.filter(month=month, chamber__in=chambers).delete()
        MonthlyValue.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _row(chamber_id, district_id, month, key: Key, component: Component, now) -> MonthlyValue:
    code, part = key
    indicator = ind.get(code)
    return MonthlyValue(
        chamber_id=chamber_id,
        district_id=district_id,
        month=month,
        indicator=code,
        part=part,
        value=indicator.value(component.numerator, component.denominator),
        numerator=component.numerator,
        denominator=component.denominator,
        basis=component.basis,
        computed_at=now,
    )


def months_to_refresh(today: date | None = None, *, backfill: int = 24) -> list[date]:
    """The months an incremental refresh recomputes: from the month before the last
    one stored (late data, a settlement closed since) to the current month; when
    nothing is stored yet, the last ``backfill`` months."""
    current = month_start(today or timezone.localdate())
    latest = MonthlyValue.objects.order_by("-month").values_list("month", flat=True).first()
    first = add_months(current, -(backfill - 1)) if latest is None else add_months(latest, -1)
    first = min(first, current)
    months = []
    while first <= current:
        months.append(first)
        first = add_months(first, 1)
    return months


def refresh(
    months: Iterable[date],
    chamber_ids: Iterable[int] | None = None,
    progress: Callable[[date, int, float], None] | None = None,
) -> int:
    """Recompute each of ``months``; ``progress(month, values, seconds)`` after each."""
    stored = 0
    chambers = list(chamber_ids) if chamber_ids is not None else None
    for month in months:
        started = timezone.now()
        count = refresh_month(month, chambers)
        stored += count
        if progress is not None:
            progress(month, count, (timezone.now() - started).total_seconds())
    return stored


def refresh_after_close(district_id: int, month: date) -> None:
    """A settlement month was closed: recompute it for the district's chamber."""
    district = territory_figures.districts([district_id])
    if not district:
        return
    try:
        refresh_month(month, [district[0]["chamber_id"]])
    except Exception:  # the close stands; the next scheduled refresh catches up
        log.exception("observatory refresh after a settlement close failed")
