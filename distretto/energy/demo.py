"""Demo data: the Innovenergy complex of Campobasso, a heating season and a half of readings.

22 units (16 dwellings, 6 shops) over a boiler and a co-generation unit; an
allocator on every radiator (annual set date 31 December), shop electricity meters,
the site's gas, heat, co-generation and grid meters. The weather follows
Campobasso's climate (zone E, 2346 degree days, DPR 412/93) and every heat figure
follows the day's degree days. Readings are generated for last season and for the
current one up to today (local midnight), through the bulk ingestion path: hourly
for site and shop meters, daily for allocators, as wM-Bus allocators transmit.

A few anomalies are built in: a stuck allocator, an allocator counting in an
empty flat, a shop that leaves its load on at night, a boiler losing efficiency
over the last days, a flat with a spike yesterday, an allocator silent for days.
Deterministic (fixed random seeds, dates from today's date) and idempotent: only
readings after each meter's last one are generated.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from distretto.accounts.models import Membership, Role
from distretto.energy import anomalies, services
from distretto.energy.ingestion import store
from distretto.energy.models import DailyWeather, Meter, Site, Unit
from distretto.territory.models import Comune, District

SITE_NAME = "Complesso Innovenergy — Via Mazzini"
RESIDENT = "residente"
# What `distretto demo` prints as the way in.
DEMO_LINKS = [("energy", "/energy/"), ("heating costs", "/energy/allocations/")]
DEMO_LOGINS = [(RESIDENT, "Residente · Complesso Innovenergy, Campobasso")]
HCA_SET_DATE = (12, 31)  # allocators restart from zero on 1 January
# Mean outdoor temperature of Campobasso by month (°C), a climatology for the demo.
MONTHLY_MEAN = {10: 13.6, 11: 8.9, 12: 5.2, 1: 3.9, 2: 4.4, 3: 7.3, 4: 10.6}
HEAT_PER_DEGREE_DAY = 72.0  # kWh the whole complex needs per degree day
CHP_ELECTRIC_KW = Decimal("20")
CHP_THERMAL_KW = Decimal("40")
GAS_KWH_PER_SM3 = Decimal("9.59")

DWELLINGS = [(f"Interno {n}", 55 + (n * 7) % 60) for n in range(1, 17)]
SHOPS = [
    ("Bar Centrale", 70),
    ("Farmacia San Leonardo", 110),
    ("Panificio Molisano", 85),
    ("Ferramenta Mazzini", 95),
    ("Alimentari Di Iorio", 90),
    ("Parrucchiere Elena", 45),
]
NIGHT_LOAD_SHOP = "Alimentari Di Iorio"
EMPTY_FLAT = "Interno 12"
SPIKE_FLAT = "Interno 5"


def seed() -> None:
    district = District.objects.filter(slug="campobasso").first()
    if district is None:
        return
    site = _site(district)
    units = _units(site)
    meters = _meters(site, units)
    today = timezone.localdate()
    seasons = _seasons(site, today)
    weather = _weather(site, seasons)
    _readings(site, units, meters, seasons, weather, today)
    anomalies.detect(site, services.as_local_datetime(today), notify=False)
    from distretto.energy import allocation_demo  # last season's heating-cost allocation

    allocation_demo.seed()


def _site(district: District) -> Site:
    site = Site.objects.filter(district=district, name=SITE_NAME).first()
    if site is None:
        site = services.create_site(
            district,
            {
                "name": SITE_NAME,
                "comune": "070006" if Comune.objects.filter(pk="070006").exists() else None,
                "degree_days": 2346,
                "address": "Via Mazzini 12, 86100 Campobasso",
                "chp_electric_kw": CHP_ELECTRIC_KW,
                "chp_thermal_kw": CHP_THERMAL_KW,
            },
        )
    return site


def _resident():
    user, created = get_user_model().objects.get_or_create(
        username=RESIDENT,
        defaults={"first_name": "Rosa", "last_name": "Residente", "email": "residente@example.org"},
    )
    if created:
        from distretto.accounts.demo import DEMO_PASSWORD

        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    Membership.objects.get_or_create(user=user, role=Role.CARDHOLDER)
    return user


def _units(site: Site) -> dict[str, Unit]:
    everything = [(name, area, Unit.Kind.DWELLING) for name, area in DWELLINGS] + [
        (name, area, Unit.Kind.SHOP) for name, area in SHOPS
    ]
    total_area = sum(area for _, area, _ in everything)
    # Thousandths in proportion to the area, the last unit taking the rounding rest.
    units = {}
    given_heat = given_property = Decimal(0)
    for index, (name, area, kind) in enumerate(everything):
        last = index == len(everything) - 1
        heat = Decimal(1000) - given_heat if last else round(Decimal(1000 * area / total_area), 3)
        prop = (
            Decimal(1000) - given_property
            if last
            else round(Decimal(1000 * area * (1.1 if kind == "shop" else 0.97) / total_area), 3)
        )
        given_heat += heat
        given_property += prop
        unit, _ = Unit.objects.update_or_create(
            site=site,
            name=name,
            defaults={
                "kind": kind,
                "area_m2": Decimal(area),
                "millesimi_heat": heat,
                "millesimi_property": prop,
                "declared_empty": name == EMPTY_FLAT,
            },
        )
        units[name] = unit
    if units["Interno 1"].occupant_id is None:
        units["Interno 1"].occupant = _resident()
        units["Interno 1"].save(update_fields=["occupant"])
    return units


def _meter(site: Site, external_id: str, **fields) -> Meter:
    meter, _ = Meter.objects.get_or_create(site=site, external_id=external_id, defaults=fields)
    return meter


def _meters(site: Site, units: dict[str, Unit]) -> dict[str, list[Meter]]:
    rng = random.Random(8)
    found: dict[str, list[Meter]] = {"hca": [], "shop": []}
    rooms = ["soggiorno", "cucina", "camera", "cameretta", "bagno", "studio"]
    for number, unit in enumerate(units.values(), start=1):
        radiators = max(2, round(float(unit.area_m2) / 18))
        for index in range(radiators):
            found["hca"].append(
                _meter(
                    site,
                    f"7{number:03d}{index:04d}",
                    unit=unit,
                    kind=Meter.Kind.HCA,
                    unit_of_measure="HCA",
                    description=f"Radiatore {rooms[index % len(rooms)]}",
                    kq=Decimal(str(round(rng.uniform(0.8, 1.6), 3))),
                    kc=Decimal(str(round(rng.uniform(0.9, 1.0), 3))),
                    expected_interval_minutes=1440,
                )
            )
        if unit.kind == Unit.Kind.SHOP:
            found["shop"].append(
                _meter(site, f"EL{number:03d}", unit=unit, kind=Meter.Kind.ELECTRICITY)
            )
    site_meters = {
        "boiler": dict(kind=Meter.Kind.HEAT, role=Meter.Role.GENERATOR),
        "gas": dict(kind=Meter.Kind.FUEL, unit_of_measure="Sm3", calorific_value=GAS_KWH_PER_SM3),
        "gas_chp": dict(
            kind=Meter.Kind.FUEL, unit_of_measure="Sm3", calorific_value=GAS_KWH_PER_SM3
        ),
        "chp_el": dict(kind=Meter.Kind.CHP_ELECTRIC, role=Meter.Role.GENERATOR),
        "chp_th": dict(kind=Meter.Kind.CHP_THERMAL, role=Meter.Role.GENERATOR),
        "import": dict(kind=Meter.Kind.ELECTRICITY, role=Meter.Role.GRID_IMPORT),
        "export": dict(kind=Meter.Kind.ELECTRICITY, role=Meter.Role.GRID_EXPORT),
    }
    for key, fields in site_meters.items():
        fields.setdefault("unit_of_measure", "kWh")
        found[key] = [_meter(site, f"CB-{key.upper()}", description=key, **fields)]
    if found["gas"][0].feeds_id is None:
        found["gas"][0].feeds = found["boiler"][0]
        found["gas"][0].save(update_fields=["feeds"])
    return found


def _seasons(site: Site, today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Last full season and the current one up to today (or the last two when off season)."""
    first, after = services.season_of(site, today)
    current = (first, min(after, today))
    previous_first, previous_after = services.season_of(site, first - dt.timedelta(days=1))
    if current[1] <= current[0]:
        return [(previous_first, previous_after)]
    return [(previous_first, previous_after), current]


