"""The observatory's pages: the staff dashboard, the public open-data page, the reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from distretto.accounts.scoping import principal_for_user
from distretto.core.errors import DomainError, NotFound
from distretto.observatory import indicators as ind
from distretto.observatory import report, services
from distretto.observatory.compute import add_months
from distretto.observatory.models import MonthlyReport
from distretto.territory.models import Chamber

COMPARISON_CODES = [
    "cards_active",
    "purchases_eur",
    "redemption_rate",
    "checkins",
    "services_delivered",
    "plays",
    "energy_heat_per_m2_dd",
]
DEFAULT_MAP_INDICATOR = "cards_active"


def sparkline(points: list[float | None], width: int = 100, height: int = 28) -> str:
    """SVG polyline points of a series (gaps skipped), scaled into the box."""
    known = [p for p in points if p is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = width / max(len(points) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - 2 - (p - low) / span * (height - 4):.1f}"
        for i, p in enumerate(points)
        if p is not None
    )


def _labels(months) -> list[str]:
    """The chart's months as the page's language writes them ("gen. 2026")."""
    return [date_format(m, "N Y") for m in months]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    principal = principal_for_user(request.user)
    chambers = list(services.staff_chambers(principal).order_by("name"))
    if not chambers:
        raise Http404
    try:
        scope = services.staff_scope(
            principal,
            request.GET.get("chamber"),
            request.GET.get("district"),
            request.GET.get("from"),
            request.GET.get("to"),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        scope = services.staff_scope(principal, request.GET.get("chamber"))
    language = get_language()
    month = scope.last
    areas = services.key_figures(scope.chamber, scope.district, month)
    for area in areas:
        area["name"] = area["name_en"] if language.startswith("en") else area["name_it"]
        for item in area["items"]:
            item["name"] = item["indicator"].name(language)
            item["unit"] = item["indicator"].unit_in(language)
            item["spark"] = sparkline(item["spark"])
            item["display"] = services.shown(item["value"], item["indicator"].decimals)
            item["vs_month_display"] = services.signed(item["vs_month"])
            item["vs_year_display"] = services.signed(item["vs_year"])
    has_values = any(item["value"] is not None for area in areas for item in area["items"])
    # An area none of whose indicators has a figure in the year is named, not drawn.
    shown_areas = [
        a for a in areas if any(i["value"] is not None or i["spark"] for i in a["items"])
    ]
    empty_areas = [a["name"] for a in areas if a not in shown_areas]
    with_data = [
        i["indicator"].code for a in shown_areas for i in a["items"] if i["value"] is not None
    ]
    map_code = request.GET.get("map") or (with_data[0] if with_data else DEFAULT_MAP_INDICATOR)
    if map_code not in ind.BY_CODE:
        map_code = DEFAULT_MAP_INDICATOR
    chart = _chart_data(scope, language)
    comparison_codes = [ind.get(code) for code in COMPARISON_CODES]
    context = {
        "scope": scope,
        "chambers": chambers,
        "month": month,
        "areas": shown_areas,
        "empty_areas": empty_areas,
        "has_values": has_values,
        "chart": chart,
        "comparison_codes": [(i.name(language), i.unit_in(language)) for i in comparison_codes],
        "comparison": services.comparison(scope.districts, month, COMPARISON_CODES),
        "map_code": map_code,
        "map_indicators": [(i.code, i.name(language)) for i in ind.INDICATORS],
        "map_data": {
            "indicator": ind.get(map_code).name(language),
            "unit": ind.get(map_code).unit_in(language),
            "features": services.map_features(scope, month, map_code),
        },
        "timeline": services.project_timeline(
            scope.chamber, None if scope.district is None else {scope.district.pk}
        ),
        "reports": services.reports_of([scope.chamber])[:12],
        "sees_total": services.sees_chamber_total(principal, scope.chamber),
        "report_month": services.last_complete_month(),
        "first_value": f"{scope.first:%Y-%m}",
        "last_value": f"{scope.last:%Y-%m}",
        "estimates": [i for i in ind.INDICATORS if i.estimate],
        "language": language,
    }
    decimals = [indicator.decimals for indicator in comparison_codes]
    for row in context["comparison"]:
        row["shown"] = [services.shown(v, d) for v, d in zip(row["values"], decimals, strict=True)]
    for item in context["timeline"]:
        for row in item["before_after"]:
            row["name"] = row["indicator"].name(language)
            row["before_display"] = services.shown(row["before"], 1)
            row["after_display"] = services.shown(row["after"], 1)
            row["change_display"] = services.signed(row["change"])
    return render(request, "observatory/dashboard.html", context)


def _chart_data(scope: services.Scope, language: str) -> dict:
    """Every indicator's monthly series for the chamber (when shown) and each district."""
    series_sets = []
    if scope.district is None:
        series_sets.append((scope.chamber.name, None))
        series_sets += [(d.name, d) for d in scope.districts]
    else:
        series_sets.append((scope.district.name, scope.district))
    indicators = {}
    found_sets = [
        (label, services.values(scope.chamber, district, scope.months))
        for label, district in series_sets
    ]
    for indicator in ind.INDICATORS:
        lines = [
            {"label": label, "data": services.series(found.get(indicator.code, {}), scope.months)}
            for label, found in found_sets
        ]
        indicators[indicator.code] = {
            "name": indicator.name(language),
            "unit": indicator.unit_in(language),
            "area": indicator.area,
            "decimals": indicator.decimals,
            "series": lines,
        }
    return {"months": _labels(scope.months), "indicators": indicators}


