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
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, F, FloatField, Sum, When
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.core.errors import Invalid
from distretto.energy import climate
from distretto.energy.models import (
    DailyRollup,
    DailyWeather,
    Gateway,
    GroupRollup,
    HourlyRollup,
    Meter,
    MonthlyRollup,
    Site,
    Unit,
)
from distretto.territory.climate import missing_reason
from distretto.territory.models import Comune, District
from distretto.territory.services import resolve_comune

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

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


# --- Registry ---------------------------------------------------------------------------------


def site_climate(
    comune: Comune | None, degree_days: int | None, zone: str | None
) -> tuple[int, str]:
    """Degree days and zone of a site: as given, else the comune's DPR 412/93 value.

    A comune without one official value (instituted after the decree, or several values
    by altitude) is refused with the reason, so the figure is asked for, never invented.
    """
    if degree_days is None:
        if comune is None:
            raise Invalid(_("Give the comune, or the degree days."), field="degree_days")
        if comune.degree_days is None:
            raise Invalid(missing_reason(comune), field="degree_days", code="degree_days_required")
        # Allegato A's own zone, even where it differs from the GG thresholds.
        return comune.degree_days, zone or comune.climate_zone
    return degree_days, zone or climate.zone_for(degree_days)


def _set_climate(site: Site, degree_days: int, zone: str) -> None:
    """Degree days, zone and the zone's heating season (DPR 412/93 art. 9)."""
    (start_month, start_day), (end_month, end_day) = climate.SEASONS[zone]
    site.degree_days, site.climate_zone = degree_days, zone
    site.season_start_month, site.season_start_day = start_month, start_day
    site.season_end_month, site.season_end_day = end_month, end_day


def create_site(district: District, fields: dict) -> Site:
    """A site in ``district``; climate zone, degree days and season from its comune."""
    comune = resolve_comune(fields.pop("comune", None))
    degree_days, zone = site_climate(
        comune, fields.pop("degree_days", None), fields.pop("climate_zone", None)
    )
    site = Site(district=district, comune=comune, **fields)
    _set_climate(site, degree_days, zone)
    site.full_clean()
    site.save()
    return site


def update_site(site: Site, changes: dict) -> Site:
    """Change a site. Another comune brings its own zone, degree days and season (or is
    refused with the reason when it has no official figure and none is given); degree
    days or a zone given alone replace the site's, with the season of the zone."""
    changes = dict(changes)
    degree_days = changes.pop("degree_days", None)
    zone = changes.pop("climate_zone", None)
    comune_changed = False
    if "comune" in changes:
        comune = resolve_comune(changes.pop("comune"))
        comune_changed = comune != site.comune
        site.comune = comune
    if comune_changed and site.comune is not None and degree_days is None:
        _set_climate(site, *site_climate(site.comune, None, zone))
    elif degree_days is not None:
        _set_climate(site, *site_climate(None, degree_days, zone))
    elif zone is not None:
        _set_climate(site, site.degree_days, zone)
    for name, value in changes.items():
        setattr(site, name, value)
    site.full_clean()
    site.save()
    return site


def create_unit(site: Site, fields: dict) -> Unit:
    unit = Unit(site=site, **fields)
    unit.full_clean()
    unit.save()
    return unit


DEFAULT_UNITS = {
    Meter.Kind.HCA: "HCA",
    Meter.Kind.HEAT: "kWh",
    Meter.Kind.FUEL: "Sm3",
    Meter.Kind.ELECTRICITY: "kWh",
    Meter.Kind.CHP_ELECTRIC: "kWh",
    Meter.Kind.CHP_THERMAL: "kWh",
    Meter.Kind.WATER: "m3",
}


