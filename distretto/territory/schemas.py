from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from distretto.core.contract import one_of
from distretto.core.pagination import PageParams, page_of
from distretto.territory.climate import missing_reason
from distretto.territory.models import Business, District, Project

DistrictKind = one_of(District.Kind.values)
Category = one_of(Business.Category.values)
Axis = one_of(Project.Axis.values)
ProjectStatus = one_of(Project.Status.values)
Latitude = Field(None, ge=-90, le=90)
Longitude = Field(None, ge=-180, le=180)


class ChamberOut(Schema):
    id: int
    name: str
    code: str


class ChamberIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=20)


class ChamberPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)


class ComuneOut(Schema):
    istat_code: str
    name: str
    name_full: str = Field(description="Official name, bilingual where it is; empty if as name")
    province: str
    province_name: str
    region: str
    codice_catastale: str
    lat: float | None = Field(description="Centroid of the comune's boundary (WGS84)")
    lon: float | None
    population: int | None
    population_year: int | None = Field(description="Year of the population figure")
    altitude_m: int | None = Field(description="Altitude of the casa comunale (DPR 412/93)")
    climate_zone: str = Field(description="DPR 412/93 zone A-F; empty if no single value")
    degree_days: int | None = Field(description="DPR 412/93 degree days (GG)")
    degree_days_missing_reason: str | None = Field(
        description="Why there is no single official figure (then give one for a site)"
    )
    in_force: bool
    ceased_on: date | None
    successor: str | None = Field(None, alias="successor_id")

    @staticmethod
    def resolve_degree_days_missing_reason(comune) -> str | None:
        return missing_reason(comune) if comune.degree_days is None else None


class DistrictIn(Schema):
    chamber: int
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")
    kind: DistrictKind
    comune: str | None = None
    centre_lat: float = Field(ge=-90, le=90)
    centre_lon: float = Field(ge=-180, le=180)
    boundary: dict | None = None
    time_zone: str = "Europe/Rome"


class DistrictPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: DistrictKind | None = None
    comune: str | None = None
    centre_lat: float | None = Latitude
    centre_lon: float | None = Longitude
    boundary: dict | None = None
    time_zone: str | None = None
    active: bool | None = None


class DistrictOut(Schema):
    id: int
    chamber: int = Field(alias="chamber_id")
    name: str
    slug: str
    kind: str
    comune: str | None = Field(None, alias="comune_id")
    centre_lat: float
    centre_lon: float
    boundary: dict | None
    time_zone: str
    active: bool


class DistrictFilters(PageParams):
    chamber: int | None = None
    kind: DistrictKind | None = None
    active: bool | None = None


class BusinessIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=200)
    legal_name: str = ""
    partita_iva: str
    ateco_code: str = ""
    category: Category
    address: str = ""
    comune: str | None = None
    lat: float | None = Latitude
    lon: float | None = Longitude
    opening_hours: dict = {}
    phone: str = ""
    email: str = ""
    website: str = ""


class BusinessPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = None
    partita_iva: str | None = None
    ateco_code: str | None = None
    category: Category | None = None
    address: str | None = None
    comune: str | None = None
    lat: float | None = Latitude
    lon: float | None = Longitude
    opening_hours: dict | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    active: bool | None = None


class BusinessOut(Schema):
    id: int
    district: int = Field(alias="district_id")
    name: str
    legal_name: str
    partita_iva: str
    ateco_code: str
    ateco_description: str | None = Field(
        description="Italian ATECO 2025 description; null for a code of an older edition"
    )
    category: str
    address: str
    comune: str | None = Field(None, alias="comune_id")
    lat: float | None
    lon: float | None
    opening_hours: dict
    phone: str
    email: str
    website: str
    active: bool
    created_at: datetime
    updated_at: datetime


class BusinessFilters(PageParams):
    district: int | None = None
    category: Category | None = None
    comune: str | None = None
    active: bool | None = None
    q: str | None = None


class TerminalIn(Schema):
    name: str = Field(min_length=1, max_length=120)


class TerminalCreated(Schema):
    id: int
    name: str
    token: str
    business: int


class TerminalOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NetworkIn(Schema):
    chamber: int
    district: int | None = None
    name: str = Field(min_length=1, max_length=200)
    members: list[int] = []
    contract_date: date | None = None
    description: str = ""


class NetworkPatch(Schema):
    district: int | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    members: list[int] | None = None
    contract_date: date | None = None
    description: str | None = None
    active: bool | None = None


class NetworkOut(Schema):
    id: int
    chamber: int = Field(alias="chamber_id")
    district: int | None = Field(None, alias="district_id")
    name: str
    members: list[int]
    contract_date: date | None
    description: str
    active: bool

    @staticmethod
    def resolve_members(obj) -> list[int]:
        return sorted(member.pk for member in obj.members.all())


class ProjectIn(Schema):
    chamber: int
    title: str = Field(min_length=1, max_length=250)
    comune: str | None = None
    axes: list[Axis]
    year: int = Field(ge=1990, le=2100)
    budget: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    status: ProjectStatus = "planned"
    description: str = ""
    lat: float | None = Latitude
    lon: float | None = Longitude
    url: str = ""


class ProjectPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=250)
    comune: str | None = None
    axes: list[Axis] | None = None
    year: int | None = Field(None, ge=1990, le=2100)
    budget: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    status: ProjectStatus | None = None
    description: str | None = None
    lat: float | None = Latitude
    lon: float | None = Longitude
    url: str | None = None
    active: bool | None = None


class ProjectOut(Schema):
    id: int
    chamber: int = Field(alias="chamber_id")
    title: str
    comune: str | None = Field(None, alias="comune_id")
    axes: list[Axis]
    year: int
    budget: str | None
    status: str
    description: str
    lat: float | None
    lon: float | None
    url: str
    active: bool

    @staticmethod
    def resolve_budget(obj) -> str | None:
        return f"{obj.budget:.2f}" if obj.budget is not None else None


class ProjectFilters(PageParams):
    chamber: int | None = None
    axis: Axis | None = None
    comune: str | None = None
    year: int | None = None
    status: str | None = None


class ComuneFilters(PageParams):
    province: str | None = None
    region: str | None = None
    q: str | None = None
    ceased: bool = Field(False, description="List the comuni no longer in force instead")


ChamberPage = page_of(ChamberOut)
ComunePage = page_of(ComuneOut)
DistrictPage = page_of(DistrictOut)
BusinessPage = page_of(BusinessOut)
NetworkPage = page_of(NetworkOut)
ProjectPage = page_of(ProjectOut)
