"""The energy REST API: /api/v1/energy/...

Managers (district managers, chamber operators, the district's energy managers)
define sites, units, meters and gateways and read every figure; gateways (device
token) send readings for their own site; a resident reads their own unit.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json

import orjson
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from distretto.accounts.scoping import Principal, districts_for, get_in_scope, require_write
from distretto.core.contract import one_of
from distretto.core.errors import Conflict, Forbidden, Invalid
from distretto.core.pagination import paginate
from distretto.energy import alarms, anomalies, ingestion, registry, services
from distretto.energy.access import (
    anomalies_for,
    gateway_of,
    gateways_for,
    ingest_site_ids,
    managed_sites,
    meters_for,
    rejections_for,
    require_manager,
    site_districts,
    units_for,
)
from distretto.energy.models import Anomaly, Meter, RejectedReading, Site
from distretto.energy.schemas import (
    AnomalyOut,
    AnomalyPage,
    GatewayCreated,
    GatewayIn,
    GatewayPage,
    IngestOut,
    MeterIn,
    MeterOut,
    MeterPage,
    MeterPatch,
    ReadingPage,
    RejectionPage,
    ReplayIn,
    ReplayOut,
    SiteIn,
    SiteOut,
    SitePage,
    SitePatch,
    UnitIn,
    UnitOut,
    UnitPage,
    UnitPatch,
    WeatherIn,
    readings_body,
)

Granularity = one_of(services.GRANULARITIES)
MeterKind = one_of(Meter.Kind.values)

router = Router(tags=["energy"])

MAX_READINGS_PER_REQUEST = 100_000


# --- Helpers ------------------------------------------------------------------------------------


def _parse_moment(raw: str | None, field: str) -> dt.date | dt.datetime | None:
    if raw is None or raw == "":
        return None
    try:
        if len(raw) == 10:
            return dt.date.fromisoformat(raw)
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(
            _("'%(value)s' is not an ISO 8601 date or timestamp.") % {"value": raw}, field=field
        ) from None


def period(site: Site, start: str | None, end: str | None) -> tuple:
    """[from, to): defaults to the current (or last) heating season up to today."""
    today = timezone.localdate()
    first, after = services.season_of(site, today)
    lower = _parse_moment(start, "from") or first
    upper = _parse_moment(end, "to") or min(after, today + dt.timedelta(days=1))
    if services.as_local_datetime(upper) <= services.as_local_datetime(lower):
        raise Invalid(_("The period ends before it starts."), field="to")
    return lower, upper


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.astimezone(services.LOCAL_TZ).date() if isinstance(value, dt.datetime) else value


def _site(request: HttpRequest, site_id: int) -> Site:
    return get_in_scope(managed_sites(request.auth), site_id, "site")


def _managed_site(request: HttpRequest, site_id: int, field: str = "site") -> Site:
    require_write(request.auth)
    site = Site.objects.filter(pk=site_id, pk__in=managed_sites(request.auth)).first()
    if site is None:
        raise Invalid(_("No site with id %(id)s.") % {"id": site_id}, field=field)
    return site


def _person(principal: Principal):
    if not principal.is_person:
        raise Forbidden(_("Devices may only send readings."), code="role_forbidden")
    return principal.user


# --- Sites, units, meters, gateways --------------------------------------------------------------


@router.get("/sites", response=SitePage)
def list_sites(request: HttpRequest, limit: int = 50, offset: int = 0):
    return paginate(managed_sites(request.auth).order_by("-id"), limit, offset)


@router.post("/sites", response={201: SiteOut})
def create_site(request: HttpRequest, payload: SiteIn):
    require_write(request.auth)
    fields = payload.dict()
    district = get_in_scope(districts_for(request.auth), fields.pop("district"), "district")
    if not site_districts(request.auth).filter(pk=district.pk).exists():
        raise Forbidden(_("Only the district's managers may do this."), code="role_forbidden")
    fields = {k: v for k, v in fields.items() if v is not None}
    return Status(201, services.create_site(district, fields))


@router.get("/sites/{site_id}", response=SiteOut)
def get_site(request: HttpRequest, site_id: int):
    return _site(request, site_id)


@router.patch("/sites/{site_id}", response=SiteOut)
def update_site(request: HttpRequest, site_id: int, payload: SitePatch):
    """Another comune refills zone, degree days and season from DPR 412/93 (or asks for them)."""
    require_write(request.auth)
    return services.update_site(_site(request, site_id), payload.dict(exclude_unset=True))


@router.post("/sites/{site_id}/registry.csv", response={200: dict})
def import_registry(request: HttpRequest, site_id: int):
    """Units and meters of a site from one CSV (``file`` upload or the body), all or nothing.

    Columns: type (unit | meter), name, kind, area_m2, millesimi_heat,
    millesimi_property, external_id, kq, kc, role, description.
    """
    site = _site(request, site_id)
    require_write(request.auth)
    upload = request.FILES.get("file")
    raw = upload.read() if upload is not None else request.body
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("The CSV is not UTF-8 text."), field="file", code="malformed") from None
    return registry.import_registry_csv(site, text.splitlines(keepends=True))


@router.get("/units", response=UnitPage)
def list_units(request: HttpRequest, site: int | None = None, limit: int = 50, offset: int = 0):
    units = units_for(request.auth).order_by("-id")
    if site is not None:
        units = units.filter(site_id=site)
    return paginate(units, limit, offset)


@router.post("/units", response={201: UnitOut})
def create_unit(request: HttpRequest, payload: UnitIn):
    fields = payload.dict()
    site = _managed_site(request, fields.pop("site"))
    occupant = fields.pop("occupant")
    if occupant is not None:
        from django.contrib.auth import get_user_model

        fields["occupant"] = get_user_model().objects.filter(pk=occupant).first()
        if fields["occupant"] is None:
            raise Invalid(_("No user with id %(id)s.") % {"id": occupant}, field="occupant")
    return Status(201, services.create_unit(site, fields))


@router.get("/units/{unit_id}", response=UnitOut)
def get_unit(request: HttpRequest, unit_id: int):
    return get_in_scope(units_for(request.auth), unit_id, "unit")


@router.patch("/units/{unit_id}", response=UnitOut)
def update_unit(request: HttpRequest, unit_id: int, payload: UnitPatch):
    unit = get_in_scope(units_for(request.auth), unit_id, "unit")
    require_manager(request.auth, unit.site)
    require_write(request.auth)
    return registry.update(unit, payload.dict(exclude_unset=True))


@router.get("/meters", response=MeterPage)
def list_meters(
    request: HttpRequest,
    site: int | None = None,
    unit: int | None = None,
    kind: MeterKind | None = None,
    limit: int = 50,
    offset: int = 0,
):
    meters = meters_for(request.auth).order_by("-id")
    if site is not None:
        meters = meters.filter(site_id=site)
    if unit is not None:
        meters = meters.filter(unit_id=unit)
    if kind:
        meters = meters.filter(kind=kind)
    return paginate(meters, limit, offset)


@router.post("/meters", response={201: MeterOut})
def create_meter(request: HttpRequest, payload: MeterIn):
    fields = payload.dict()
    site = _managed_site(request, fields.pop("site"))
    unit_id = fields.pop("unit")
    fields["unit"] = None
    if unit_id is not None:
        fields["unit"] = site.units.filter(pk=unit_id).first()
        if fields["unit"] is None:
            raise Invalid(_("No unit with id %(id)s on this site.") % {"id": unit_id}, field="unit")
    replaces = fields.pop("replaces")
    with transaction.atomic():
        meter = services.create_meter(site, fields)
        if replaces is not None:
            old = site.meters.filter(pk=replaces).exclude(pk=meter.pk).first()
            if old is None:
                raise Invalid(
                    _("No meter with id %(id)s on this site.") % {"id": replaces},
                    field="replaces",
                )
            registry.replace_meter(old, meter)
    return Status(201, meter)


@router.get("/meters/{meter_id}", response=MeterOut)
def get_meter(request: HttpRequest, meter_id: int):
    return get_in_scope(meters_for(request.auth), meter_id, "meter")


@router.patch("/meters/{meter_id}", response=MeterOut)
def update_meter(request: HttpRequest, meter_id: int, payload: MeterPatch):
    meter = get_in_scope(meters_for(request.auth), meter_id, "meter")
    require_manager(request.auth, meter.site)
    require_write(request.auth)
    fields = payload.dict(exclude_unset=True)
    if "unit" in fields and fields["unit"] is not None:
        unit = meter.site.units.filter(pk=fields["unit"]).first()
        if unit is None:
            raise Invalid(
                _("No unit with id %(id)s on this site.") % {"id": fields["unit"]}, field="unit"
            )
        fields["unit"] = unit
    return registry.update(meter, fields)


@router.get("/meters/{meter_id}/readings", response=ReadingPage)
def meter_readings(
    request: HttpRequest,
    meter_id: int,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    limit: int = 100,
    offset: int = 0,
):
    meter = get_in_scope(meters_for(request.auth), meter_id, "meter")
    readings = meter.readings.order_by("-ts")
    if lower := _parse_moment(start, "from"):
        readings = readings.filter(ts__gte=services.as_local_datetime(lower))
    if upper := _parse_moment(end, "to"):
        readings = readings.filter(ts__lt=services.as_local_datetime(upper))
    return paginate(readings, limit, offset)


@router.get("/gateways", response=GatewayPage)
def list_gateways(request: HttpRequest, limit: int = 50, offset: int = 0):
    return paginate(gateways_for(request.auth).order_by("-id"), limit, offset)


@router.post("/gateways", response={201: GatewayCreated})
def create_gateway(request: HttpRequest, payload: GatewayIn):
    fields = payload.dict()
    site = _managed_site(request, fields.pop("site"))
    gateway, raw = services.create_gateway(site, fields, by=_person(request.auth))
    gateway.token = raw  # shown this once
    return Status(201, gateway)


# --- Ingestion ---------------------------------------------------------------------------------


def _ingest_scope(request: HttpRequest, site: int | None) -> list[int]:
    require_write(request.auth)
    site_ids = ingest_site_ids(request.auth)
    if not site_ids and gateway_of(request.auth) is None:
        raise Forbidden(_("Only gateways and site managers send readings."), code="role_forbidden")
    if site is not None:
        if site not in site_ids:
            raise Invalid(_("No site with id %(id)s.") % {"id": site}, field="site")
        site_ids = [site]
    return site_ids


def _json_body(body: bytes) -> object:
    """The request body as JSON.

    orjson for speed (a gateway sends tens of thousands of readings at once); the
    standard library for what orjson refuses but a gateway may send (a byte order
    mark, NaN), so that one bad value is a rejected reading, not a refused batch.
    """
    try:
        return orjson.loads(body or b"null")
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid(_("The body is not JSON."), field="body", code="malformed") from None


@router.post(
    "/readings",
    response=IngestOut,
    openapi_extra={"requestBody": readings_body(MAX_READINGS_PER_REQUEST)},
)
def post_readings(request: HttpRequest, site: int | None = None):
    """A JSON array of readings ``{"meter", "ts", "value"}`` or wmbusmeters telegrams.

    Each item is checked on its own: bad ones are rejected with their index and a
    reason (and kept for review), the others stored.
    """
    site_ids = _ingest_scope(request, site)
    items = _json_body(request.body)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise Invalid(_("The body is a JSON array of readings."), field="body", code="malformed")
    if len(items) > MAX_READINGS_PER_REQUEST:
        raise Invalid(
            _("At most %(max)d readings per request.") % {"max": MAX_READINGS_PER_REQUEST},
            field="body",
        )
    gateway = gateway_of(request.auth)
    return ingestion.ingest(
        items,
        site_ids=site_ids,
        gateway=gateway,
        submitted_by=request.auth.user,
    ).as_dict()


@router.post("/readings.csv", response=IngestOut)
def post_readings_csv(request: HttpRequest, site: int | None = None):
    """A CSV of readings (``meter,ts,value``), as a ``file`` upload or the request body.

    The file is read as a stream, in batches; the answer is the total.
    """
    site_ids = _ingest_scope(request, site)
    file = request.FILES.get("file")
    if file is not None:
        lines = codecs.iterdecode(file, "utf-8-sig")
    else:
        lines = codecs.iterdecode(iter(request.body.splitlines(keepends=True)), "utf-8-sig")
    try:
        for progress in ingestion.ingest_csv(
            lines,
            site_ids=site_ids,
            gateway=gateway_of(request.auth),
            submitted_by=request.auth.user,
        ):
            last = progress
    except UnicodeDecodeError:
        raise Invalid(_("The CSV is not UTF-8 text."), field="file", code="malformed") from None
    return {k: last[k] for k in ("accepted", "duplicates", "rejected")}


@router.get("/rejections", response=RejectionPage)
def list_rejections(
    request: HttpRequest,
    status: str | None = "open",
    site: int | None = None,
    limit: int = 50,
    offset: int = 0,
):
    rejections = rejections_for(request.auth)
    if status:
        rejections = rejections.filter(status=status)
    if site is not None:
        rejections = rejections.filter(site_id=site)
    return paginate(rejections, limit, offset)


@router.post("/rejections/replay", response=ReplayOut)
def replay_rejections(request: HttpRequest, payload: ReplayIn):
    require_write(request.auth)
    _person(request.auth)
    rejections = rejections_for(request.auth).filter(status=RejectedReading.Status.OPEN)
    if payload.ids is not None:
        rejections = rejections.filter(pk__in=payload.ids)
    if payload.site is not None:
        rejections = rejections.filter(site_id=payload.site)
    return ingestion.replay(list(rejections.order_by("id")), site_ids=ingest_site_ids(request.auth))


@router.post("/rejections/{rejection_id}/dismiss", response={204: None})
def dismiss_rejection(request: HttpRequest, rejection_id: int):
    require_write(request.auth)
    rejection = get_in_scope(rejections_for(request.auth), rejection_id, "rejection")
    rejection.status = RejectedReading.Status.DISMISSED
    rejection.save(update_fields=["status"])
    return Status(204, None)


@router.post("/sites/{site_id}/weather", response={200: dict})
def post_weather(request: HttpRequest, site_id: int, payload: WeatherIn):
    """Daily mean outdoor temperatures, for degree-day normalisation."""
    site = _site(request, site_id)
    require_write(request.auth)
    count = services.record_weather(site, [(d.day, d.mean_temperature) for d in payload.days])
    return {"stored": count}


# --- Consumption and balances -------------------------------------------------------------------


@router.get("/sites/{site_id}/consumption")
def site_consumption(
    request: HttpRequest,
    site_id: int,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    granularity: Granularity = "day",
    by: one_of(["site", "unit", "meter"]) = "site",
    kind: MeterKind | None = None,
):
    site = _site(request, site_id)
    lower, upper = period(site, start, end)
    series = services.consumption_series(
        site, lower, upper, granularity=granularity, by=by, kind=kind
    )
    return {"granularity": granularity, "by": by, "series": series}


@router.get("/units/{unit_id}/consumption")
def unit_consumption(
    request: HttpRequest,
    unit_id: int,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    granularity: Granularity = "day",
    by: one_of(["unit", "meter"]) = "unit",
    kind: MeterKind | None = None,
):
    unit = get_in_scope(units_for(request.auth), unit_id, "unit")
    if by not in ("unit", "meter"):
        raise Invalid(_("by is unit or meter."), field="by")
    lower, upper = period(unit.site, start, end)
    series = services.consumption_series(
        unit.site, lower, upper, granularity=granularity, by=by, kind=kind, units=[unit.pk]
    )
    return {
        "granularity": granularity,
        "by": by,
        "series": series,
        "comparison": services.unit_comparison(unit, _as_date(upper) - dt.timedelta(days=1)),
    }


@router.get("/sites/{site_id}/normalised")
def site_normalised(
    request: HttpRequest,
    site_id: int,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
):
    """Heat use per unit per m² and per degree day, ranked."""
    site = _site(request, site_id)
    lower, upper = period(site, start, end)
    return services.normalised_ranking(site, _as_date(lower), _as_date(upper))


@router.get("/sites/{site_id}/degree-days")
def site_degree_days(
    request: HttpRequest,
    site_id: int,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
):
    site = _site(request, site_id)
    lower, upper = period(site, start, end)
    return {"days": services.degree_day_series(site, _as_date(lower), _as_date(upper))}


@router.get("/sites/{site_id}/load-profile")
def site_load_profile(
    request: HttpRequest,
    site_id: int,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
    kind: MeterKind = Meter.Kind.ELECTRICITY,
):
    site = _site(request, site_id)
    lower, upper = period(site, start, end)
    if kind not in Meter.Kind.values:
        raise Invalid(
            _("kind is one of %(kinds)s.") % {"kinds": ", ".join(Meter.Kind.values)}, field="kind"
        )
    return services.load_profile(site, lower, upper, kind=kind)


@router.get("/sites/{site_id}/cogeneration")
def site_cogeneration(
    request: HttpRequest,
    site_id: int,
    start: str | None = Query(None, alias="from"),
    end: str | None = Query(None, alias="to"),
):
    site = _site(request, site_id)
    lower, upper = period(site, start, end)
    return services.cogeneration_balance(site, lower, upper)


# --- Anomalies -----------------------------------------------------------------------------------


@router.get("/anomalies", response=AnomalyPage)
def list_anomalies(
    request: HttpRequest,
    site: int | None = None,
    open: bool | None = None,
    limit: int = 50,
    offset: int = 0,
):
    found = anomalies_for(request.auth)
    if site is not None:
        found = found.filter(site_id=site)
    if open is not None:
        found = found.filter(ended_at__isnull=open)
    return paginate(found, limit, offset)


@router.post("/anomalies/{anomaly_id}/acknowledge", response=AnomalyOut)
def acknowledge_anomaly(request: HttpRequest, anomaly_id: int):
    require_write(request.auth)
    anomaly: Anomaly = get_in_scope(anomalies_for(request.auth), anomaly_id, "anomaly")
    return anomalies.acknowledge(anomaly, by=_person(request.auth))


@router.post("/anomalies/{anomaly_id}/check", response=AnomalyOut)
def check_device_alarm(request: HttpRequest, anomaly_id: int):
    """A manager checked the device in alarm: its readings count again in allocations."""
    require_write(request.auth)
    anomaly: Anomaly = get_in_scope(anomalies_for(request.auth), anomaly_id, "anomaly")
    require_manager(request.auth, anomaly.site)
    if anomaly.rule != Anomaly.Rule.DEVICE_ALARM:
        raise Conflict(
            _("Only a device alarm can be marked as checked."), code="not_a_device_alarm"
        )
    return alarms.check(anomaly, by=_person(request.auth))


@router.post("/sites/{site_id}/anomalies/detect", response=AnomalyPage)
def detect_anomalies(request: HttpRequest, site_id: int):
    """Run every anomaly rule on the site now; answers the anomalies opened."""
    site = _site(request, site_id)
    require_write(request.auth)
    opened = anomalies.detect(site)
    return {"count": len(opened), "limit": len(opened), "offset": 0, "items": opened}


router.add_router("", "distretto.energy.allocation_api.router")  # heating-cost allocation
