"""Request and response shapes of /api/v1/loyalty/."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from distretto.core.pagination import page_of


def decimal_text(value: Decimal | None) -> str | None:
    """At least two decimals, more only when they matter: 0.0100 → "0.01", 0.005 → "0.005"."""
    if value is None:
        return None
    text = f"{value.normalize():f}"
    whole, _dot, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


class ProgramIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=200)
    point_value: Decimal
    earn_rate: Decimal
    min_redemption: int = 0
    max_amount: Decimal = Decimal("5000.00")
    expiry_months: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    promoter: str = ""
    area: str = ""
    prizes: str = ""
    guarantee: Decimal | None = None
    rules_text: str = ""


class ProgramPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    point_value: Decimal | None = None
    earn_rate: Decimal | None = None
    min_redemption: int | None = None
    max_amount: Decimal | None = None
    expiry_months: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    promoter: str | None = None
    area: str | None = None
    prizes: str | None = None
    guarantee: Decimal | None = None
    rules_text: str | None = None
    active: bool | None = None


class ProgramOut(Schema):
    id: int
    district: int = Field(alias="district_id")
    name: str
    point_value: str
    earn_rate: str
    min_redemption: int
    max_amount: str
    expiry_months: int | None
    starts_on: date | None
    ends_on: date | None
    promoter: str
    area: str
    prizes: str
    guarantee: str | None
    rules_text: str
    active: bool
    created_at: datetime

    @staticmethod
    def resolve_point_value(obj) -> str:
        return decimal_text(obj.point_value)

    @staticmethod
    def resolve_earn_rate(obj) -> str:
        return decimal_text(obj.earn_rate)

    @staticmethod
    def resolve_max_amount(obj) -> str:
        return f"{obj.max_amount:.2f}"

    @staticmethod
    def resolve_guarantee(obj) -> str | None:
        return None if obj.guarantee is None else f"{obj.guarantee:.2f}"


ProgramPage = page_of(ProgramOut)


class MerchantRateIn(Schema):
    business: int
    multiplier: Decimal


class MerchantRateOut(Schema):
    business: int
    multiplier: str


class HolderFields(Schema):
    holder_name: str = Field("", max_length=200)
    holder_email: str = Field("", max_length=254)
    consent_privacy: bool = False
    consent_marketing: bool = False


class CardIn(HolderFields):
    program: int


class CardCreated(Schema):
    id: int
    program: int
    number: str
    printed: str
    status: str
    token: str
    wallet_url: str


class CardOut(Schema):
    id: int
    program: int
    number: str
    status: str
    balance: int
    holder_name: str
    holder_email: str
    consent_privacy: bool
    consent_marketing: bool
    replaced_by: str | None
    created_at: datetime


CardPage = page_of(CardOut)


class CardBatchIn(Schema):
    program: int
    count: int


class CardStatusIn(Schema):
    status: Literal["active", "blocked", "lost"]


class AdjustmentIn(Schema):
    points: int
    reason: str = Field(max_length=250)


class TransactionIn(Schema):
    card: str = Field(max_length=40)
    kind: Literal["earn", "redeem"]
    amount: Decimal | None = None
    points: int | None = None


class TransactionOut(Schema):
    id: int
    kind: str
    card: str
    business: int | None
    points: int
    amount: str | None
    discount: str | None
    balance: int
    applied_rules: list[dict]
    reverses: int | None
    created_at: str


class TransactionRow(Schema):
    id: int
    kind: str
    card: str
    business: int | None
    points: int
    amount: str | None
    reason: str
    reverses: int | None
    reversed: bool
    created_at: datetime


TransactionPage = page_of(TransactionRow)


class CampaignIn(Schema):
    program: int
    name: str = Field(min_length=1, max_length=200)
    priority: int = Field(100, ge=0, le=32767)
    starts_on: date
    ends_on: date
    weekdays: list[int] = []
    time_from: time | None = None
    time_to: time | None = None
    categories: list[str] = []
    businesses: list[int] = []
    multiplier: Decimal | None = None
    bonus_points: int | None = Field(None, ge=1)
    min_spend: Decimal | None = Field(None, ge=0)
    cap_per_card_per_day: int | None = Field(None, ge=1)
    active: bool = True


class CampaignPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    priority: int | None = Field(None, ge=0, le=32767)
    starts_on: date | None = None
    ends_on: date | None = None
    weekdays: list[int] | None = None
    time_from: time | None = None
    time_to: time | None = None
    categories: list[str] | None = None
    businesses: list[int] | None = None
    multiplier: Decimal | None = None
    bonus_points: int | None = Field(None, ge=1)
    min_spend: Decimal | None = Field(None, ge=0)
    cap_per_card_per_day: int | None = Field(None, ge=1)
    active: bool | None = None


class CampaignOut(Schema):
    id: int
    program: int = Field(alias="program_id")
    name: str
    priority: int
    starts_on: date
    ends_on: date
    weekdays: list[int]
    time_from: time | None
    time_to: time | None
    categories: list[str]
    businesses: list[int]
    multiplier: str | None
    bonus_points: int | None
    min_spend: str | None
    cap_per_card_per_day: int | None
    active: bool

    @staticmethod
    def resolve_businesses(obj) -> list[int]:
        return [b.pk for b in obj.businesses.all()]

    @staticmethod
    def resolve_multiplier(obj) -> str | None:
        return None if obj.multiplier is None else f"{obj.multiplier:.2f}"

    @staticmethod
    def resolve_min_spend(obj) -> str | None:
        return None if obj.min_spend is None else f"{obj.min_spend:.2f}"


CampaignPage = page_of(CampaignOut)


class BusinessStatement(Schema):
    business: int
    business_name: str
    period: str
    points_issued: int
    points_redeemed: int
    bonus_points: int
    amount_due: str
    amount_credited: str
    net: str


class DistrictStatement(Schema):
    period: str
    points_issued: int
    points_redeemed: int
    promotion_points: int
    breakage_points: int
    liability_opening_points: int
    liability_points: int
    liability_opening: str
    liability: str
    breakage: str
    promotion_cost: str
    reconciles: bool


class SettlementOut(Schema):
    program: int
    period: str
    closed: bool
    closed_at: datetime | None
    businesses: list[BusinessStatement]
    district: DistrictStatement | None


class CloseIn(Schema):
    program: int | None = None


class WalletMovement(Schema):
    id: int
    kind: str
    points: int
    business: str | None
    created_at: datetime


class ExpiringPoints(Schema):
    points: int
    expires_on: date


class WalletOut(Schema):
    card: str
    program: str
    status: str
    balance: int
    point_value: str
    balance_value: str
    expiring_next: ExpiringPoints | None
    history: list[WalletMovement]
