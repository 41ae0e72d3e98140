"""Energy pages: dashboards, unit and meter pages, rejected input, CSV export, registry, gateways.

Thin: figures come from ``services``, scoping from ``access``; charts are drawn by
static/energy/charts.js from data embedded in the page.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json

from asgiref.sync import sync_to_async
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from pydantic import ValidationError as SchemaValidationError

from distretto.accounts.scoping import principal_for_user
from distretto.core.errors import DomainError
from distretto.energy import anomalies, display, ingestion, monthly, registry, services
from distretto.energy.access import (
    anomalies_for,
    managed_sites,
    meters_for,
    rejections_for,
    site_districts,
    units_for,
)
from distretto.energy.forms import (
    GatewayForm,
    MeterEditForm,
    MeterForm,
    SiteEditForm,
    SiteForm,
    UnitEditForm,
    UnitForm,
)
from distretto.energy.models import Gateway, Meter, RejectedReading, Site, Unit
from distretto.energy.schemas import (
    GatewayIn,
    MeterIn,
    MeterPatch,
    SiteIn,
    SitePatch,
    UnitIn,
    UnitPatch,
)
from distretto.territory.models import Comune

GRANULARITY_LABELS = {"hour": "Hour", "day": "Day", "month": "Month"}
# How many of a period's latest readings the meter page draws and lists.
METER_CHART_READINGS = 2000
METER_TABLE_READINGS = 200


def _principal(request: HttpRequest):
    return principal_for_user(request.user)


def _site(request: HttpRequest, site_id: int) -> Site:
    return get_object_or_404(managed_sites(_principal(request)), pk=site_id)


def _date(raw: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _period(request: HttpRequest, site: Site) -> dict:
    """The chosen range (``from``/``to`` dates, ``to`` included) and its presets."""
    today = timezone.localdate()
    first, after = services.season_of(site, today)
    season_end = min(after, today + dt.timedelta(days=1)) - dt.timedelta(days=1)
    start = _date(request.GET.get("from"), first)
    end = _date(request.GET.get("to"), season_end)
    if end < start:
        start, end = end, start
    granularity = request.GET.get("granularity")
    if granularity not in GRANULARITY_LABELS:
        granularity = (
            "hour" if (end - start).days < 3 else "day" if (end - start).days < 120 else "month"
        )
    last_first, last_after = services.season_of(site, first - dt.timedelta(days=1))
    presets = [
        (_("Last 7 days"), today - dt.timedelta(days=7), today - dt.timedelta(days=1)),
        (_("Last 30 days"), today - dt.timedelta(days=30), today - dt.timedelta(days=1)),
        (_("This season"), first, season_end),
        (_("Last season"), last_first, last_after - dt.timedelta(days=1)),
    ]
    return {
        "start": start,
        "end": end,
        "after": end + dt.timedelta(days=1),
        "granularity": granularity,
        "presets": presets,
        "query": f"from={start.isoformat()}&to={end.isoformat()}&granularity={granularity}",
    }


def _csv(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    sites = managed_sites(principal).select_related("district").order_by("name")
    own_units = units_for(principal).filter(occupant=request.user)
    if not sites.exists() and own_units.exists():
        return redirect("energy:unit", unit_id=own_units.first().pk)
    return render(
        request,
        "energy/sites.html",
        {
            "sites": sites,
            "own_units": own_units,
            "can_create_site": site_districts(principal).exists(),
        },
    )


@login_required
def my_unit(request: HttpRequest) -> HttpResponse:
    unit = units_for(_principal(request)).filter(occupant=request.user).first()
    if unit is None:
        raise Http404(_("No unit is registered in your name."))
    return redirect("energy:unit", unit_id=unit.pk)


def _site_charts(site: Site, period: dict) -> dict:
    start, after = period["start"], period["after"]
    return {
        "consumption": services.consumption_series(
            site, start, after, granularity=period["granularity"], by="site"
        ),
        "ranking": services.normalised_ranking(site, start, after),
        "degree_days": services.degree_day_series(site, start, after),
        "cogeneration": services.cogeneration_balance(site, start, after),
        "load_profile": services.load_profile(site, start, after),
    }


@login_required
def site_dashboard(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site(request, site_id)
    period = _period(request, site)
    charts = _site_charts(site, period)
    open_anomalies = (
        anomalies_for(_principal(request))
        .filter(site=site, ended_at__isnull=True)
        .select_related("unit", "meter", "gateway")
    )
    peak = charts["load_profile"]["peak"]
    drawn = {
        "granularity": period["granularity"],
        "consumption": display.consumption_charts(charts["consumption"], by="site"),
        "ranking": display.ranking_charts(charts["ranking"]),
        "degree_days": charts["degree_days"],
        "load_profile": charts["load_profile"],
    }
    return render(
        request,
        "energy/site.html",
        {
            "site": site,
            "period": period,
            "charts": charts,
            "drawn": drawn,
            "words": display.chart_words(period["granularity"]),
            "peak": peak and {"kw": peak["kw"], "at": dt.datetime.fromisoformat(peak["at"])},
            "anomalies": open_anomalies,
            "open_rejections": site.rejections.filter(status="open").count(),
            "units": display.naturally(site.units.all(), key=lambda unit: unit.name),
            "site_meters": site.meters.filter(unit__isnull=True).order_by("kind"),
        },
    )


@login_required
def site_export(request: HttpRequest, site_id: int, chart: str) -> HttpResponse:
    """Any chart of the dashboard as CSV, for the same period."""
    site = _site(request, site_id)
    period = _period(request, site)
    start, after = period["start"], period["after"]
    name = f"{site.pk}-{chart}-{period['start']}-{period['end']}.csv"
    if chart == "consumption":
        series = services.consumption_series(
            site,
            start,
            after,
            granularity=period["granularity"],
            by=request.GET.get("by", "site")
            if request.GET.get("by") in services.GROUPINGS
            else "site",
        )
        rows = [
            [s["label"], s["kind"], s["unit_of_measure"], p["t"], p["value"]]
            for s in series
            for p in s["points"]
        ]
        return _csv(name, ["series", "kind", "unit", "period", "value"], rows)
    if chart == "ranking":
        ranking = services.normalised_ranking(site, start, after)
        keys = ["name", "kind", "measure", "consumption", "area_m2", "per_m2", "per_degree_day"]
        return _csv(name, keys, [[r[k] for k in keys] for r in ranking["units"]])
    if chart == "degree-days":
        days = services.degree_day_series(site, start, after)
        keys = ["day", "mean_temperature", "degree_days", "heat_kwh"]
        return _csv(name, keys, [[d[k] for k in keys] for d in days])
    if chart == "load-profile":
        profile = services.load_profile(site, start, after)
        return _csv(
            name, ["hour", "average_kw"], [[p["hour"], p["average"]] for p in profile["profile"]]
        )
    if chart == "cogeneration":
        balance = services.cogeneration_balance(site, start, after)
        rows = [[f"electricity.{k}", v] for k, v in balance["electricity"].items()]
        rows += [[f"heat.{k}", v] for k, v in balance["heat"].items()]
        rows += [
            ["fuel_kwh", balance["fuel_kwh"]],
            ["overall_efficiency", balance["overall_efficiency"]],
        ]
        return _csv(name, ["figure", "value"], rows)
    raise Http404(_("No such chart."))


@login_required
@require_POST
def acknowledge_anomaly(request: HttpRequest, anomaly_id: int) -> HttpResponse:
    anomaly = get_object_or_404(anomalies_for(_principal(request)), pk=anomaly_id)
    anomalies.acknowledge(anomaly, by=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "energy/_anomaly_row.html", {"anomaly": anomaly})
    return redirect("energy:site", site_id=anomaly.site_id)


@login_required
def unit_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    principal = _principal(request)
    unit = get_object_or_404(units_for(principal).select_related("site"), pk=unit_id)
    period = _period(request, unit.site)
    series = services.consumption_series(
        unit.site,
        period["start"],
        period["after"],
        granularity=period["granularity"],
        by="meter",
        units=[unit.pk],
    )
    if request.GET.get("format") == "csv":
        rows = [
            [s["label"], s["kind"], s["unit_of_measure"], p["t"], p["value"]]
            for s in series
            for p in s["points"]
        ]
        return _csv(f"unit-{unit.pk}.csv", ["meter", "kind", "unit", "period", "value"], rows)
    comparison = services.unit_comparison(unit, min(period["end"], timezone.localdate()))
    meters = list(unit.meters.order_by("kind", "external_id"))
    for meter in meters:
        meter.decimals = display.meter_decimals(meter)
    return render(
        request,
        "energy/unit.html",
        {
            "unit": unit,
            "period": period,
            "comparison": comparison,
            "season_start": dt.date.fromisoformat(comparison["season"]["from"]),
            "drawn": {
                "granularity": period["granularity"],
                "consumption": display.consumption_charts(series, by="meter"),
                "comparison": comparison,
                "measure": display.comparison_unit(meters),
            },
            "words": display.chart_words(period["granularity"]),
            "meters": meters,
            "is_manager": managed_sites(principal).filter(pk=unit.site_id).exists(),
            "monthly_information": monthly.is_read_remotely(unit.site),
        },
    )


@login_required
def meter_page(request: HttpRequest, meter_id: int) -> HttpResponse:
    meter = get_object_or_404(
        meters_for(_principal(request)).select_related("site", "unit", "replaced_by"),
        pk=meter_id,
    )
    period = _period(request, meter.site)
    readings = meter.readings.filter(
        ts__gte=services.as_local_datetime(period["start"]),
        ts__lt=services.as_local_datetime(period["after"]),
    ).order_by("ts")
    if request.GET.get("format") == "csv":
        rows = [
            [r.ts.astimezone(services.LOCAL_TZ).isoformat(), r.value, r.delta]
            for r in readings.iterator()
        ]
        return _csv(f"meter-{meter.external_id}.csv", ["ts", "value", "consumption"], rows)
    # The latest readings of the period, oldest first for the chart.
    shown = list(readings.reverse()[:METER_CHART_READINGS])[::-1]
    decimals = display.meter_decimals(meter, [r.value for r in shown])
    return render(
        request,
        "energy/meter.html",
        {
            "meter": meter,
            "period": period,
            "decimals": decimals,
            "readings": shown[::-1][:METER_TABLE_READINGS],
            "chart": {
                "labels": [r.ts.astimezone(services.LOCAL_TZ).isoformat() for r in shown],
                "values": [round(r.value, decimals) for r in shown],
                "unit": display.unit_symbol(meter.unit_of_measure),
            },
            "words": display.chart_words(),
            "total": readings.count(),
        },
    )


@login_required
def rejections_page(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site(request, site_id)
    principal = _principal(request)
    if request.method == "POST":
        pending = rejections_for(principal).filter(site=site, status=RejectedReading.Status.OPEN)
        if request.POST.get("action") == "registry":
            upload = request.FILES.get("file")
            try:
                if upload is None:
                    raise DomainError(_("Choose a CSV file."))
                lines = upload.read().decode("utf-8-sig").splitlines(keepends=True)
                counts = registry.import_registry_csv(site, lines)
            except (DomainError, UnicodeDecodeError) as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("%(units)d units and %(meters)d meters created or updated.") % counts,
                )
        elif request.POST.get("action") == "dismiss":
            pending.filter(pk=request.POST.get("id")).update(
                status=RejectedReading.Status.DISMISSED
            )
        else:
            outcome = ingestion.replay(list(pending), site_ids=[site.pk])
            messages.success(
                request,
                _("%(replayed)d replayed, %(still)d still rejected.")
                % {"replayed": outcome["replayed"], "still": outcome["still_rejected"]},
            )
        return redirect("energy:rejections", site_id=site.pk)
    rejections = rejections_for(principal).filter(site=site, status=RejectedReading.Status.OPEN)
    return render(
        request,
        "energy/rejections.html",
        {"site": site, "rejections": rejections[:200], "count": rejections.count()},
    )


async def upload_readings(request: HttpRequest, site_id: int) -> HttpResponse:
    """CSV upload that streams its progress back as JSON lines, one per batch."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = await request.auser()
    if not user.is_authenticated:
        raise Http404
    principal = principal_for_user(user)

    def prepare():
        site = managed_sites(principal).filter(pk=site_id).first()
        upload = request.FILES.get("file")
        return site, upload

    site, upload = await sync_to_async(prepare)()
    if site is None or upload is None:
        raise Http404
    progress = ingestion.ingest_csv(
        codecs.iterdecode(upload, "utf-8-sig"), site_ids=[site.pk], submitted_by=user
    )
    step = sync_to_async(lambda: next(progress, None))

    async def lines():
        while True:
            try:
                update = await step()
            except (DomainError, UnicodeDecodeError) as error:
                yield json.dumps({"error": str(error), "done": True}) + "\n"
                return
            if update is None:
                return
            update["rejected_count"] = len(update["rejected"])
            update["rejected"] = update["rejected"][:20]
            yield json.dumps(update) + "\n"

    return StreamingHttpResponse(lines(), content_type="application/x-ndjson")


