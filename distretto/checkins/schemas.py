"""Request and response shapes of /api/v1/checkins/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from distretto.core.pagination import page_of


class PointIn(Schema):
    business: int
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius_m: int = Field(75, ge=5, le=5000)
    reward_points: int = Field(10, ge=1, le=100_000)
    cooldown_days: int = Field(1, ge=1, le=365)
    requires_code: bool = False
    active: bool = True
    active_from: datetime | None = None
    active_until: datetime | None = None


class PointPatch(Schema):
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius_m: int | None = Field(None, ge=5, le=5000)
    reward_points: int | None = Field(None, ge=1, le=100_000)
    cooldown_days: int | None = Field(None, ge=1, le=365)
    requires_code: bool | None = None
    active: bool | None = None
    active_from: datetime | None = None
    active_until: datetime | None = None


class PointOut(Schema):
    id: int
    business: int = Field(alias="business_id")
    name: str
    lat: float
    lon: float
    radius_m: int
    reward_points: int
    cooldown_days: int
    requires_code: bool
    active: bool
    active_from: datetime | None
    active_until: datetime | None
    created_at: datetime


PointPage = page_of(PointOut)


class CodeOut(Schema):
    code: str
    valid_until: datetime
    qr_url: str
    checkin_url: str


class CheckinIn(Schema):
    point: int
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    code: str | None = Field(None, max_length=20)


class BadgeEarned(Schema):
    id: int
    name: str
    kind: str


class CheckinOut(Schema):
    status: str
    attempt: int
    point: int
    points_awarded: int
    balance: int
    badges_earned: list[BadgeEarned]
    distance_m: float | None
    created_at: str


class AttemptOut(Schema):
    id: int
    point: int = Field(alias="point_id")
    card: str
    created_at: datetime
    local_date: date
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    distance_m: float | None
    code_given: bool
    code_valid: bool | None
    speed_kmh: float | None
    decision: str
    points_awarded: int

    @staticmethod
    def resolve_card(obj) -> str:
        return obj.card.number


AttemptPage = page_of(AttemptOut)


class SuspiciousCard(Schema):
    card: str
    status: str
    attempts: int
    rejected: int
    impossible_travel: int
    invalid_code: int
    too_far: int
    last_attempt: datetime
    reasons: list[str]


class CardStatusOut(Schema):
    card: str
    status: str


class RouteIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    points: list[int] = []
    active: bool = True


class RouteOut(Schema):
    id: int
    district: int = Field(alias="district_id")
    name: str
    description: str
    points: list[int]
    active: bool

    @staticmethod
    def resolve_points(obj) -> list[int]:
        return sorted(p.pk for p in obj.points.all())


RoutePage = page_of(RouteOut)


class BadgeIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=250)
    kind: Literal["first_checkin", "distinct_venues", "route", "distinct_months", "seasonal"]
    threshold: int = Field(1, ge=1, le=1000)
    route: int | None = None
    months: list[int] = []
    active: bool = True


class BadgeOut(Schema):
    id: int
    district: int = Field(alias="district_id")
    name: str
    description: str
    kind: str
    threshold: int
    route: int | None = Field(alias="route_id")
    months: list[int]
    active: bool


BadgePage = page_of(BadgeOut)


class PassportVenue(Schema):
    id: int
    name: str
    comune: str
    lat: float
    lon: float
    stamped: bool
    visits: int
    last_visit: datetime | None


class PassportRoute(Schema):
    id: int
    name: str
    description: str
    venues: list[int]
    stamped: int
    total: int


class PassportBadge(Schema):
    id: int
    name: str
    description: str
    kind: str
    awarded_at: datetime


class PassportOut(Schema):
    card: str
    district: str
    checkins: int
    venues: list[PassportVenue]
    routes: list[PassportRoute]
    badges: list[PassportBadge]


class DayCount(Schema):
    point: int
    venue: str
    day: date
    accepted: int
    rejected: int


class ReasonCount(Schema):
    reason: str
    label: str
    count: int


class StatsOut(Schema):
    days: list[DayCount]
    reasons: list[ReasonCount]