def create_meter(site: Site, fields: dict) -> Meter:
    unit = fields.pop("unit", None)
    fields = {k: v for k, v in fields.items() if v is not None}
    if unit is not None and unit.site_id != site.pk:
        raise Invalid(_("The unit belongs to another site."), field="unit")
    if Meter.objects.filter(site=site, external_id=fields.get("external_id")).exists():
        raise Invalid(
            _("This site already has a meter with that external id."), field="external_id"
        )
    fields.setdefault("unit_of_measure", DEFAULT_UNITS.get(fields.get("kind"), "kWh"))
    meter = Meter(site=site, unit=unit, **fields)
    meter.full_clean()
    meter.save()
    return meter


def create_gateway(site: Site, fields: dict, *, by) -> tuple[Gateway, str]:
    """A gateway and its device token, whose secret is returned once."""
    with transaction.atomic():
        gateway = Gateway(site=site, **fields)
        gateway.full_clean()
        gateway.save()
        _token, raw = tokens.issue(
            kind=ApiToken.Kind.GATEWAY,
            name=f"{site.name} · {gateway.name}",
            user=by,
            device=gateway,
        )
    return gateway, raw


def gateway_rows(site: Site) -> list[dict]:
    """The site's gateways, active ones first, each with the prefixes of its live tokens."""
    gateways = list(site.gateways.order_by("-active", "name", "pk"))
    prefixes: dict[int, list[str]] = defaultdict(list)
    for device_id, prefix in (
        ApiToken.objects.filter(
            device_type=ContentType.objects.get_for_model(Gateway),
            device_id__in=[g.pk for g in gateways],
            revoked_at__isnull=True,
        )
        .order_by("created_at")
        .values_list("device_id", "prefix")
    ):
        prefixes[device_id].append(f"{tokens.TOKEN_PREFIX}_{prefix}")
    return [{"gateway": g, "token_prefixes": prefixes.get(g.pk, [])} for g in gateways]


@transaction.atomic
def revoke_gateway(gateway: Gateway) -> int:
    """Stop a gateway: it no longer sends readings nor counts as silent; tokens revoked."""
    if gateway.active:
        gateway.active = False
        gateway.save(update_fields=["active"])
    revoked = 0
    for token in tokens.device_tokens(gateway).filter(revoked_at__isnull=True):
        tokens.revoke(token)
        revoked += 1
    return revoked


def find_occupant(who: str) -> AbstractBaseUser | None:
    """The active user a manager names as a unit's occupant: username, else e-mail.

    Empty means nobody. An e-mail shared by several accounts names none of them.
    """
    who = who.strip()
    if not who:
        return None
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username=who).first()
    if user is None:
        by_email = list(users.filter(email__iexact=who)[:2])
        user = by_email[0] if len(by_email) == 1 else None
    if user is None:
        raise Invalid(
            _("No single user has the username or e-mail “%(who)s”.") % {"who": who},
            field="occupant",
        )
    return user


def record_weather(site: Site, days: list[tuple[dt.date, float]]) -> int:
    """Store daily mean temperatures; degree days count inside the heating season only."""
    for day, temperature in days:
        dd = climate.daily_degree_days(temperature) if in_season(site, day) else 0.0
        DailyWeather.objects.update_or_create(
            site=site, day=day, defaults={"mean_temperature": temperature, "degree_days": dd}
        )
    return len(days)


def season_of(site: Site, on: dt.date) -> tuple[dt.date, dt.date]:
    """The heating season [first day, day after the last) containing or before ``on``."""
    return climate.season_bounds(
        (site.season_start_month, site.season_start_day),
        (site.season_end_month, site.season_end_day),
        on,
    )


def in_season(site: Site, day: dt.date) -> bool:
    """Whether ``day`` falls in the site's heating season."""
    first, after = season_of(site, day)
    return first <= day < after


def degree_days_between(site: Site, start: dt.date, end: dt.date) -> float:
    total = DailyWeather.objects.filter(site=site, day__gte=start, day__lt=end).aggregate(
        total=Sum("degree_days")
    )["total"]
    return float(total or 0.0)