# --- Meter registry: sites, units and meters by page --------------------------------------------
#
# The pages accept exactly what the API accepts: the form's typed values go through
# the API's schemas, then to the same service and registry functions; whatever
# those refuse is shown on the form, and nothing is written.

REGISTRY_ERRORS = (DomainError, ModelValidationError, SchemaValidationError)


def _managed_units(request: HttpRequest) -> QuerySet:
    return Unit.objects.filter(site__in=managed_sites(_principal(request)))


def _filled(data: dict) -> dict:
    """Form values the user gave; left out like absent JSON keys, so schema defaults apply."""
    return {name: value for name, value in data.items() if value not in (None, "")}


# The schemas' bounds, said in the page's language (pydantic speaks English only).
SCHEMA_MESSAGES = {
    "less_than_equal": (
        "le",
        gettext_lazy("Ensure this value is less than or equal to %(limit)s."),
    ),
    "greater_than_equal": (
        "ge",
        gettext_lazy("Ensure this value is greater than or equal to %(limit)s."),
    ),
    "greater_than": ("gt", gettext_lazy("Ensure this value is greater than %(limit)s.")),
}


def _schema_message(error: dict) -> str:
    known = SCHEMA_MESSAGES.get(error["type"])
    if known is None:
        return error["msg"]
    bound, text = known
    return str(text) % {"limit": error.get("ctx", {}).get(bound)}


