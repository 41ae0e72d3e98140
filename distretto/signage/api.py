"""The signage REST API: /api/v1/signage/...

Managers (personal token or session) run totems, zones, the media library and the
content; merchants may only propose (and edit) their own businesses' content and
media; a totem's player authenticates with its display token and reads only its
own manifest and event stream.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from distretto.accounts.scoping import districts_for, get_in_scope, require_write
from distretto.core.errors import Invalid
from distretto.core.pagination import paginate
from distretto.signage import push, services
from distretto.signage.access import (
    contents_for,
    displays_for,
    groups_for,
    is_manager_of,
    media_for,
    own_business_ids,
    plays_for,
    require_manager_of,
)
from distretto.signage.auth import display_auth, display_stream_auth
from distretto.signage.models import Content, Display, DisplayGroup, MediaAsset
from distretto.signage.schemas import (
    ContentIn,
    ContentOut,
    ContentPage,
    ContentPatch,
    DisplayCreated,
    DisplayIn,
    DisplayOut,
    DisplayPage,
    DisplayPatch,
    GroupIn,
    GroupOut,
    GroupPage,
    GroupPatch,
    HeartbeatIn,
    HeartbeatOut,
    ManifestOut,
    MediaOut,
    MediaPage,
    PairingOut,
    PlaysIn,
    PlaysOut,
    RejectIn,
    ReportOut,
)
from distretto.territory.models import Business

router = Router(tags=["signage"])


def pairing_url(request: HttpRequest, raw_token: str) -> str:
    return request.build_absolute_uri(reverse("signage:player")) + f"#token={raw_token}"


def display_out(display: Display) -> dict:
    return {
        "id": display.pk,
        "district": display.district_id,
        "name": display.name,
        "groups": sorted(g.name for g in display.groups.all()),
        "lat": display.lat,
        "lon": display.lon,
        "orientation": display.orientation,
        "resolution": display.resolution,
        "tags": display.tags,
        "approved": display.approved,
        "online": display.is_online(),
        "last_seen_at": display.last_seen_at,
        "player_version": display.player_version,
        "playing_version": display.playing_version,
        "last_status": display.last_status,
    }


def content_out(content: Content) -> dict:
    return {
        "id": content.pk,
        "district": content.district_id,
        "business": content.business_id,
        "kind": content.kind,
        "title": content.title,
        "body": content.body,
        "background": content.background,
        "foreground": content.foreground,
        "media": content.media_id,
        "media_url": content.media.file.url if content.media_id else None,
        "url": content.url,
        "duration_s": content.duration_s,
        "valid_from": content.valid_from,
        "valid_until": content.valid_until,
        "dayparts": content.dayparts,
        "priority": content.priority,
        "targets": {
            "groups": sorted(g.name for g in content.target_groups.all()),
            "displays": sorted(d.pk for d in content.target_displays.all()),
        },
        "status": content.status,
        "rejection_reason": content.rejection_reason,
        "created_at": content.created_at,
        "updated_at": content.updated_at,
    }


def media_out(asset: MediaAsset) -> dict:
    return {
        **{f: getattr(asset, f) for f in ("id", "district_id", "business_id", "kind", "name")},
        "content_type": asset.content_type,
        "size": asset.size,
        "sha256": asset.sha256,
        "width": asset.width,
        "height": asset.height,
        "url": asset.file.url,
        "thumbnail_url": asset.thumbnail.url if asset.thumbnail else None,
        "created_at": asset.created_at,
    }


def _managed_display(request: HttpRequest, display_id: int) -> Display:
    require_write(request.auth)
    return get_in_scope(displays_for(request.auth), display_id, "display")


# --- Displays -------------------------------------------------------------------------------


@router.get("/displays", response=DisplayPage)
def list_displays(
    request: HttpRequest,
    district: int | None = None,
    group: str | None = None,
    limit: int = 50,
    offset: int = 0,
):
    displays = displays_for(request.auth).prefetch_related("groups").order_by("-id")
    if district is not None:
        displays = displays.filter(district=district)
    if group:
        displays = displays.filter(groups__name=group)
    page = paginate(displays, limit, offset)
    page["items"] = [display_out(d) for d in page["items"]]
    return page


@router.post("/displays", response={201: DisplayCreated})
def create_display(request: HttpRequest, payload: DisplayIn):
    """A new totem. Its token (and the pairing URL that carries it) is in this answer only."""
    require_write(request.auth)
    fields = payload.dict()
    district = get_in_scope(districts_for(request.auth), fields.pop("district"), "district")
    require_manager_of(request.auth, district.pk)
    display, raw = services.create_display(district, fields, by=request.auth.user)
    return Status(
        201, {**display_out(display), "token": raw, "pairing_url": pairing_url(request, raw)}
    )


@router.get("/displays/{display_id}", response=DisplayOut)
def get_display(request: HttpRequest, display_id: int):
    return display_out(get_in_scope(displays_for(request.auth), display_id, "display"))


@router.patch("/displays/{display_id}", response=DisplayOut)
def update_display(request: HttpRequest, display_id: int, payload: DisplayPatch):
    display = _managed_display(request, display_id)
    return display_out(services.update_display(display, payload.dict(exclude_unset=True)))


@router.post("/displays/{display_id}/token", response={201: PairingOut})
def pair_display(request: HttpRequest, display_id: int):
    """A new pairing token; every earlier token of the display stops working."""
    display = _managed_display(request, display_id)
    raw = services.issue_display_token(display, request.auth.user)
    return Status(201, {"id": display.pk, "token": raw, "pairing_url": pairing_url(request, raw)})


@router.delete("/displays/{display_id}/token", response={204: None})
def revoke_display(request: HttpRequest, display_id: int):
    services.revoke_display_tokens(_managed_display(request, display_id))
    return Status(204, None)


@router.get("/displays/{display_id}/preview", response=ManifestOut)
def preview(request: HttpRequest, display_id: int, at: datetime | None = None):
    """The manifest this display would get at ``at`` (default: now)."""
    display = get_in_scope(displays_for(request.auth), display_id, "display")
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at, services.tz_of(display.district))
    return services.manifest_for(display, at).body


# --- Groups ---------------------------------------------------------------------------------


@router.get("/groups", response=GroupPage)
def list_groups(
    request: HttpRequest, district: int | None = None, limit: int = 50, offset: int = 0
):
    groups = groups_for(request.auth).order_by("-id")
    if district is not None:
        groups = groups.filter(district=district)
    return paginate(groups, limit, offset)


@router.post("/groups", response={201: GroupOut})
def create_group(request: HttpRequest, payload: GroupIn):
    require_write(request.auth)
    district = get_in_scope(districts_for(request.auth), payload.district, "district")
    require_manager_of(request.auth, district.pk)
    return Status(201, services.create_group(district, payload.name))


def _managed_group(request: HttpRequest, group_id: int) -> DisplayGroup:
    require_write(request.auth)
    group = get_in_scope(groups_for(request.auth), group_id, "group")
    require_manager_of(request.auth, group.district_id)
    return group


@router.patch("/groups/{group_id}", response=GroupOut)
def rename_group(request: HttpRequest, group_id: int, payload: GroupPatch):
    return services.rename_group(_managed_group(request, group_id), payload.name)


@router.delete("/groups/{group_id}", response={204: None})
def delete_group(request: HttpRequest, group_id: int):
    services.delete_group(_managed_group(request, group_id))
    return Status(204, None)


# --- Media library --------------------------------------------------------------------------


@router.get("/media", response=MediaPage)
def list_media(request: HttpRequest, kind: str | None = None, limit: int = 50, offset: int = 0):
    assets = media_for(request.auth)
    if kind:
        assets = assets.filter(kind=kind)
    page = paginate(assets.order_by("-id"), limit, offset)
    page["items"] = [media_out(a) for a in page["items"]]
    return page


@router.post("/media", response={201: MediaOut})
def upload_media(
    request: HttpRequest,
    file: File[UploadedFile],
    district: Form[int],
    business: Form[int | None] = None,
):
    """Upload an image (JPEG/PNG/WebP/GIF, ≤ 10 MB, thumbnailed) or video (MP4/WebM)."""
    require_write(request.auth)
    district_obj = get_in_scope(districts_for(request.auth), district, "district")
    owner = None
    if is_manager_of(request.auth, district_obj.pk):
        if business is not None:
            owner = get_in_scope(
                Business.objects.filter(district=district_obj), business, "business"
            )
    else:
        mine = Business.objects.filter(pk__in=own_business_ids(request.auth), district=district_obj)
        owner = mine.filter(pk=business).first() if business is not None else mine.first()
        if owner is None:
            require_manager_of(request.auth, district_obj.pk)
    asset = services.store_media(district_obj, file, business=owner, by=request.auth.user)
    return Status(201, media_out(asset))


# --- Content --------------------------------------------------------------------------------


def _content_query():
    return (
        Content.objects.select_related("media")
        .prefetch_related("target_groups", "target_displays")
        .order_by("-created_at", "-id")
    )


@router.get("/contents", response=ContentPage)
def list_contents(
    request: HttpRequest,
    district: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
):
    contents = _content_query().filter(pk__in=contents_for(request.auth).values("pk"))
    if district is not None:
        contents = contents.filter(district=district)
    if status:
        contents = contents.filter(status=status)
    if kind:
        contents = contents.filter(kind=kind)
    page = paginate(contents, limit, offset)
    page["items"] = [content_out(c) for c in page["items"]]
    return page


@router.post("/contents", response={201: ContentOut})
def create_content(request: HttpRequest, payload: ContentIn):
    """Managers' content is approved at once; a merchant's proposal is ``pending``."""
    require_write(request.auth)
    fields = payload.dict()
    district = get_in_scope(districts_for(request.auth), fields.pop("district"), "district")
    content = services.create_content(request.auth, district, fields)
    return Status(201, content_out(content))


def _content(request: HttpRequest, content_id: int) -> Content:
    return get_in_scope(
        _content_query().filter(pk__in=contents_for(request.auth).values("pk")),
        content_id,
        "content",
    )


@router.get("/contents/{content_id}", response=ContentOut)
def get_content(request: HttpRequest, content_id: int):
    return content_out(_content(request, content_id))


@router.patch("/contents/{content_id}", response=ContentOut)
def update_content(request: HttpRequest, content_id: int, payload: ContentPatch):
    """Edit; a merchant's edit of approved content sends it back to ``pending``."""
    require_write(request.auth)
    content = _content(request, content_id)
    fields = payload.dict(exclude_unset=True)
    if fields.get("targets") is not None:
        fields["targets"] = payload.targets.dict()
    content = services.update_content(request.auth, content, fields)
    return content_out(_content(request, content.pk))


