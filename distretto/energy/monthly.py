"""Monthly consumption information for the residents of sites read remotely.

D.Lgs. 102/2014 Allegato 9 (as amended by D.Lgs. 73/2020) asks that, where the
meters or heat cost allocators are read remotely, residents get their consumption
information every month. A site is *read remotely* when it has an active gateway.

For a unit and a month this module gives the unit's consumption month by month from
the start of the heating season, each month compared as the season's statement does
(``statement.compare``): the same month one year earlier, corrected by the degree
days of both months; the building's average unit per m². The figures come from the
units' monthly rollups (allocators weighted by K = KQ × KC, heat meters in kWh).

``send_monthly_notices(month)`` e-mails it, with the PDF, to every resident who has
an address, at most once per unit and month (``MonthlyNotice``): the periodic job
may run as often as it likes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from distretto.core.formatting import quantity
from distretto.energy.models import (
    DailyWeather,
    GroupRollup,
    Meter,
    MonthlyNotice,
    Site,
    Unit,
)
from distretto.energy.services import LOCAL_TZ, as_local_datetime, season_of
from distretto.energy.statement import Comparison, compare
from distretto.territory.figures import next_month


@dataclass
class MonthLine:
    month: dt.date
    comparison: Comparison


@dataclass
class MonthlyInformation:
    unit: Unit
    month: dt.date
    measure_kind: str  # Meter.Kind.HEAT or Meter.Kind.HCA
    measure: str
    months: list[MonthLine]  # from the season's first month to ``month``
    season: Comparison  # the season so far, against the same months a year earlier

    @property
    def current(self) -> MonthLine:
        return self.months[-1]


def is_read_remotely(site: Site) -> bool:
    return site.gateways.filter(active=True).exists()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def parse_month(text: str) -> dt.date | None:
    """``YYYY-MM`` → its first day; None when it is not a month."""
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


def _year_before(month: dt.date) -> dt.date:
    return month.replace(year=month.year - 1)


def _measure_kind(unit: Unit) -> str:
    heat = unit.meters.filter(kind=Meter.Kind.HEAT, role=Meter.Role.CONSUMPTION).exists()
    return Meter.Kind.HEAT if heat else Meter.Kind.HCA


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    return months


def monthly_information(unit: Unit, month: dt.date) -> MonthlyInformation:
    """The unit's months from the start of the heating season up to ``month``."""
    site = unit.site
    month = month_start(month)
    season_first, _after = season_of(site, month)
    months = _months(month_start(season_first), month)[-12:]
    kind = _measure_kind(unit)
    earliest, after = _year_before(months[0]), next_month(month)
    # (month, unit) -> consumption, for this year's and last year's months, one query.
    consumption: dict[tuple[dt.date, int], float] = defaultdict(float)
    rows = GroupRollup.objects.filter(
        site=site,
        granularity=GroupRollup.Granularity.MONTH,
        bucket__gte=as_local_datetime(earliest),
        bucket__lt=as_local_datetime(after),
        unit_key__gt=0,
        kind=kind,
        role=Meter.Role.CONSUMPTION,
    ).values_list("bucket", "unit_key", "consumption")
    for bucket, unit_key, total in rows:
        consumption[(month_start(bucket.astimezone(LOCAL_TZ).date()), unit_key)] += total or 0.0
    degree_days: dict[dt.date, float] = defaultdict(float)
    for day, value in DailyWeather.objects.filter(
        site=site, day__gte=earliest, day__lt=after
    ).values_list("day", "degree_days"):
        degree_days[month_start(day)] += value
    areas = {pk: area for pk, area in Unit.objects.filter(site=site).values_list("pk", "area_m2")}
    measure = _("kWh") if kind == Meter.Kind.HEAT else _("allocator units (× KQ × KC)")

    def figure(key: tuple[dt.date, int]) -> Decimal | None:
        value = consumption.get(key)
        return None if value is None else Decimal(repr(round(value, 3)))

    def building(months_: list[dt.date]) -> tuple[Decimal, Decimal, int]:
        units = {u for (m, u) in consumption if m in months_ and areas.get(u)}
        total = sum((figure((m, u)) or Decimal(0) for m in months_ for u in units), Decimal(0))
        return total, sum((areas[u] for u in units), Decimal(0)), len(units)

    def degree(months_: list[dt.date]) -> Decimal | None:
        value = sum(degree_days.get(m, 0.0) for m in months_)
        return Decimal(repr(round(value, 1))) if value else None

    def comparison_of(months_: list[dt.date]) -> Comparison:
        this = [figure((m, unit.pk)) for m in months_]
        previous = [figure((_year_before(m), unit.pk)) for m in months_]
        known_previous = [p for p in previous if p is not None]
        return compare(
            measure,
            sum((t or Decimal(0) for t in this), Decimal(0)),
            sum(known_previous, Decimal(0)) if known_previous else None,
            degree(months_),
            degree([_year_before(m) for m in months_]),
            areas.get(unit.pk) or None,
            *building(months_),
        )

    return MonthlyInformation(
        unit=unit,
        month=month,
        measure_kind=kind,
        measure=measure,
        months=[MonthLine(m, comparison_of([m])) for m in months],
        season=comparison_of(months),
    )