def _show_error(form: forms.Form, error: Exception) -> None:
    """Put a schema, domain or model error on the field it names (or on the form)."""
    if isinstance(error, SchemaValidationError):
        items = [(e["loc"][0] if e["loc"] else None, [_schema_message(e)]) for e in error.errors()]
    elif isinstance(error, DomainError):
        items = [(error.field, [error.message])]
    elif hasattr(error, "error_dict"):
        items = list(error.message_dict.items())
    else:
        items = [(None, error.messages)]
    for field, texts in items:
        form.add_error(field if field in form.fields else None, texts)


@login_required
def registry_site_new(request: HttpRequest) -> HttpResponse:
    """A new site in one of the districts the caller manages."""
    districts = site_districts(_principal(request)).order_by("name")
    if not districts.exists():
        raise Http404
    form = SiteForm(request.POST or None, districts=districts)
    if request.method == "POST" and form.is_valid():
        data = _filled(form.cleaned_data)
        data["district"] = data["district"].pk
        try:
            fields = SiteIn.model_validate(data).dict()
            district = districts.get(pk=fields.pop("district"))
            site = services.create_site(
                district, {k: v for k, v in fields.items() if v is not None}
            )
        except REGISTRY_ERRORS as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Site %(name)s created.") % {"name": site.name})
            return redirect("energy:registry", site_id=site.pk)
    return render(
        request, "energy/registry_site.html", {"form": form, "comuni": _comuni_near(districts)}
    )