def open_data(request: HttpRequest) -> HttpResponse:
    """The public page of the published indicators, their definitions and downloads."""
    language = get_language()
    latest = services.latest_month()
    month = min(latest, services.last_complete_month()) if latest else None
    rows = []
    if month is not None:
        rows = [
            row
            for row in services.open_rows(
                first=f"{month:%Y-%m}", last=f"{month:%Y-%m}", language=language
            )
            if row["district"] is None
        ]
    for row in rows:
        row["shown"] = services.shown(row["value"], ind.get(row["indicator"]).decimals)
    chambers = Chamber.objects.order_by("name")
    by_chamber = {}
    for row in rows:
        by_chamber.setdefault(row["chamber"], []).append(row)
    context = {
        "definitions": [
            (i, i.name(language), i.unit_in(language), i.formula(language)) for i in ind.published()
        ],
        "month": month,
        "tables": [(c, by_chamber.get(c.code, [])) for c in chambers if c.code in by_chamber],
        "first_month": f"{add_months(month, -11):%Y-%m}" if month else "",
        "last_month": f"{month:%Y-%m}" if month else "",
        "small_count": ind.SMALL_COUNT,
    }
    return render(request, "observatory/open_data.html", context)


@login_required
def report_pdf(request: HttpRequest, chamber: str, month: str) -> HttpResponse:
    principal = principal_for_user(request.user)
    try:
        first = services.parse_month(month, "month")
    except DomainError:
        raise Http404 from None
    stored = MonthlyReport.objects.filter(
        chamber__in=services.staff_chambers(principal), chamber__code=chamber, month=first
    ).first()
    if stored is None:
        raise Http404
    response = HttpResponse(bytes(stored.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="osservatorio-{chamber}-{month}.pdf"'
    return response


@login_required
@require_POST
def generate_report(request: HttpRequest) -> HttpResponse:
    """A chamber's operator makes (again) the report of a month from the page."""
    principal = principal_for_user(request.user)
    chamber = services.staff_chambers(principal).filter(code=request.POST.get("chamber")).first()
    if chamber is None or not services.sees_chamber_total(principal, chamber):
        raise Http404
    try:
        month = services.parse_month(request.POST.get("month"), "month")
        if month is None:
            raise DomainError(_("Choose the month of the report."))
        report.store(chamber, month, language=get_language())
        messages.success(request, _("Report of %(month)s ready.") % {"month": f"{month:%m/%Y}"})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('observatory:dashboard')}?chamber={chamber.code}")