def _temperature(day: dt.date, rng: random.Random) -> float:
    # Between monthly means, interpolated, with day-to-day weather on top.
    month_mean = MONTHLY_MEAN.get(day.month, 14.0)
    next_month = MONTHLY_MEAN.get(day.month % 12 + 1, month_mean)
    blend = (day.day - 1) / 31
    return round(month_mean * (1 - blend) + next_month * blend + rng.gauss(0, 2.2), 1)


def _weather(site: Site, seasons: list[tuple[dt.date, dt.date]]) -> dict[dt.date, float]:
    rng = random.Random(2346)
    days: list[tuple[dt.date, float]] = []
    for first, after in seasons:
        day = first
        while day < after:
            days.append((day, _temperature(day, rng)))
            day += dt.timedelta(days=1)
    known = set(DailyWeather.objects.filter(site=site).values_list("day", flat=True))
    services.record_weather(site, [(d, t) for d, t in days if d not in known])
    return dict(DailyWeather.objects.filter(site=site).values_list("day", "degree_days"))


def _heating_hours(day: dt.date) -> list[dt.datetime]:
    """Zone E may heat 14 hours a day: 6:00-20:00 local."""
    return [
        dt.datetime.combine(day, dt.time(hour), tzinfo=services.LOCAL_TZ) for hour in range(6, 20)
    ]