def _comuni_near(districts) -> QuerySet:
    """Comuni in force of the districts' provinces, for the comune field's suggestions."""
    codes = [district.comune_id for district in districts if district.comune_id]
    provinces = Comune.objects.filter(pk__in=codes).values("province")
    return Comune.objects.in_force().filter(province__in=provinces).order_by("name")


@login_required
def registry_site_edit(request: HttpRequest, site_id: int) -> HttpResponse:
    """Change a site; choosing another comune brings its DPR 412/93 figures (or asks)."""
    site = _site(request, site_id)
    initial = {
        "name": site.name,
        "address": site.address,
        "comune": site.comune_id or "",
        "climate_zone": site.climate_zone,
    }
    form = SiteEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _filled(form.cleaned_data)
        if data.get("climate_zone") == site.climate_zone and "degree_days" not in data:
            del data["climate_zone"]  # the zone shown, not a choice
        data["comune"] = form.cleaned_data["comune"] or None
        try:
            changes = SitePatch.model_validate(data).dict(exclude_unset=True)
            services.update_site(site, changes)
        except REGISTRY_ERRORS as error:
            _show_error(form, error)
            site.refresh_from_db()  # a refused edit leaves the page as it was
        else:
            messages.success(request, _("Site %(name)s saved.") % {"name": site.name})
            return redirect("energy:registry", site_id=site.pk)
    return render(
        request,
        "energy/registry_site.html",
        {"form": form, "site": site, "comuni": _comuni_near([site.district])},
    )


