"""Request and response shapes of /api/v1/signage/."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from distretto.core.pagination import page_of

Kind = Literal["text", "image", "video", "web", "html", "campaigns", "events", "date"]
Priority = Literal["normal", "high", "emergency"]
ScreenZone = Literal["main", "info", "ticker"]


class DaypartIn(Schema):
    weekdays: list[int]
    start: str
    end: str


class DisplayIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=120)
    groups: list[str] = []
    lat: float | None = None
    lon: float | None = None
    orientation: Literal["landscape", "portrait"] = "landscape"
    resolution: str = "1920x1080"
    tags: list[str] = []
    layout: int | None = None
    screen_off: list[DaypartIn] = []


class DisplayPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    groups: list[str] | None = None
    lat: float | None = None
    lon: float | None = None
    orientation: Literal["landscape", "portrait"] | None = None
    resolution: str | None = None
    tags: list[str] | None = None
    approved: bool | None = None
    layout: int | None = None
    screen_off: list[DaypartIn] | None = None


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
    layout: int | None
    screen_off: list[dict]
    online: bool
    last_seen_at: datetime | None
    player_version: str
    playing_version: str
    playing_since: datetime | None
    expected_version: str
    delivery: Literal["up_to_date", "pending", "offline", "never_seen"]
    pending_since: datetime | None
    last_status: str
    refused_plays: int
    screenshot_url: str | None
    screenshot_at: datetime | None


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
    zone: ScreenZone = "main"
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
    zone: ScreenZone | None = None
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
    zone: str
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
    """One item; ``body``, ``media_*``, ``url``, ``owner`` and ``business`` are left
    out when empty."""

    id: int
    kind: str
    title: str
    background: str
    foreground: str
    duration_s: int
    priority: str
    valid_until: str | None
    data: dict | None
    body: str | None = None
    media_url: str | None = None
    media_sha256: str | None = None
    media_type: str | None = None
    url: str | None = None
    owner: str | None = None
    business: int | None = None


class LayoutZoneOut(Schema):
    key: str
    x: float
    y: float
    w: float
    h: float


class ManifestLayout(Schema):
    slug: str
    orientation: str
    zones: list[LayoutZoneOut]


class ManifestOut(Schema):
    """What a totem plays: ``items`` is the main zone's playlist, ``zones`` the other
    playlist zones of its layout (``info``, ``ticker``) by key."""

    version: str
    generated_at: str
    next_change_at: str | None
    layout: ManifestLayout
    items: list[ManifestItem]
    zones: dict[str, list[ManifestItem]]
    screen_off: list[dict]
    time_zone: str


class HeartbeatIn(Schema):
    status: str = Field("", max_length=200)
    version: str = Field("", max_length=40)
    player_version: str = Field("", max_length=40)
    screenshot: str | None = None
    refused_plays: int | None = Field(None, ge=0)


class HeartbeatOut(Schema):
    ok: bool
    server_time: datetime
    version: str


class PlaysIn(Schema):
    """Records are checked one by one (``proof.record_plays``): a bad one is refused
    alone, with its reason, not the whole batch. Each is ``{"id", "content",
    "started_at", "duration_s"}``."""

    records: list[Any] = Field(max_length=1000)


class PlayResult(Schema):
    id: str
    status: Literal["stored", "duplicate", "ignored", "refused"]
    reason: str | None = None


class PlaysOut(Schema):
    received: int
    stored: int
    duplicates: int
    ignored: int
    refused: int
    results: list[PlayResult]


class ReportRow(Schema):
    day: date
    content: int | None
    content_title: str
    business: str
    display: int | None
    display_name: str
    plays: int
    seconds: int


class ReportContent(Schema):
    content: int | None
    content_title: str
    business: str
    plays: int
    seconds: int
    displays: int


class ReportDay(Schema):
    day: date
    plays: int
    seconds: int


class ReportOut(Schema):
    plays: int
    seconds: int
    displays: int
    by_content: list[ReportContent]
    by_day: list[ReportDay]
    count: int
    items: list[ReportRow]


class PairIn(Schema):
    code: str = Field(min_length=1, max_length=20)
    display: int | None = None
    district: int | None = None
    name: str | None = Field(None, min_length=1, max_length=120)
    groups: list[str] = []
    lat: float | None = None
    lon: float | None = None
    orientation: Literal["landscape", "portrait"] = "landscape"
    resolution: str = "1920x1080"
    layout: int | None = None


class PairingCodeOut(Schema):
    code: str
    claim: str
    expires_at: datetime
    poll_s: int


class ClaimIn(Schema):
    claim: str = Field(min_length=1, max_length=200)


class PairingStatusOut(Schema):
    status: Literal["waiting", "expired", "paired"]
    code: str | None = None
    expires_at: datetime | None = None
    token: str | None = None
    display: str | None = None


CommandKind = Literal["reload", "clear_cache", "identify", "screenshot"]


class CommandIn(Schema):
    kind: CommandKind


class CommandOut(Schema):
    id: int
    display: int
    kind: str
    status: str
    detail: str
    created_at: datetime
    expires_at: datetime
    acknowledged_at: datetime | None


CommandPage = page_of(CommandOut)


class AckIn(Schema):
    ok: bool = True
    detail: str = Field("", max_length=200)


class ScreenshotIn(Schema):
    # base64 of the image, or a data URL of it (commands.store_screenshot)
    image: str = Field(
        min_length=4,
        max_length=3_000_000,
        pattern=r"^(data:image/(png|jpeg);base64,)?([A-Za-z0-9+/]{4})+"
        r"([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
    )
    command: int | None = None


class ScreenshotOut(Schema):
    screenshot_url: str
    screenshot_at: datetime


class LayoutIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=100)
    orientation: Literal["landscape", "portrait"]
    zones: list[dict]


class LayoutOut(Schema):
    id: int
    district: int | None
    slug: str
    name: str
    orientation: str
    zones: list[dict]
    builtin: bool


LayoutPage = page_of(LayoutOut)

SeverityIn = Literal["Extreme", "Severe", "Moderate", "Minor"]
UrgencyIn = Literal["Immediate", "Expected", "Future"]


class FeedIn(Schema):
    district: int
    name: str = Field(min_length=1, max_length=120)
    url: str = ""
    poll_minutes: int = Field(2, ge=1, le=1440)
    min_severity: SeverityIn = "Severe"
    min_urgency: UrgencyIn = "Expected"


class FeedPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    url: str | None = None
    poll_minutes: int | None = Field(None, ge=1, le=1440)
    min_severity: SeverityIn | None = None
    min_urgency: UrgencyIn | None = None
    active: bool | None = None


class FeedOut(Schema):
    id: int
    district: int
    name: str
    url: str
    poll_minutes: int
    min_severity: str
    min_urgency: str
    active: bool
    last_polled_at: datetime | None
    last_error: str


class FeedCreated(FeedOut):
    token: str


FeedPage = page_of(FeedOut)


class CapAlertOut(Schema):
    id: int
    feed: int
    identifier: str
    sender: str
    sent: datetime
    msg_type: str
    status: str
    event: str
    headline: str
    severity: str
    urgency: str
    expires: datetime | None
    outcome: str
    reason: str
    content: int | None
    displays: int
    received_at: datetime


CapAlertPage = page_of(CapAlertOut)