# --- Consumption queries -------------------------------------------------------------------

GRANULARITIES = {"hour": HourlyRollup, "day": DailyRollup, "month": MonthlyRollup}
GROUPINGS = ("site", "unit", "meter")


def weighted_consumption() -> Sum:
    """Consumption with allocators weighted by their radiator's K = KQ × KC (unless
    they report already-scaled units)."""
    factor = Cast(F("meter__kq") * F("meter__kc"), FloatField())
    return Sum(
        Case(
            When(
                meter__kind=Meter.Kind.HCA,
                meter__product_scale=False,
                then=F("consumption") * factor,
            ),
            default=F("consumption"),
            output_field=FloatField(),
        )
    )


def _bucket_bounds(granularity: str, start: dt.datetime, end: dt.datetime) -> tuple:
    if granularity == "hour":
        return start, end
    first, after = start.astimezone(LOCAL_TZ).date(), end.astimezone(LOCAL_TZ).date()
    if end.astimezone(LOCAL_TZ).time() != dt.time():
        after += dt.timedelta(days=1)
    if granularity == "month":
        first = first.replace(day=1)
    return first, after


def _bucket_label(bucket: object) -> str:
    if isinstance(bucket, dt.datetime):
        return bucket.astimezone(LOCAL_TZ).isoformat()
    return bucket.isoformat()


def consumption_series(
    site: Site,
    start: dt.date | dt.datetime,
    end: dt.date | dt.datetime,
    *,
    granularity: str = "day",
    by: str = "site",
    kind: str | None = None,
    units: list[int] | None = None,
) -> list[dict]:
    """Consumption over time, one series per (site | unit | meter) and meter kind.

    Allocator figures are weighted by K, so units can be compared. Each series is
    ``{"key", "label", "kind", "unit_of_measure", "total", "points": [{"t", "value"}]}``.
    """
    if granularity not in GRANULARITIES:
        raise Invalid(_("granularity is hour, day or month."), field="granularity")
    if by not in GROUPINGS:
        raise Invalid(_("by is site, unit or meter."), field="by")
    if kind is not None and kind not in Meter.Kind.values:
        raise Invalid(
            _("kind is one of %(kinds)s.") % {"kinds": ", ".join(Meter.Kind.values)}, field="kind"
        )
    lower, upper = _bucket_bounds(granularity, as_local_datetime(start), as_local_datetime(end))
    if upper <= lower:
        raise Invalid(_("The period ends before it starts."), field="to")
    labels = _labels(site, by)
    roles = dict(Meter.Role.choices)
    if by == "meter":
        model = GRANULARITIES[granularity]
        rows = model.objects.filter(meter__site=site, bucket__gte=lower, bucket__lt=upper)
        if kind:
            rows = rows.filter(meter__kind=kind)
        if units is not None:
            rows = rows.filter(meter__unit__in=units)
        rows = (
            rows.values("bucket", "meter_id", "meter__kind", "meter__role")
            .annotate(total=weighted_consumption())
            .order_by("bucket")
            .values_list("bucket", "meter_id", "meter__kind", "meter__role", "total")
        )
    else:
        # Units and the whole site read their own rollups: a few rows per bucket.
        if granularity != "hour":
            lower, upper = as_local_datetime(lower), as_local_datetime(upper)
        rows = GroupRollup.objects.filter(
            site=site,
            granularity=granularity[0],
            bucket__gte=lower,
            bucket__lt=upper,
        )
        if by == "site":
            rows = rows.filter(unit_key=0)
        elif units is not None:
            rows = rows.filter(unit_key__in=units)
        else:
            rows = rows.filter(unit_key__gt=0)
        if kind:
            rows = rows.filter(kind=kind)
        key_column = "site_id" if by == "site" else "unit_key"
        rows = rows.order_by("bucket").values_list(
            "bucket", key_column, "kind", "role", "consumption"
        )
    series: dict[tuple, dict] = {}
    for bucket, key_value, meter_kind, role, total in rows:
        key = (key_value, meter_kind, role)
        entry = series.get(key)
        if entry is None:
            label = labels.get(key_value, str(_("site-wide")))
            if role != Meter.Role.CONSUMPTION:
                label = f"{label} · {roles[role]}"
            entry = series[key] = {
                "key": key_value,
                "label": label,
                "kind": meter_kind,
                "role": role,
                "unit_of_measure": DEFAULT_UNITS.get(meter_kind, ""),
                "total": 0.0,
                "points": [],
            }
        value = round(total or 0.0, 3)
        entry["total"] += value
        point = _bucket_label(bucket) if granularity == "hour" or by == "meter" else None
        if point is None:
            point = bucket.astimezone(LOCAL_TZ).date().isoformat()
        entry["points"].append({"t": point, "value": value})
    for entry in series.values():
        entry["total"] = round(entry["total"], 3)
    return sorted(series.values(), key=lambda e: (e["kind"], str(e["label"])))