def _create_unit(site: Site, form: UnitForm) -> Unit | None:
    try:
        fields = UnitIn.model_validate({**_filled(form.cleaned_data), "site": site.pk}).dict()
        del fields["site"], fields["occupant"]
        return services.create_unit(site, fields)
    except REGISTRY_ERRORS as error:
        _show_error(form, error)
        return None


def _create_meter(site: Site, form: MeterForm) -> Meter | None:
    data = _filled(form.cleaned_data)
    unit, old = data.pop("unit", None), data.pop("replaces", None)
    data.update(site=site.pk, unit=unit and unit.pk, replaces=old and old.pk)
    try:
        fields = MeterIn.model_validate(data).dict()
        del fields["site"], fields["replaces"]
        fields["unit"] = unit
        with transaction.atomic():
            meter = services.create_meter(site, fields)
            if old is not None:
                registry.replace_meter(old, meter)
        return meter
    except REGISTRY_ERRORS as error:
        _show_error(form, error)
        return None


@login_required
def registry_page(request: HttpRequest, site_id: int) -> HttpResponse:
    """A site's units and meters, with forms to add them."""
    site = _site(request, site_id)
    unit_form = UnitForm(prefix="unit")
    meter_form = MeterForm(site=site, prefix="meter")
    action = request.POST.get("action")
    if request.method == "POST" and action == "unit":
        unit_form = UnitForm(request.POST, prefix="unit")
        if unit_form.is_valid() and (unit := _create_unit(site, unit_form)):
            messages.success(request, _("Unit %(name)s added.") % {"name": unit.name})
            return redirect("energy:registry", site_id=site.pk)
    elif request.method == "POST" and action == "meter":
        meter_form = MeterForm(request.POST, site=site, prefix="meter")
        if meter_form.is_valid() and (meter := _create_meter(site, meter_form)):
            messages.success(request, _("Meter %(id)s added.") % {"id": meter.external_id})
            return redirect("energy:registry", site_id=site.pk)
    return render(
        request,
        "energy/registry.html",
        {
            "site": site,
            "units": display.naturally(
                site.units.select_related("occupant"), key=lambda unit: unit.name
            ),
            "meters": display.naturally(
                site.meters.select_related("unit").order_by("kind", "external_id"),
                key=lambda meter: meter.unit.name if meter.unit else "",
            ),
            "unit_form": unit_form,
            "meter_form": meter_form,
        },
    )