def month_label(month: dt.date) -> str:
    return date_format(month, "F Y")


# --- E-mail ---------------------------------------------------------------------------------


def notice_text(info: MonthlyInformation) -> str:
    """The e-mail's body: the month's figures and its comparisons, in words."""
    current = info.current.comparison
    lines = [
        _("Heating consumption of %(unit)s (%(site)s), %(month)s")
        % {"unit": info.unit.name, "site": info.unit.site.name, "month": month_label(info.month)},
        "",
        _("This month: %(value)s %(measure)s")
        % {"value": quantity(current.quantity, 0), "measure": info.measure},
    ]
    if current.previous_quantity is not None:
        lines.append(
            _("Same month last year: %(value)s %(measure)s")
            % {"value": quantity(current.previous_quantity, 0), "measure": info.measure}
        )
    if current.previous_corrected is not None:
        lines.append(
            _("Same month last year, corrected for degree days: %(value)s %(measure)s")
            % {"value": quantity(current.previous_corrected, 0), "measure": info.measure}
        )
    if current.per_m2 is not None and current.building_per_m2 is not None:
        lines.append(
            _("Per m²: yours %(unit)s, the building's average unit %(building)s")
            % {
                "unit": quantity(current.per_m2, 2),
                "building": quantity(current.building_per_m2, 2),
            }
        )
    lines += [
        "",
        _("Season so far: %(value)s %(measure)s")
        % {"value": quantity(info.season.quantity, 0), "measure": info.measure},
        "",
        _("The attached PDF has every month of the season and the comparisons."),
    ]
    return "\n".join(lines)


def send_monthly_notices(month: dt.date) -> int:
    """E-mail the month's information to every resident with an address, of every site
    read remotely; units already told about that month are skipped. Returns the number
    of e-mails sent."""
    from distretto.energy.monthly_pdf import monthly_pdf

    month = month_start(month)
    sent = 0
    units = (
        Unit.objects.filter(
            site__gateways__active=True, occupant__isnull=False, occupant__is_active=True
        )
        .exclude(occupant__email="")
        .exclude(monthly_notices__month=month)
        .select_related("site", "occupant")
        .distinct()
        .order_by("site_id", "pk")
    )
    for unit in units:
        with translation.override(settings.LANGUAGE_CODE):
            info = monthly_information(unit, month)
            message = EmailMessage(
                _("Your heating consumption, %(month)s") % {"month": month_label(month)},
                notice_text(info),
                getattr(settings, "DEFAULT_FROM_EMAIL", None),
                [unit.occupant.email],
            )
            message.attach(
                f"consumi-{unit.pk}-{month:%Y-%m}.pdf", monthly_pdf(info), "application/pdf"
            )
        try:
            # The notice is the lock: a second job for the same month fails to create it
            # and sends nothing; a failed send rolls it back so that the next run retries.
            with transaction.atomic():
                MonthlyNotice.objects.create(unit=unit, month=month, recipient=unit.occupant.email)
                message.send()
        except IntegrityError:
            continue
        sent += 1
    return sent