@router.delete("/contents/{content_id}", response={204: None})
def delete_content(request: HttpRequest, content_id: int):
    require_write(request.auth)
    services.delete_content(_content(request, content_id))
    return Status(204, None)


def _reviewed(request: HttpRequest, content_id: int) -> Content:
    require_write(request.auth)
    content = _content(request, content_id)
    require_manager_of(request.auth, content.district_id)
    return content


@router.post("/contents/{content_id}/approve", response=ContentOut)
def approve_content(request: HttpRequest, content_id: int):
    content = services.approve(request.auth, _reviewed(request, content_id))
    return content_out(content)


@router.post("/contents/{content_id}/reject", response=ContentOut)
def reject_content(request: HttpRequest, content_id: int, payload: RejectIn):
    content = services.reject(request.auth, _reviewed(request, content_id), payload.reason)
    return content_out(content)


@router.post("/contents/{content_id}/end", response=ContentOut)
def end_content(request: HttpRequest, content_id: int):
    """Stop showing it now (clears an emergency message)."""
    content = services.end_now(_reviewed(request, content_id))
    return content_out(content)


# --- Reports --------------------------------------------------------------------------------


def _report_rows(request: HttpRequest, since: date | None, until: date | None, district, display):
    plays = plays_for(request.auth)
    districts = districts_for(request.auth)
    if district is not None:
        plays = plays.filter(display__district=get_in_scope(districts, district, "district"))
    if display is not None:
        plays = plays.filter(display=display)
    tz = timezone.get_current_timezone()
    return services.play_report(services.plays_between(plays, since, until, tz), tz)


