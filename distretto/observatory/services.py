"""What the observatory's pages, API and report read: the stored monthly values,
shaped for cards, charts, the comparison table, the map, the project timeline and
the open data (with small counts suppressed). Nothing here computes an indicator:
``compute.py`` does, once."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts.models import Role
from distretto.accounts.scoping import Principal, chambers_for
from distretto.core import formatting
from distretto.core.errors import Invalid, NotFound
from distretto.observatory import indicators as ind
from distretto.observatory.compute import add_months, month_start
from distretto.observatory.models import MonthlyReport, MonthlyValue
from distretto.territory import figures as territory_figures
from distretto.territory.models import Chamber, District

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_MONTHS = 120
DEFAULT_MONTHS = 12


# --- Months and filters ------------------------------------------------------------------------


def parse_month(text: str | None, field: str) -> date | None:
    if text in (None, ""):
        return None
    match = MONTH_PATTERN.match(text)
    if not match:
        raise Invalid(_("Write the month as YYYY-MM."), field=field)
    return date(int(match.group(1)), int(match.group(2)), 1)


def last_complete_month(today: date | None = None) -> date:
    return add_months(month_start(today or timezone.localdate()), -1)


def month_range(first: date | None, last: date | None) -> list[date]:
    """The months from ``first`` to ``last`` (both included); by default the twelve
    months ending with the last complete one."""
    last = last or last_complete_month()
    first = first or add_months(last, -(DEFAULT_MONTHS - 1))
    if first > last:
        raise Invalid(_("The first month is after the last."), field="from")
    months = []
    while first <= last:
        months.append(first)
        if len(months) > MAX_MONTHS:
            raise Invalid(
                _("Ask for at most %(n)d months at a time.") % {"n": MAX_MONTHS}, field="to"
            )
        first = add_months(first, 1)
    return months


# --- Who sees what -----------------------------------------------------------------------------


def staff_chambers(principal: Principal) -> QuerySet:
    """Chambers whose observatory the caller opens: their operators, and the
    chambers of the districts the caller manages."""
    if principal.is_superuser:
        return Chamber.objects.all()
    if not principal.has_role(Role.CHAMBER_OPERATOR, Role.DISTRICT_MANAGER):
        return Chamber.objects.none()
    return chambers_for(principal)


def staff_districts(principal: Principal, chamber: Chamber) -> QuerySet:
    """The chamber's districts the caller sees figures of: all of them for its
    operators, the managed ones for district managers."""
    districts = District.objects.filter(chamber=chamber, active=True)
    if principal.is_superuser or chamber.pk in principal.ids(Role.CHAMBER_OPERATOR, "chamber"):
        return districts
    return districts.filter(pk__in=principal.ids(Role.DISTRICT_MANAGER, "district"))


def sees_chamber_total(principal: Principal, chamber: Chamber) -> bool:
    return principal.is_superuser or chamber.pk in principal.ids(Role.CHAMBER_OPERATOR, "chamber")


@dataclass
class Scope:
    """The page's selection: a chamber, maybe one of its districts, a run of months."""

    chamber: Chamber
    district: District | None
    months: list[date]
    districts: list[District]

    @property
    def first(self) -> date:
        return self.months[0]

    @property
    def last(self) -> date:
        return self.months[-1]


