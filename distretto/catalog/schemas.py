"""Request and response shapes of /api/v1/catalog/.

Translated texts leave in the asked language (``lang``), falling back to Italian;
``lang`` in the answer says which language was asked for. Editors send every
language they have as ``<field>`` (Italian) and ``<field>_en`` / ``_fr`` / ``_de``.
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from distretto.catalog.models import Product
from distretto.core.contract import one_of
from distretto.core.pagination import page_of

ProductCategory = one_of(Product.Category.values)
Designation = one_of(Product.Designation.values)

Month = Field(None, ge=1, le=12)


class ServiceTypeOut(Schema):
    code: str
    name: str
    description: str
    what_to_bring: str
    cost: str | None
    lang: str


ServiceTypePage = page_of(ServiceTypeOut)


class BusinessRef(Schema):
    id: int
    name: str


class ProductOut(Schema):
    id: int
    slug: str
    name: str
    name_it: str
    category: str
    category_label: str
    designation: str = Field(description="As shown: an unconfirmed PAT listing shows as other")
    region: str
    origin: str
    source: str = Field(description="Register and year, or regional list, of the designation")
    designation_claimed: str = Field(description="The designation as recorded")
    designation_confirmed: bool
    comuni: list[str]
    season_from: int | None
    season_to: int | None
    description: str
    photo_url: str | None
    thumbnail_url: str | None
    producers: list[BusinessRef]
    venues: list[BusinessRef]
    url: str
    lang: str


ProductPage = page_of(ProductOut)


class ProductFilters(Schema):
    category: ProductCategory | None = None
    designation: Designation | None = None
    region: str | None = None
    comune: str | None = None
    venue: int | None = None
    q: str | None = Field(None, max_length=100)
    lang: str | None = None
    limit: int = 50
    offset: int = 0


class ProductIn(Schema):
    name: str = Field(min_length=1, max_length=160)
    name_en: str = Field("", max_length=160)
    name_fr: str = Field("", max_length=160)
    name_de: str = Field("", max_length=160)
    category: ProductCategory
    designation: Designation
    region: str = Field(min_length=1, max_length=60)
    origin: str = Field("", max_length=200)
    source: str = Field("", max_length=300)
    designation_confirmed: bool = True
    season_from: int | None = Month
    season_to: int | None = Month
    description: str = ""
    description_en: str = ""
    description_fr: str = ""
    description_de: str = ""
    comuni: list[str] = []
    producers: list[int] = []
    venues: list[int] = []
    active: bool = True


class ProductPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=160)
    name_en: str | None = Field(None, max_length=160)
    name_fr: str | None = Field(None, max_length=160)
    name_de: str | None = Field(None, max_length=160)
    category: ProductCategory | None = None
    designation: Designation | None = None
    region: str | None = Field(None, min_length=1, max_length=60)
    origin: str | None = Field(None, max_length=200)
    source: str | None = Field(None, max_length=300)
    designation_confirmed: bool | None = None
    season_from: int | None = Month
    season_to: int | None = Month
    description: str | None = None
    description_en: str | None = None
    description_fr: str | None = None
    description_de: str | None = None
    comuni: list[str] | None = None
    producers: list[int] | None = None
    venues: list[int] | None = None
    active: bool | None = None


class VenueServiceOut(Schema):
    code: str
    name: str
    description: str
    what_to_bring: str
    cost: str | None
    opening_hours: dict
    contact: str
    notes: str


class ProductBrief(Schema):
    id: int
    slug: str
    name: str
    category: str
    designation: str
    region: str
    thumbnail_url: str | None


class VenueListItem(Schema):
    id: int
    name: str
    category: str
    address: str
    comune: str | None
    district: str
    lat: float | None
    lon: float | None
    distance_km: float | None = None
    services: list[str]
    url: str


VenuePage = page_of(VenueListItem)


class VenueFilters(Schema):
    district: str | None = None
    comune: str | None = None
    service_type: str | None = None
    category: str | None = None
    designation: Designation | None = None
    q: str | None = Field(None, max_length=100)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius: float = 50
    lang: str | None = None
    limit: int = 50
    offset: int = 0


class VenueOut(Schema):
    id: int
    name: str
    category: str
    address: str
    comune: str | None
    district: str
    lat: float | None
    lon: float | None
    phone: str
    email: str
    website: str
    published: bool
    intro: str
    how_to_reach: str
    opening_hours: dict
    open_now: bool
    photo_url: str | None
    services: list[VenueServiceOut]
    products: list[ProductBrief]
    url: str
    kiosk_url: str
    lang: str


class VenuePatch(Schema):
    published: bool | None = None
    intro: str | None = None
    intro_en: str | None = None
    intro_fr: str | None = None
    intro_de: str | None = None
    how_to_reach: str | None = None
    how_to_reach_en: str | None = None
    how_to_reach_fr: str | None = None
    how_to_reach_de: str | None = None
    kiosk_seconds: int | None = Field(None, ge=3, le=120)


class VenueServiceIn(Schema):
    opening_hours: dict = {}
    contact: str = Field("", max_length=200)
    notes: dict[str, str] = {}
    active: bool = True


class VenueProductsIn(Schema):
    products: list[int]


class VenueDeliveryIn(Schema):
    service_type: str
    date: date
    count: int = Field(ge=1)
    people: int | None = Field(None, ge=0)


class VenueDeliveryOut(Schema):
    id: int
    venue: int
    service_type: str
    date: date
    count: int
    people: int | None
    created_at: datetime


VenueDeliveryPage = page_of(VenueDeliveryOut)


class ImportRowError(Schema):
    line: int
    field: str | None
    reason: str


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    written: bool
    errors: list[ImportRowError]
