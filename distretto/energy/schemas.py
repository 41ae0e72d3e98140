"""Request and response shapes of /api/v1/energy/."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from distretto.core.pagination import page_of

MeterKind = Literal["hca", "heat", "fuel", "electricity", "chp_electric", "chp_thermal", "water"]


class SiteIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=200)
    comune: str | None = Field(None, description="ISTAT code of the comune")
    address: str = ""
    degree_days: int | None = Field(None, ge=0, description="GG; from the comune if known")
    climate_zone: Literal["A", "B", "C", "D", "E", "F"] | None = None
    chp_electric_kw: Decimal | None = Field(None, ge=0)
    chp_thermal_kw: Decimal | None = Field(None, ge=0)


class SitePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    address: str | None = None
    comune: str | None = Field(
        None, description="ISTAT code; another comune brings its zone, degree days and season"
    )
    degree_days: int | None = Field(None, ge=0, description="GG; replaces the site's")
    climate_zone: Literal["A", "B", "C", "D", "E", "F"] | None = None


class SiteOut(Schema):
    id: int
    district: int = Field(alias="district_id")
    name: str
    address: str
    comune: str | None = Field(None, alias="comune_id")
    climate_zone: str
    degree_days: int
    season_start: str
    season_end: str
    chp_electric_kw: Decimal | None
    chp_thermal_kw: Decimal | None

    @staticmethod
    def resolve_season_start(site) -> str:
        return f"{site.season_start_month:02d}-{site.season_start_day:02d}"

    @staticmethod
    def resolve_season_end(site) -> str:
        return f"{site.season_end_month:02d}-{site.season_end_day:02d}"


class UnitIn(Schema):
    site: int
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["dwelling", "shop"] = "dwelling"
    area_m2: Decimal = Field(ge=0)
    millesimi_heat: Decimal = Field(ge=0, le=1000)
    millesimi_property: Decimal = Field(Decimal("0"), ge=0, le=1000)
    volume_m3: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    occupant: int | None = None


class UnitPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    area_m2: Decimal | None = Field(None, ge=0)
    millesimi_heat: Decimal | None = Field(None, ge=0, le=1000)
    millesimi_property: Decimal | None = Field(None, ge=0, le=1000)
    volume_m3: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    declared_empty: bool | None = None
    empty_since: date | None = None


class UnitOut(Schema):
    id: int
    site: int = Field(alias="site_id")
    name: str
    kind: str
    area_m2: Decimal
    millesimi_heat: Decimal
    millesimi_property: Decimal
    volume_m3: Decimal | None
    occupant: int | None = Field(None, alias="occupant_id")
    declared_empty: bool
    empty_since: date | None


class MeterIn(Schema):
    site: int
    unit: int | None = None
    kind: MeterKind
    external_id: str = Field(min_length=1, max_length=64)
    role: Literal["consumption", "generator", "grid_import", "grid_export"] = "consumption"
    description: str = ""
    reading_type: Literal["cumulative", "interval"] = "cumulative"
    unit_of_measure: str | None = Field(None, max_length=10)
    kq: Decimal | None = Field(None, gt=0)
    kc: Decimal | None = Field(None, gt=0)
    calorific_value: Decimal | None = Field(None, gt=0)
    rated_power_w: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=1)
    initial_value: float | None = Field(None, ge=0)
    expected_interval_minutes: int = Field(60, ge=1)
    replaces: int | None = Field(None, description="id of the meter this one replaces")


class MeterPatch(Schema):
    external_id: str | None = Field(None, min_length=1, max_length=64)
    unit: int | None = None
    description: str | None = None
    kq: Decimal | None = Field(None, gt=0)
    kc: Decimal | None = Field(None, gt=0)
    rated_power_w: Decimal | None = Field(None, ge=0, max_digits=9, decimal_places=1)
    expected_interval_minutes: int | None = Field(None, ge=1)


class MeterOut(Schema):
    id: int
    site: int = Field(alias="site_id")
    unit: int | None = Field(None, alias="unit_id")
    kind: str
    role: str
    external_id: str
    description: str
    reading_type: str
    unit_of_measure: str
    kq: Decimal
    kc: Decimal
    rated_power_w: Decimal | None
    replaced_by: int | None = Field(None, alias="replaced_by_id")
    last_ts: datetime | None
    last_value: float | None


class GatewayIn(Schema):
    site: int
    name: str = Field(min_length=1, max_length=120)
    serial: str = ""
    expected_interval_minutes: int = Field(60, ge=1)


class GatewayOut(Schema):
    id: int
    site: int = Field(alias="site_id")
    name: str
    serial: str
    expected_interval_minutes: int
    last_seen_at: datetime | None
    active: bool


class GatewayCreated(GatewayOut):
    token: str = Field(description="shown once")


class ReadingOut(Schema):
    ts: datetime
    value: float
    delta: float | None


class ReadingIn(Schema):
    """A plain reading of the bulk readings body."""

    meter: str = Field(description="external id of the meter, e.g. its wM-Bus id")
    ts: datetime = Field(description="ISO 8601; without an offset it is Europe/Rome time")
    value: float = Field(ge=0, description="counter value, or the consumption of an interval")


class TelegramIn(Schema):
    """A wmbusmeters JSON telegram (``--format=json``); other fields are ignored."""

    model_config = ConfigDict(extra="allow")

    meter: str = Field(description="wmbusmeters driver, e.g. qcaloric")
    id: str = Field(description="wM-Bus id: the external id of the meter")
    timestamp: datetime
    current_consumption_hca: float | None = Field(None, ge=0)
    total_energy_consumption_kwh: float | None = Field(None, ge=0)
    total_energy_kwh: float | None = Field(None, ge=0)
    total_m3: float | None = Field(None, ge=0)
    total_volume_m3: float | None = Field(None, ge=0)
    total_kwh: float | None = Field(None, ge=0)
    total_energy_consumption_mwh: float | None = Field(None, ge=0)


def readings_body(max_items: int) -> dict:
    """OpenAPI request body of ``POST /readings``, which is parsed without pydantic.

    A batch of 50,000 readings through pydantic costs more than storing it; the
    handler reads the JSON itself and reports each bad item as a rejection.
    """
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": max_items,
                    "items": {
                        "anyOf": [
                            ReadingIn.model_json_schema(),
                            TelegramIn.model_json_schema(),
                        ]
                    },
                }
            }
        },
    }


class IngestRejection(Schema):
    index: int
    code: str
    message: str


class IngestOut(Schema):
    accepted: int
    duplicates: int
    rejected: list[IngestRejection]


class RejectionOut(Schema):
    id: int
    site: int | None = Field(None, alias="site_id")
    source: str
    code: str
    message: str
    payload: object
    status: str
    received_at: datetime
    replayed_at: datetime | None


class ReplayIn(Schema):
    ids: list[int] | None = Field(None, description="omitted: every open rejection in scope")
    site: int | None = None


class ReplayOut(Schema):
    replayed: int
    still_rejected: int


class WeatherDay(Schema):
    day: date
    mean_temperature: float = Field(ge=-60, le=60)


class WeatherIn(Schema):
    days: list[WeatherDay]


class AnomalyOut(Schema):
    id: int
    site: int = Field(alias="site_id")
    unit: int | None = Field(None, alias="unit_id")
    meter: int | None = Field(None, alias="meter_id")
    gateway: int | None = Field(None, alias="gateway_id")
    rule: str
    severity: str
    started_at: datetime
    ended_at: datetime | None
    evidence: dict
    acknowledged_at: datetime | None
    acknowledged_by: int | None = Field(None, alias="acknowledged_by_id")


SitePage = page_of(SiteOut)
UnitPage = page_of(UnitOut)
MeterPage = page_of(MeterOut)
GatewayPage = page_of(GatewayOut)
ReadingPage = page_of(ReadingOut)
RejectionPage = page_of(RejectionOut)
AnomalyPage = page_of(AnomalyOut)