def _labels(site: Site, by: str) -> dict:
    if by == "site":
        return {site.pk: site.name}
    if by == "unit":
        return dict(Unit.objects.filter(site=site).values_list("pk", "name"))
    return dict(Meter.objects.filter(site=site).values_list("pk", "external_id"))


HEAT_KINDS = (Meter.Kind.HEAT, Meter.Kind.HCA)


PART_GRANULARITY = {HourlyRollup: "h", DailyRollup: "d", MonthlyRollup: "m"}


def group_totals(
    site: Site, start, end, *, units: bool, **filters
) -> dict[tuple[int, str, str], float]:
    """(unit_key, kind, role) -> consumption over [start, end) from the unit/site rollups.

    ``units`` picks the units' rows (unit_key > 0) or the whole site's (unit_key 0).
    """
    totals: dict[tuple[int, str, str], float] = defaultdict(float)
    for model, lower, upper in period_parts(start, end):
        rows = GroupRollup.objects.filter(
            site=site,
            granularity=PART_GRANULARITY[model],
            bucket__gte=as_local_datetime(lower),
            bucket__lt=as_local_datetime(upper),
            **filters,
        )
        rows = rows.filter(unit_key__gt=0) if units else rows.filter(unit_key=0)
        for unit_key, kind, role, total in (
            rows.values("unit_key", "kind", "role")
            .annotate(total=Sum("consumption"))
            .values_list("unit_key", "kind", "role", "total")
        ):
            totals[(unit_key, kind, role)] += total or 0.0
    return totals


def unit_totals(
    site: Site, start: dt.date, end: dt.date, *, kinds: tuple | None = None
) -> dict[int, dict[str, float]]:
    """Per unit and kind: consumption over [start, end) (allocators weighted by K)."""
    kinds = kinds or HEAT_KINDS
    totals: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (unit_key, kind, _role), total in group_totals(
        site, start, end, units=True, kind__in=kinds
    ).items():
        totals[unit_key][kind] += total
    return totals


def normalised_ranking(site: Site, start: dt.date, end: dt.date) -> dict:
    """Heat use per unit normalised by floor area and by the period's degree days.

    Units with a heat meter are compared in kWh, units with allocators in K-weighted
    allocator units; each unit's figure is per m² and per degree day (×1000 for
    readability: per m² per 1000 GG), ranked from the highest.
    """
    degree_days = degree_days_between(site, start, end)
    totals = unit_totals(site, start, end)
    ranking = []
    for unit in Unit.objects.filter(site=site).order_by("name"):
        by_kind = totals.get(unit.pk, {})
        measure = Meter.Kind.HEAT if Meter.Kind.HEAT in by_kind else Meter.Kind.HCA
        consumption = by_kind.get(measure)
        area = float(unit.area_m2 or 0)
        per_m2 = consumption / area if consumption is not None and area else None
        ranking.append(
            {
                "unit": unit.pk,
                "name": unit.name,
                "kind": unit.kind,
                "measure": DEFAULT_UNITS[measure],
                "consumption": None if consumption is None else round(consumption, 3),
                "area_m2": area,
                "per_m2": None if per_m2 is None else round(per_m2, 4),
                "per_degree_day": (
                    round(consumption / degree_days, 4)
                    if consumption is not None and degree_days
                    else None
                ),
                "per_m2_per_1000_dd": (
                    round(per_m2 / degree_days * 1000, 4)
                    if per_m2 is not None and degree_days
                    else None
                ),
            }
        )
    ranking.sort(key=lambda r: (r["per_m2"] is None, -(r["per_m2"] or 0)))
    return {"degree_days": round(degree_days, 1), "units": ranking}