def staff_scope(
    principal: Principal,
    chamber_code: str | None = None,
    district_slug: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> Scope:
    chambers = staff_chambers(principal).order_by("name")
    chamber = chambers.filter(code=chamber_code).first() if chamber_code else chambers.first()
    if chamber is None:
        raise NotFound(_("No chamber with this code in your scope."))
    districts = list(staff_districts(principal, chamber).order_by("name"))
    district = None
    if district_slug:
        district = next((d for d in districts if d.slug == district_slug), None)
        if district is None:
            raise NotFound(_("No district with this name in your scope."))
    elif not sees_chamber_total(principal, chamber):
        if not districts:
            raise NotFound(_("No district with this name in your scope."))
        district = districts[0]
    months = month_range(parse_month(first, "from"), parse_month(last, "to"))
    return Scope(chamber=chamber, district=district, months=months, districts=districts)


# --- Reading values ----------------------------------------------------------------------------


def values(
    chamber: Chamber, district: District | None, months: list[date], codes=None, part: str = ""
) -> dict[str, dict[date, float | None]]:
    """code -> month -> stored value, for the chamber total or one district."""
    rows = MonthlyValue.objects.filter(
        chamber=chamber, district=district, month__gte=months[0], month__lte=months[-1], part=part
    )
    if codes is not None:
        rows = rows.filter(indicator__in=list(codes))
    found: dict[str, dict[date, float | None]] = defaultdict(dict)
    for code, month, value in rows.values_list("indicator", "month", "value").order_by():
        found[code][month] = value
    return found


def series(found: dict[date, float | None], months: list[date]) -> list[float | None]:
    return [found.get(month) for month in months]


def shown(value: float | None, decimals: int) -> str:
    """A value as the active language writes it (grouped thousands), or a dash."""
    return "–" if value is None else formatting.quantity(value, decimals)


def signed(percent: float | None) -> str:
    """A percent change with its sign, or nothing."""
    if percent is None:
        return ""
    return f"{'+' if percent > 0 else ''}{shown(percent, 1)} %"


def change(current: float | None, before: float | None) -> float | None:
    """Percent change from ``before`` to ``current`` (None when not comparable)."""
    if current is None or before is None or before == 0:
        return None
    return round((current - before) / abs(before) * 100, 1)


def tone(indicator: ind.Indicator, percent: float | None) -> str:
    """What a change means for ``indicator``: "good", "bad" or "neutral" (a rise is good
    only where the indicator says so: more heat used is bad); "" for no change."""
    if not percent:
        return ""
    if indicator.higher_is_better is None:
        return "neutral"
    return "good" if (percent > 0) == indicator.higher_is_better else "bad"


def key_figures(chamber: Chamber, district: District | None, month: date) -> list[dict]:
    """Every indicator's value in ``month`` with its change on the month before and
    on the same month a year earlier, grouped by area."""
    months = [add_months(month, -12), *(add_months(month, -n) for n in range(11, 0, -1)), month]
    found = values(chamber, district, months)
    previous, year_before = add_months(month, -1), add_months(month, -12)
    areas = []
    for area, (name_it, name_en) in ind.AREAS.items():
        items = []
        for indicator in ind.INDICATORS:
            if indicator.area != area:
                continue
            by_month = found.get(indicator.code, {})
            value = by_month.get(month)
            vs_month = change(value, by_month.get(previous))
            vs_year = change(value, by_month.get(year_before))
            items.append(
                {
                    "indicator": indicator,
                    "value": value,
                    "vs_month": vs_month,
                    "vs_year": vs_year,
                    "vs_month_tone": tone(indicator, vs_month),
                    "vs_year_tone": tone(indicator, vs_year),
                    "spark": series(by_month, months[1:]),
                }
            )
        areas.append({"code": area, "name_it": name_it, "name_en": name_en, "items": items})
    return areas


def comparison(districts: list[District], month: date, codes: list[str]) -> list[dict]:
    """One row per district: the ``codes`` in ``month``."""
    rows = MonthlyValue.objects.filter(
        district__in=districts, month=month, indicator__in=codes, part=""
    ).values_list("district", "indicator", "value")
    found = {(district_id, code): value for district_id, code, value in rows}
    return [
        {"district": d, "values": [found.get((d.pk, code)) for code in codes]} for d in districts
    ]


def map_features(scope: Scope, month: date, code: str) -> dict:
    """GeoJSON of the scope's districts with ``code``'s value in ``month``: the
    boundary when the registry has one, else the centre as a point."""
    found = dict(
        MonthlyValue.objects.filter(
            district__in=scope.districts, month=month, indicator=code, part=""
        ).values_list("district", "value")
    )
    features = []
    for district in scope.districts:
        geometry = district.boundary or {
            "type": "Point",
            "coordinates": [district.centre_lon, district.centre_lat],
        }
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "name": district.name,
                    "slug": district.slug,
                    "value": found.get(district.pk),
                    "centre": [district.centre_lat, district.centre_lon],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


BEFORE_AFTER_CODES = ["cards_active", "purchases_eur", "checkins", "services_delivered", "plays"]
BEFORE_AFTER_MONTHS = 6


def project_timeline(chamber: Chamber, district_ids: set[int] | None = None) -> list[dict]:
    """The chamber's projects by start, each with its district's key indicators over
    the six months before its start against the six months from it (averages of the
    months stored; empty where a side has no month)."""
    names = dict(District.objects.filter(chamber=chamber).values_list("pk", "name"))
    timeline = []
    for project in territory_figures.projects([chamber.pk]):
        district_id = project["district_id"]
        if district_ids is not None and district_id not in district_ids:
            continue
        item = {**project, "district_name": names.get(district_id, ""), "before_after": []}
        if district_id is not None:
            item["before_after"] = before_after(chamber, district_id, project["starts_on"])
        timeline.append(item)
    return timeline


def before_after(chamber: Chamber, district_id: int, start: date) -> list[dict]:
    before = [add_months(start, -n) for n in range(BEFORE_AFTER_MONTHS, 0, -1)]
    after = [add_months(start, n) for n in range(BEFORE_AFTER_MONTHS)]
    rows = MonthlyValue.objects.filter(
        chamber=chamber,
        district_id=district_id,
        indicator__in=BEFORE_AFTER_CODES,
        part="",
        month__gte=before[0],
        month__lte=after[-1],
    ).values_list("indicator", "month", "value")
    sides: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"before": [], "after": []})
    for code, month, value in rows:
        if value is not None:
            sides[code]["before" if month < start else "after"].append(value)
    result = []
    for code in BEFORE_AFTER_CODES:
        side = sides.get(code)
        if not side:
            continue
        mean_before = _mean(side["before"])
        mean_after = _mean(side["after"])
        percent = change(mean_after, mean_before)
        result.append(
            {
                "indicator": ind.get(code),
                "before": mean_before,
                "after": mean_after,
                "change": percent,
                "tone": tone(ind.get(code), percent),
            }
        )
    return result


