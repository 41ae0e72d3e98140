"""Request and response shapes of /api/v1/multiservice/."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from distretto.core.contract import one_of
from distretto.core.pagination import page_of
from distretto.multiservice.models import TrainingModule

# --- Network ----------------------------------------------------------------------------


class ShopIn(Schema):
    business: int
    since: date | None = None
    comune: str | None = Field(None, description="ISTAT code; the business's comune if omitted")
    frazione: str = Field("", max_length=120)
    frazione_population: int | None = Field(None, ge=0)
    frazione_altitude_m: int | None = Field(None, ge=-10, le=5000)
    funding_eur: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    funding_source: str = Field("", max_length=200)
    nearest_grocery_km: Decimal | None = Field(None, ge=0, max_digits=6, decimal_places=1)
    nearest_grocery_name: str = Field("", max_length=200)


class ShopServiceIn(Schema):
    opening_hours: dict = Field(default_factory=dict)
    since: date | None = None


class ServiceOut(Schema):
    code: str
    label: str
    opening_hours: dict


class ShopOut(Schema):
    id: int
    business: int
    name: str
    address: str
    lat: float | None
    lon: float | None
    since: date
    comune: str
    istat_code: str
    frazione: str
    place: str
    population: int | None
    population_year: int | None = Field(description="Year of the population figure")
    comune_population: int | None
    comune_population_year: int | None = Field(description="Year of the comune's figure")
    altitude_m: int | None
    funding_eur: str
    funding_source: str
    nearest_grocery_km: str | None
    nearest_grocery_name: str
    opening_hours: dict
    services: list[ServiceOut]


ShopPage = page_of(ShopOut)


# --- Check-ups --------------------------------------------------------------------------


class CheckupIn(Schema):
    business: int
    answers: dict[str, Any]
    assessor: int | None = Field(None, description="user id; the caller by default")
    draft: bool = Field(False, description="save the answers as a draft, without scoring")


class DraftIn(Schema):
    answers: dict[str, Any]


class SubmitIn(Schema):
    answers: dict[str, Any] = Field(default_factory=dict)


class RescoreIn(Schema):
    model_version: int


class RecommendationOut(Schema):
    code: str
    text: str
    modules: list[str]


class ResultOut(Schema):
    id: int
    checkup: int
    model_version: int
    score: str
    dimension_scores: dict[str, str]
    verdict: str
    recommendations: list[RecommendationOut]
    training_modules: list[str]
    scored_at: datetime


class CheckupOut(Schema):
    """A check-up; for a submitted one the fields of its newest result."""

    id: int
    business: int
    business_name: str
    assessor: int
    status: str
    answers: dict[str, Any]
    missing: list[str]
    created_at: datetime
    submitted_at: datetime | None
    score: str | None = None
    dimension_scores: dict[str, str] | None = None
    verdict: str | None = None
    recommendations: list[RecommendationOut] | None = None
    training_modules: list[str] | None = None
    model_version: int | None = None
    results: list[ResultOut] = []


CheckupPage = page_of(CheckupOut)


class ComparisonRow(Schema):
    checkup: int
    submitted_at: datetime
    model_version: int
    score: str
    change: str | None
    verdict: str
    dimension_scores: dict[str, str]


class ScoringModelIn(Schema):
    chamber: int
    name: str = Field(min_length=1, max_length=200)
    definition: dict[str, Any]


class ScoringModelOut(Schema):
    version: int
    name: str
    chamber: int | None = Field(alias="chamber_id")
    definition: dict[str, Any]
    created_at: datetime


ScoringModelPage = page_of(ScoringModelOut)


# --- Training ---------------------------------------------------------------------------


class ModuleIn(Schema):
    code: str = Field(min_length=1, max_length=60, pattern=r"^[-a-z0-9_]+$")
    title: str = Field(min_length=1, max_length=200)
    topic: one_of(TrainingModule.Topic.values)
    hours: Decimal = Field(ge=Decimal("0.5"), le=Decimal("500"), decimal_places=1)
    format: one_of(TrainingModule.Format.values)
    materials: str = ""
    description: str = ""


class ModuleOut(Schema):
    id: int
    code: str
    title: str
    topic: str
    hours: str
    format: str
    materials: str
    description: str

    @staticmethod
    def resolve_hours(obj) -> str:
        return f"{obj.hours:.1f}"


ModulePage = page_of(ModuleOut)


class EditionIn(Schema):
    module: str = Field(description="module code")
    district: int
    starts_on: date
    ends_on: date
    capacity: int = Field(ge=1, le=1000)
    location: str = Field("", max_length=200)


class EditionOut(Schema):
    id: int
    module: str
    module_title: str
    district: int
    starts_on: date
    ends_on: date
    capacity: int
    seats_taken: int
    location: str


EditionPage = page_of(EditionOut)


class EnrolmentIn(Schema):
    business: int
    participant: str = Field(min_length=1, max_length=200)


class EnrolmentOut(Schema):
    id: int
    edition: int
    module: str
    business: int
    participant: str
    status: str
    hours_attended: str
    completed_on: date | None
    certificate_code: str


EnrolmentPage = page_of(EnrolmentOut)


class AttendanceIn(Schema):
    attended_on: date
    hours: Decimal = Field(max_digits=4, decimal_places=1)


class PlanItemOut(Schema):
    module: str
    title: str
    status: str
    hours_done: str
    hours: str | None
    enrolment: int | None


class PlanOut(Schema):
    business: int
    checkup: int | None
    completed: int
    total: int
    items: list[PlanItemOut]


# --- Impact -----------------------------------------------------------------------------


class DeliveryIn(Schema):
    shop: int
    service_type: str
    date: date
    count: int = Field(ge=1, le=10_000)
    people: int | None = Field(None, ge=0, le=100_000)


class DeliveryOut(Schema):
    id: int
    business: int
    service_type: str
    date: date
    count: int
    people: int | None


class AvoidedCostIn(Schema):
    chamber: int
    cost_eur: Decimal = Field(ge=0, max_digits=8, decimal_places=2)


class AvoidedCostOut(Schema):
    service_type: str
    label: str
    cost_eur: str
    custom: bool


class ImpactTotal(Schema):
    count: int
    people: int
    savings_eur: str


class ImpactByType(ImpactTotal):
    service_type: str
    label: str


class ImpactByShop(ImpactTotal):
    shop: str


class ImpactByMonth(ImpactTotal):
    month: str


class ImpactOut(Schema):
    date_from: date | None
    date_to: date | None
    total_count: int
    people_served: int
    savings_eur: str
    by_type: list[ImpactByType]
    by_shop: list[ImpactByShop]
    by_month: list[ImpactByMonth]
