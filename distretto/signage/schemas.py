"""Request and response shapes of /api/v1/signage/."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from distretto.core.pagination import page_of

Kind = Literal["text", "image", "video", "web", "html", "campaigns", "events", "date"]
Priority = Literal["normal", "high", "emergency"]


class DisplayIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=120)
    groups: list[str] = []
    lat: float | None = None
    lon: float | None = None
    orientation: Literal["landscape", "portrait"] = "landscape"
    resolution: str = "1920x1080"
    tags: list[str] = []


class DisplayPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    groups: list[str] | None = None
    lat: float | None = None
    lon: float | None = None
    orientation: Literal["landscape", "portrait"] | None = None
    resolution: str | None = None
    tags: list[str] | None = None
    approved: bool | None = None


class DisplayOut(Schema):
    id: int
    district: int
    name: str
    groups: list[str]
    lat: float | None
    lon: float | None
    orientation: str
    resolution: str
    tags: list[str]
    approved: bool
    online: bool
    last_seen_at: datetime | None
    player_version: str
    playing_version: str
    last_status: str


class DisplayCreated(DisplayOut):
    token: str
    pairing_url: str


class PairingOut(Schema):
    id: int
    token: str
    pairing_url: str


DisplayPage = page_of(DisplayOut)


class GroupIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=100)


class GroupPatch(Schema):
    name: str = Field(min_length=1, max_length=100)


class GroupOut(Schema):
    id: int
    district: int = Field(alias="district_id")
    name: str


GroupPage = page_of(GroupOut)


class DaypartIn(Schema):
    weekdays: list[int]
    start: str
    end: str


class TargetsIn(Schema):
    groups: list[str] = []
    displays: list[int] = []


class ContentIn(Schema):
    district: int
    kind: Kind
    title: str = Field(min_length=1, max_length=200)
    body: str = ""
    background: str = "#0b6e4f"
    foreground: str = "#ffffff"
    media: int | None = None
    url: str = ""
    duration_s: int = 10
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    dayparts: list[DaypartIn] = []
    priority: Priority = "normal"
    targets: TargetsIn = TargetsIn()
    business: int | None = None


class ContentPatch(Schema):
    kind: Kind | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = None
    background: str | None = None
    foreground: str | None = None
    media: int | None = None
    url: str | None = None
    duration_s: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    dayparts: list[DaypartIn] | None = None
    priority: Priority | None = None
    targets: TargetsIn | None = None
    business: int | None = None


class ContentOut(Schema):
    id: int
    district: int
    business: int | None
    kind: str
    title: str
    body: str
    background: str
    foreground: str
    media: int | None
    media_url: str | None
    url: str
    duration_s: int
    valid_from: datetime
    valid_until: datetime | None
    dayparts: list[dict]
    priority: str
    targets: dict
    status: str
    rejection_reason: str
    created_at: datetime
    updated_at: datetime


ContentPage = page_of(ContentOut)


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class MediaOut(Schema):
    id: int
    district: int = Field(alias="district_id")
    business: int | None = Field(alias="business_id")
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    url: str
    thumbnail_url: str | None
    created_at: datetime


MediaPage = page_of(MediaOut)


class ManifestItem(Schema):
    id: int
    kind: str
    title: str
    body: str
    background: str
    foreground: str
    media_url: str | None
    media_sha256: str | None
    media_type: str | None
    url: str | None
    duration_s: int
    priority: str
    owner: str | None
    business: int | None
    valid_until: str | None
    data: dict | None


class ManifestOut(Schema):
    version: str
    generated_at: str
    next_change_at: str | None
    items: list[ManifestItem]


class HeartbeatIn(Schema):
    status: str = Field("", max_length=200)
    version: str = Field("", max_length=40)
    player_version: str = Field("", max_length=40)
    screenshot: str | None = None


class HeartbeatOut(Schema):
    ok: bool
    server_time: datetime
    version: str


class PlayIn(Schema):
    id: str = Field(min_length=1, max_length=64)
    content: int
    started_at: datetime
    duration_s: float = Field(ge=0, le=86400)


class PlaysIn(Schema):
    records: list[PlayIn] = Field(max_length=1000)


class PlaysOut(Schema):
    received: int
    stored: int
    duplicates: int
    ignored: int


class ReportRow(Schema):
    day: str
    content: int | None
    content_title: str
    business: str
    display: int
    display_name: str
    plays: int
    seconds: int


class ReportOut(Schema):
    count: int
    items: list[ReportRow]