def _mean(numbers: list[float]) -> float | None:
    return round(sum(numbers) / len(numbers), 2) if numbers else None


# --- Open data ----------------------------------------------------------------------------------

OPEN_COLUMNS = [
    "month",
    "chamber",
    "district",
    "district_name",
    "area",
    "indicator",
    "name",
    "unit",
    "value",
    "suppressed",
    "estimate",
]


def suppressed(basis: int | None) -> bool:
    """A value resting on 1 to 4 people or shops is not published."""
    return basis is not None and 0 < basis < ind.SMALL_COUNT


def blanked_totals(months: list[date], codes: list[str]) -> set[tuple[int, date, str]]:
    """The (chamber, month, indicator) whose chamber total is not published either
    (secondary suppression): the districts' values held back (small ones, and those
    of districts no longer published) rest on 1 to 4 people or shops in all, so the
    total less the published districts would give them away."""
    active = set(District.objects.filter(active=True).values_list("pk", flat=True))
    held_back: dict[tuple[int, date, str], int] = defaultdict(int)
    rows = MonthlyValue.objects.filter(
        month__gte=months[0],
        month__lte=months[-1],
        indicator__in=codes,
        part="",
        district__isnull=False,
        basis__gt=0,
    ).values_list("chamber", "district", "month", "indicator", "basis")
    for chamber_id, district_id, month, code, basis in rows.order_by():
        if suppressed(basis) or district_id not in active:
            held_back[(chamber_id, month, code)] += basis
    return {key for key, basis in held_back.items() if suppressed(basis)}


def open_rows(
    *,
    district: str | None = None,
    chamber: str | None = None,
    first: str | None = None,
    last: str | None = None,
    indicator: str | None = None,
    language: str = "it",
) -> list[dict]:
    """The publishable indicators per district and chamber and month (whole values,
    no parts), the small ones blanked and flagged; the public district filter is its
    slug, the chamber's its code."""
    months = month_range(parse_month(first, "from"), parse_month(last, "to"))
    codes = [i.code for i in ind.published()]
    if indicator:
        if indicator not in codes:
            raise Invalid(_("Unknown or unpublished indicator."), field="indicator")
        codes = [indicator]
    rows = MonthlyValue.objects.filter(
        month__gte=months[0], month__lte=months[-1], indicator__in=codes, part=""
    )
    if district:
        found = District.objects.filter(slug=district, active=True).first()
        if found is None:
            raise Invalid(_("No district with this name."), field="district")
        rows = rows.filter(district=found)
    if chamber:
        found_chamber = Chamber.objects.filter(code=chamber).first()
        if found_chamber is None:
            raise Invalid(_("No chamber with this code."), field="chamber")
        rows = rows.filter(chamber=found_chamber)
    districts = {
        pk: (slug, name)
        for pk, slug, name in District.objects.filter(active=True).values_list("pk", "slug", "name")
    }
    chambers = {
        pk: (code, name) for pk, code, name in Chamber.objects.values_list("pk", "code", "name")
    }
    order = {code: n for n, code in enumerate(codes)}
    blanked = blanked_totals(months, codes)
    result = []
    # Plain tuples: an answer holds thousands of rows, and model instances would cost
    # more than the query.
    for chamber_id, district_id, month, code, value, basis in rows.values_list(
        "chamber", "district", "month", "indicator", "value", "basis"
    ).order_by("month", "chamber", "district", "indicator"):
        if district_id is not None and district_id not in districts:
            continue  # a district no longer active
        indicator_ = ind.get(code)
        hidden = suppressed(basis) or (district_id is None and (chamber_id, month, code) in blanked)
        chamber_code, chamber_name = chambers[chamber_id]
        slug, name = districts[district_id] if district_id is not None else (None, chamber_name)
        result.append(
            {
                "month": f"{month:%Y-%m}",
                "chamber": chamber_code,
                "district": slug,
                "district_name": name,
                "area": indicator_.area,
                "indicator": code,
                "name": indicator_.name(language),
                "unit": indicator_.unit_in(language),
                "value": None if hidden else value,
                "suppressed": hidden,
                "estimate": indicator_.estimate,
            }
        )
    result.sort(
        key=lambda r: (r["month"], r["chamber"], r["district"] or "", order[r["indicator"]])
    )
    return result


def open_csv(rows: list[dict]) -> str:
    """CSV (comma, UTF-8, dot decimals) of ``open_rows``: a suppressed value is empty."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OPEN_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "district": row["district"] or "",
                "value": "" if row["value"] is None else repr(row["value"]),
                "suppressed": "true" if row["suppressed"] else "false",
                "estimate": "true" if row["estimate"] else "false",
            }
        )
    return out.getvalue()


def latest_month() -> date | None:
    return MonthlyValue.objects.order_by("-month").values_list("month", flat=True).first()


def reports_of(chambers) -> QuerySet:
    return MonthlyReport.objects.filter(chamber__in=chambers).defer("pdf")
