"""REST resources of the registry: /api/v1/territory/..."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Query, Router, Status

from distretto.accounts.models import ApiToken
from distretto.accounts.scoping import (
    businesses_for,
    can_administer_business,
    chambers_for,
    districts_for,
    get_in_scope,
)
from distretto.accounts.tokens import revoke
from distretto.core.contract import one_of
from distretto.core.errors import Forbidden, Invalid
from distretto.core.pagination import paginate
from distretto.territory import importing, services
from distretto.territory.models import Comune
from distretto.territory.schemas import (
    BusinessFilters,
    BusinessIn,
    BusinessOut,
    BusinessPage,
    BusinessPatch,
    ChamberIn,
    ChamberOut,
    ChamberPage,
    ChamberPatch,
    ComuneFilters,
    ComuneOut,
    ComunePage,
    DistrictFilters,
    DistrictIn,
    DistrictOut,
    DistrictPage,
    DistrictPatch,
    NetworkIn,
    NetworkOut,
    NetworkPage,
    NetworkPatch,
    ProjectFilters,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectPatch,
    TerminalCreated,
    TerminalIn,
    TerminalOut,
)

router = Router(tags=["territory"])
ExportFormat = one_of(["csv", "geojson"])


def _export(queryset, format: str, as_csv, as_geojson, filename: str) -> HttpResponse:
    if format == "geojson":
        return JsonResponse(as_geojson(queryset))
    if format != "csv":
        raise Invalid("format is csv or geojson.", field="format")
    response = HttpResponse(as_csv(queryset), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Chambers and comuni ----------------------------------------------------------------


@router.get("/chambers", response=ChamberPage)
def list_chambers(request: HttpRequest, limit: int = 50, offset: int = 0):
    return paginate(chambers_for(request.auth).order_by("-id"), limit, offset)


@router.get("/chambers/{chamber_id}", response=ChamberOut)
def get_chamber(request: HttpRequest, chamber_id: int):
    return get_in_scope(chambers_for(request.auth), chamber_id, "chamber")


@router.post("/chambers", response={201: ChamberOut})
def create_chamber(request: HttpRequest, payload: ChamberIn):
    return Status(201, services.create_chamber(request.auth, payload.dict()))


@router.patch("/chambers/{chamber_id}", response=ChamberOut)
def update_chamber(request: HttpRequest, chamber_id: int, payload: ChamberPatch):
    chamber = get_in_scope(chambers_for(request.auth), chamber_id, "chamber")
    return services.update_chamber(request.auth, chamber, payload.dict(exclude_unset=True))


@router.get("/comuni", response=ComunePage)
def list_comuni(request: HttpRequest, filters: Query[ComuneFilters]):
    comuni = Comune.objects.filter(in_force=not filters.ceased).order_by("name")
    if filters.province:
        comuni = comuni.filter(province=filters.province.upper())
    if filters.region:
        comuni = comuni.filter(region__iexact=filters.region)
    if filters.q:
        comuni = comuni.filter(name__icontains=filters.q)
    return paginate(comuni, filters.limit, filters.offset)


@router.get("/comuni/{istat_code}", response=ComuneOut)
def get_comune(request: HttpRequest, istat_code: str):
    """Any comune by its code, also one no longer in force (records may point at it)."""
    return get_in_scope(Comune.objects.all(), istat_code.zfill(6), "comune")


# --- Districts --------------------------------------------------------------------------


@router.get("/districts", response=DistrictPage)
def list_districts(request: HttpRequest, filters: Query[DistrictFilters]):
    districts = districts_for(request.auth).order_by("-id")
    if filters.chamber is not None:
        districts = districts.filter(chamber=filters.chamber)
    if filters.kind:
        districts = districts.filter(kind=filters.kind)
    if filters.active is not None:
        districts = districts.filter(active=filters.active)
    return paginate(districts, filters.limit, filters.offset)


@router.get("/districts/{district_id}", response=DistrictOut)
def get_district(request: HttpRequest, district_id: int):
    return get_in_scope(districts_for(request.auth), district_id, "district")


@router.post("/districts", response={201: DistrictOut})
def create_district(request: HttpRequest, payload: DistrictIn):
    return Status(201, services.create_district(request.auth, payload.dict()))


@router.patch("/districts/{district_id}", response=DistrictOut)
def update_district(request: HttpRequest, district_id: int, payload: DistrictPatch):
    district = get_in_scope(districts_for(request.auth), district_id, "district")
    return services.update_district(request.auth, district, payload.dict(exclude_unset=True))


@router.post("/districts/{district_id}/deactivate", response=DistrictOut)
def deactivate_district(request: HttpRequest, district_id: int):
    district = get_in_scope(districts_for(request.auth), district_id, "district")
    return services.update_district(request.auth, district, {"active": False})


# --- Businesses -------------------------------------------------------------------------


def _filtered_businesses(request: HttpRequest, filters: BusinessFilters):
    return services.filter_businesses(
        businesses_for(request.auth).order_by("-id"),
        **filters.dict(exclude={"limit", "offset"}),
    )


@router.get("/businesses", response=BusinessPage)
def list_businesses(request: HttpRequest, filters: Query[BusinessFilters]):
    return paginate(_filtered_businesses(request, filters), filters.limit, filters.offset)


@router.get("/businesses/export")
def export_businesses(
    request: HttpRequest,
    filters: Query[BusinessFilters],
    format: ExportFormat = "csv",
):
    """All businesses matching the filters as CSV or GeoJSON (no pagination)."""
    businesses = _filtered_businesses(request, filters)
    return _export(
        businesses, format, importing.businesses_csv, importing.businesses_geojson, "businesses.csv"
    )


@router.get("/businesses/{business_id}", response=BusinessOut)
def get_business(request: HttpRequest, business_id: int):
    return get_in_scope(businesses_for(request.auth), business_id, "business")


@router.post("/businesses", response={201: BusinessOut})
def create_business(request: HttpRequest, payload: BusinessIn):
    return Status(201, services.create_business(request.auth, payload.dict()))


@router.patch("/businesses/{business_id}", response=BusinessOut)
def update_business(request: HttpRequest, business_id: int, payload: BusinessPatch):
    business = get_in_scope(businesses_for(request.auth), business_id, "business")
    return services.update_business(request.auth, business, payload.dict(exclude_unset=True))


@router.post("/businesses/{business_id}/deactivate", response=BusinessOut)
def deactivate_business(request: HttpRequest, business_id: int):
    business = get_in_scope(businesses_for(request.auth), business_id, "business")
    return services.set_business_active(request.auth, business, False)


@router.post("/businesses/{business_id}/terminals", response={201: TerminalCreated})
def create_terminal(request: HttpRequest, business_id: int, payload: TerminalIn):
    """A POS terminal token for the business. The token is in this answer only."""
    business = get_in_scope(businesses_for(request.auth), business_id, "business")
    token, raw = services.issue_terminal_token(request.auth, business, payload.name)
    return Status(201, {"id": token.pk, "name": token.name, "token": raw, "business": business.pk})


def _terminals_of(request: HttpRequest, business_id: int):
    business = get_in_scope(businesses_for(request.auth), business_id, "business")
    if not can_administer_business(request.auth, business):
        raise Forbidden("Only the district's managers see terminal tokens.")
    return ApiToken.objects.filter(kind=ApiToken.Kind.TERMINAL, business=business)


@router.get("/businesses/{business_id}/terminals", response=list[TerminalOut])
def list_terminals(request: HttpRequest, business_id: int):
    return list(_terminals_of(request, business_id))


@router.delete("/businesses/{business_id}/terminals/{token_id}", response=TerminalOut)
def revoke_terminal(request: HttpRequest, business_id: int, token_id: int):
    return revoke(get_in_scope(_terminals_of(request, business_id), token_id, "terminal"))


# --- Business networks ------------------------------------------------------------------


@router.get("/networks", response=NetworkPage)
def list_networks(request: HttpRequest, limit: int = 50, offset: int = 0):
    networks = services.networks_for(request.auth).prefetch_related("members").order_by("-id")
    return paginate(networks, limit, offset)


@router.get("/networks/{network_id}", response=NetworkOut)
def get_network(request: HttpRequest, network_id: int):
    return get_in_scope(services.networks_for(request.auth), network_id, "network")


@router.post("/networks", response={201: NetworkOut})
def create_network(request: HttpRequest, payload: NetworkIn):
    return Status(201, services.save_network(request.auth, None, payload.dict()))


@router.patch("/networks/{network_id}", response=NetworkOut)
def update_network(request: HttpRequest, network_id: int, payload: NetworkPatch):
    network = get_in_scope(services.networks_for(request.auth), network_id, "network")
    return services.save_network(request.auth, network, payload.dict(exclude_unset=True))


@router.post("/networks/{network_id}/deactivate", response=NetworkOut)
def deactivate_network(request: HttpRequest, network_id: int):
    network = get_in_scope(services.networks_for(request.auth), network_id, "network")
    return services.save_network(request.auth, network, {"active": False})


# --- Projects ---------------------------------------------------------------------------


def _filtered_projects(request: HttpRequest, filters: ProjectFilters):
    return services.filter_projects(
        services.projects_for(request.auth).order_by("-id"),
        **filters.dict(exclude={"limit", "offset"}),
    )


@router.get("/projects", response=ProjectPage)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]):
    return paginate(_filtered_projects(request, filters), filters.limit, filters.offset)


@router.get("/projects/export")
def export_projects(
    request: HttpRequest, filters: Query[ProjectFilters], format: ExportFormat = "csv"
):
    """All projects matching the filters as CSV or GeoJSON (no pagination)."""
    projects = _filtered_projects(request, filters)
    return _export(
        projects, format, importing.projects_csv, importing.projects_geojson, "projects.csv"
    )


@router.get("/projects/{project_id}", response=ProjectOut)
def get_project(request: HttpRequest, project_id: int):
    return get_in_scope(services.projects_for(request.auth), project_id, "project")


@router.post("/projects", response={201: ProjectOut})
def create_project(request: HttpRequest, payload: ProjectIn):
    return Status(201, services.save_project(request.auth, None, payload.dict()))


@router.patch("/projects/{project_id}", response=ProjectOut)
def update_project(request: HttpRequest, project_id: int, payload: ProjectPatch):
    project = get_in_scope(services.projects_for(request.auth), project_id, "project")
    return services.save_project(request.auth, project, payload.dict(exclude_unset=True))


@router.post("/projects/{project_id}/deactivate", response=ProjectOut)
def deactivate_project(request: HttpRequest, project_id: int):
    project = get_in_scope(services.projects_for(request.auth), project_id, "project")
    return services.save_project(request.auth, project, {"active": False})