def _readings(site, units, meters, seasons, degree_days, today) -> None:
    rng = random.Random(412)
    last = {m.pk: m.last_ts for group in meters.values() for m in group}
    rows: list[tuple[int, dt.datetime, float]] = []
    counters: dict[int, float] = {}

    def emit(meter: Meter, moment: dt.datetime, increment: float) -> None:
        value = counters.get(meter.pk, 0.0) + increment
        counters[meter.pk] = value
        if last[meter.pk] is None or moment > last[meter.pk]:
            rows.append((meter.pk, moment.astimezone(dt.UTC), round(value, 3)))

    hca_by_unit: dict[int, list[Meter]] = {}
    for meter in meters["hca"]:
        hca_by_unit.setdefault(meter.unit_id, []).append(meter)
    behaviour = {unit.pk: rng.uniform(0.75, 1.3) for unit in units.values()}
    stuck = meters["hca"][3]
    silent = meters["hca"][20]
    spike_unit = units[SPIKE_FLAT].pk
    empty_unit = units[EMPTY_FLAT].pk
    total_area = sum(float(u.area_m2) for u in units.values())
    shop_units = {m.pk: m.unit for m in meters["shop"]}
    units_by_pk = {u.pk: u for u in units.values()}

    for first, after in seasons:
        day = first
        while day < after:
            dd = degree_days.get(day, 0.0)
            days_left = (today - day).days
            heat_need = HEAT_PER_DEGREE_DAY * dd * rng.uniform(0.95, 1.05)
            # Allocators: one reading a day at 23:00, reset at the set date.
            moment = dt.datetime.combine(day, dt.time(23), tzinfo=services.LOCAL_TZ)
            if (day.month, day.day) == (1, 1):
                for meter in meters["hca"]:
                    counters[meter.pk] = 0.0
            for unit_id, radiators in hca_by_unit.items():
                unit = units_by_pk[unit_id]
                share = float(unit.area_m2) / total_area * behaviour[unit_id]
                if unit_id == empty_unit:
                    share = 0.0 if days_left > 6 else share * 0.3  # someone is heating it
                if unit_id == spike_unit and days_left == 1:
                    share *= 3.5
                for meter in radiators:
                    if meter is silent and days_left <= 4:
                        continue
                    units_read = heat_need * share / len(radiators) / float(meter.k_factor) / 3
                    if meter is stuck and days_left <= 3:
                        units_read = 0.0
                    emit(meter, moment, units_read)
            # Site meters: hourly through the heating hours.
            chp_hours = _heating_hours(day) + [
                dt.datetime.combine(day, dt.time(h), tzinfo=services.LOCAL_TZ) for h in (20, 21)
            ]
            efficiency = 0.92 if days_left > 3 else 0.74  # the boiler's last days
            hourly_heat = heat_need / 14
            for hour in range(24):
                moment = dt.datetime.combine(day, dt.time(hour), tzinfo=services.LOCAL_TZ)
                heating = moment in _heating_hours(day) and dd > 0
                chp_on = moment in chp_hours and dd > 0
                chp_heat = min(float(CHP_THERMAL_KW), hourly_heat) if heating else 0.0
                chp_el = (
                    float(CHP_ELECTRIC_KW) * (chp_heat / float(CHP_THERMAL_KW)) if chp_on else 0
                )
                boiler_heat = max(hourly_heat - chp_heat, 0.0) if heating else 0.0
                gas = boiler_heat / efficiency / float(GAS_KWH_PER_SM3)
                gas_chp = (chp_el + chp_heat) / 0.85 / float(GAS_KWH_PER_SM3)
                emit(meters["boiler"][0], moment, boiler_heat)
                emit(meters["chp_th"][0], moment, chp_heat)
                emit(meters["chp_el"][0], moment, chp_el)
                emit(meters["gas"][0], moment, gas)
                emit(meters["gas_chp"][0], moment, gas_chp)
                local_hour = moment.hour
                demand = 4.0 + (14.0 if 8 <= local_hour < 22 else 0.0) * rng.uniform(0.7, 1.1)
                for meter in meters["shop"]:
                    open_now = 9 <= local_hour < 19
                    load = rng.uniform(2.0, 4.0) if open_now else rng.uniform(0.1, 0.3)
                    if shop_units[meter.pk].name == NIGHT_LOAD_SHOP and not open_now:
                        load = rng.uniform(2.0, 2.6)
                    demand += load
                    emit(meter, moment, load)
                emit(meters["import"][0], moment, max(demand - chp_el, 0.0))
                emit(meters["export"][0], moment, max(chp_el - demand, 0.0))
            day += dt.timedelta(days=1)
    rows.sort(key=lambda row: row[1])
    for start in range(0, len(rows), 20_000):
        store(rows[start : start + 20_000])