def degree_day_series(site: Site, start: dt.date, end: dt.date) -> list[dict]:
    """Daily degree days and mean temperature, with the site's heat use of the day."""
    heat: dict[dt.date, float] = defaultdict(float)
    for bucket, total in GroupRollup.objects.filter(
        site=site,
        granularity="d",
        unit_key=0,
        kind__in=(Meter.Kind.HEAT, Meter.Kind.CHP_THERMAL),
        role=Meter.Role.GENERATOR,
        bucket__gte=as_local_datetime(start),
        bucket__lt=as_local_datetime(end),
    ).values_list("bucket", "consumption"):
        heat[bucket.astimezone(LOCAL_TZ).date()] += total
    return [
        {
            "day": w.day.isoformat(),
            "mean_temperature": w.mean_temperature,
            "degree_days": round(w.degree_days, 1),
            "heat_kwh": round(heat.get(w.day, 0.0) or 0.0, 1),
        }
        for w in DailyWeather.objects.filter(site=site, day__gte=start, day__lt=end).order_by("day")
    ]


def load_profile(
    site: Site,
    start: dt.date | dt.datetime,
    end: dt.date | dt.datetime,
    *,
    kind: str = Meter.Kind.ELECTRICITY,
) -> dict:
    """Average site consumption by local hour of day, and the peak hour (kWh in an hour = kW)."""
    lower, upper = as_local_datetime(start), as_local_datetime(end)
    rows = GroupRollup.objects.filter(
        site=site,
        granularity="h",
        unit_key=0,
        kind=kind,
        role=Meter.Role.CONSUMPTION,
        bucket__gte=lower,
        bucket__lt=upper,
    ).values_list("bucket", "consumption")
    sums = [0.0] * 24
    counts = [0] * 24
    peak_at, peak = None, None
    for bucket, total in rows:
        hour = bucket.astimezone(LOCAL_TZ).hour
        sums[hour] += total or 0.0
        counts[hour] += 1
        if peak is None or (total or 0.0) > peak:
            peak_at, peak = bucket, total or 0.0
    return {
        "kind": kind,
        "profile": [
            {"hour": h, "average": round(sums[h] / counts[h], 3) if counts[h] else None}
            for h in range(24)
        ],
        "peak": None
        if peak_at is None
        else {"at": peak_at.astimezone(LOCAL_TZ).isoformat(), "kw": round(peak, 3)},
    }


def _site_totals(site: Site, start, end) -> dict[tuple[str, str], float]:
    return {
        (kind, role): total
        for (_unit, kind, role), total in group_totals(site, start, end, units=False).items()
    }


def fuel_kwh(site: Site, start, end) -> float:
    """Fuel burnt on the site over the period in kWh (Sm³ × each meter's calorific value)."""
    return fuel_kwh_of(list(Meter.objects.filter(site=site, kind=Meter.Kind.FUEL)), start, end)


def fuel_kwh_of(meters: list[Meter], start, end) -> float:
    total = 0.0
    consumption = meter_consumption(meters, start, end)
    for meter in meters:
        used = float(consumption.get(meter.pk, 0))
        if meter.unit_of_measure.lower() in {"sm3", "m3"}:
            used *= float(meter.calorific_value or NATURAL_GAS_KWH_PER_SM3)
        total += used
    return total