@login_required
def registry_unit_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(_managed_units(request).select_related("site", "occupant"), pk=unit_id)
    initial = {name: getattr(unit, name) for name in UnitEditForm.base_fields if name != "occupant"}
    initial["occupant"] = unit.occupant.get_username() if unit.occupant else ""
    form = UnitEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        who = data.pop("occupant")
        try:
            fields = UnitPatch.model_validate(data).dict(exclude_unset=True)
            fields["occupant"] = services.find_occupant(who)
            registry.update(unit, fields)
        except REGISTRY_ERRORS as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Unit %(name)s saved.") % {"name": unit.name})
            return redirect("energy:registry", site_id=unit.site_id)
    unit.refresh_from_db(fields=["name"])  # a refused edit leaves the heading as it was
    return render(request, "energy/registry_unit.html", {"unit": unit, "form": form})


@login_required
def registry_meter_edit(request: HttpRequest, meter_id: int) -> HttpResponse:
    managed = Meter.objects.filter(site__in=managed_sites(_principal(request)))
    meter = get_object_or_404(managed.select_related("site"), pk=meter_id)
    initial = {name: getattr(meter, name) for name in MeterEditForm.base_fields}
    form = MeterEditForm(request.POST or None, initial=initial, site=meter.site)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = data["unit"]
        data["unit"] = unit and unit.pk
        try:
            fields = MeterPatch.model_validate(data).dict(exclude_unset=True)
            fields["unit"] = unit
            registry.update(meter, fields)
        except REGISTRY_ERRORS as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Meter %(id)s saved.") % {"id": meter.external_id})
            return redirect("energy:registry", site_id=meter.site_id)
    meter.refresh_from_db(fields=["external_id"])
    return render(request, "energy/registry_meter.html", {"meter": meter, "form": form})


def _create_gateway(site: Site, form: GatewayForm, by) -> tuple[Gateway, str] | None:
    try:
        fields = GatewayIn.model_validate({**_filled(form.cleaned_data), "site": site.pk}).dict()
        del fields["site"]
        return services.create_gateway(site, fields, by=by)
    except REGISTRY_ERRORS as error:
        _show_error(form, error)
        return None


@never_cache  # the answer to a creation carries the token
@login_required
def gateways_page(request: HttpRequest, site_id: int) -> HttpResponse:
    """A site's gateways: add one (its token is shown this once) or revoke one."""
    site = _site(request, site_id)
    form = GatewayForm()
    created = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        gateway_id = request.POST.get("gateway", "")
        gateway = get_object_or_404(site.gateways, pk=gateway_id if gateway_id.isdigit() else 0)
        services.revoke_gateway(gateway)
        messages.success(request, _("Gateway %(name)s revoked.") % {"name": gateway.name})
        return redirect("energy:gateways", site_id=site.pk)
    if request.method == "POST":
        form = GatewayForm(request.POST)
        if form.is_valid() and (created := _create_gateway(site, form, request.user)):
            form = GatewayForm()
    return render(
        request,
        "energy/gateways.html",
        {
            "site": site,
            "rows": services.gateway_rows(site),
            "form": form,
            "created": created and {"gateway": created[0], "token": created[1]},
        },
    )