@router.get("/reports/plays", response=ReportOut)
def play_report(
    request: HttpRequest,
    since: date | None = None,
    until: date | None = None,
    district: int | None = None,
    display: int | None = None,
    format: str = "json",
):
    """Proof of play by day, content, business and display; ``?format=csv`` for a file."""
    if format not in {"json", "csv"}:
        raise Invalid("format is json or csv.", field="format")
    rows = _report_rows(request, since, until, district, display)
    if format == "csv":
        response = HttpResponse(services.report_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="proof-of-play.csv"'
        return response
    return {"count": len(rows), "items": rows}


# --- Player protocol (display token) --------------------------------------------------------


@router.get("/player/manifest", auth=display_auth, response={200: ManifestOut, 304: None})
def player_manifest(request: HttpRequest):
    """What this totem plays now; send ``If-None-Match`` to get 304 when unchanged."""
    version, body = push.manifest_json(request.display)
    etag = f'"{version}"'
    if push.etag_matches(etag, request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    return response


@router.get("/player/events", auth=display_stream_auth)
async def player_events(request: HttpRequest):
    """Server-Sent Events: ``event: manifest`` (data: the manifest) on every change of
    this totem's playlist, a keep-alive comment at least every 15 s."""
    display = request.display
    response = StreamingHttpResponse(
        push.stream(display.pk, display.district_id), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


@router.post("/player/heartbeat", auth=display_auth, response=HeartbeatOut)
def player_heartbeat(request: HttpRequest, payload: HeartbeatIn):
    display = services.record_heartbeat(request.display, **payload.dict())
    manifest = services.manifest_for(display)
    return {"ok": True, "server_time": timezone.now(), "version": manifest.version}


@router.post("/player/plays", auth=display_auth, response=PlaysOut)
def player_plays(request: HttpRequest, payload: PlaysIn):
    """Proof-of-play records, batched; idempotent by record ``id``."""
    return services.record_plays(request.display, [r.dict() for r in payload.records])