# Lower calorific value of natural gas used when a fuel meter has none (kWh/Sm³).
NATURAL_GAS_KWH_PER_SM3 = 9.59


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def cogeneration_balance(site: Site, start, end) -> dict:
    """Electricity and heat produced, self-consumed and exchanged with the grid.

    self-consumption ratio = self-consumed production / production;
    self-sufficiency ratio = self-consumed production / consumption;
    overall efficiency = (electricity + useful heat produced) / fuel energy in.
    """
    totals: dict[tuple[str, str], float] = defaultdict(float, _site_totals(site, start, end))
    produced = (
        totals[(Meter.Kind.CHP_ELECTRIC, Meter.Role.CONSUMPTION)]
        + totals[(Meter.Kind.CHP_ELECTRIC, Meter.Role.GENERATOR)]
    )
    exported = totals[(Meter.Kind.ELECTRICITY, Meter.Role.GRID_EXPORT)]
    imported = totals[(Meter.Kind.ELECTRICITY, Meter.Role.GRID_IMPORT)]
    self_consumed = max(produced - exported, 0.0)
    consumption = self_consumed + imported
    chp_heat = sum(v for (k, _r), v in totals.items() if k == Meter.Kind.CHP_THERMAL)
    boiler_heat = totals[(Meter.Kind.HEAT, Meter.Role.GENERATOR)]
    fuel = fuel_kwh(site, start, end)
    return {
        "electricity": {
            "produced_kwh": round(produced, 1),
            "exported_kwh": round(exported, 1),
            "imported_kwh": round(imported, 1),
            "self_consumed_kwh": round(self_consumed, 1),
            "consumption_kwh": round(consumption, 1),
            "self_consumption_ratio": _ratio(self_consumed, produced),
            "self_sufficiency_ratio": _ratio(self_consumed, consumption),
        },
        "heat": {
            "chp_kwh": round(chp_heat, 1),
            "boiler_kwh": round(boiler_heat, 1),
            "produced_kwh": round(chp_heat + boiler_heat, 1),
        },
        "fuel_kwh": round(fuel, 1),
        "overall_efficiency": _ratio(produced + chp_heat + boiler_heat, fuel),
    }


def unit_comparison(unit: Unit, on: dt.date) -> dict:
    """A unit against similar units of its site (same kind), this season against last.

    Figures per m², in kWh for heat meters or K-weighted allocator units.
    """
    site = unit.site
    first, after = season_of(site, on)
    end = min(after, on + dt.timedelta(days=1))
    last_first = first.replace(year=first.year - 1)
    last_end = end.replace(year=end.year - 1)
    this = unit_totals(site, first, end)
    last = unit_totals(site, last_first, last_end)

    def per_m2(totals: dict, target: Unit) -> float | None:
        by_kind = totals.get(target.pk)
        if not by_kind or not target.area_m2:
            return None
        measure = Meter.Kind.HEAT if Meter.Kind.HEAT in by_kind else Meter.Kind.HCA
        return round(by_kind[measure] / float(target.area_m2), 3)

    similar = [
        value
        for other in Unit.objects.filter(site=site, kind=unit.kind).exclude(pk=unit.pk)
        if (value := per_m2(this, other)) is not None
    ]
    return {
        "season": {"from": first.isoformat(), "to": end.isoformat()},
        "this_season_per_m2": per_m2(this, unit),
        "last_season_per_m2": per_m2(last, unit),
        "similar_units_average_per_m2": round(sum(similar) / len(similar), 3) if similar else None,
        "similar_units": len(similar),
        "degree_days": {
            "this_season": round(degree_days_between(site, first, end), 1),
            "last_season": round(degree_days_between(site, last_first, last_end), 1),
        },
    }
