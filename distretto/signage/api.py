"""The signage REST API: /api/v1/signage/...

Managers (personal token or session) run totems, zones, the media library and the
content; merchants may only propose (and edit) their own businesses' content and
media; a totem's player authenticates with its display token and reads only its
own manifest and event stream.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from distretto.accounts.scoping import districts_for, get_in_scope, require_write
from distretto.core.contract import one_of
from distretto.core.errors import Forbidden, Invalid
from distretto.core.pagination import paginate
from distretto.signage import alerts, commands, pairing, proof, push, services
from distretto.signage.access import (
    contents_for,
    displays_for,
    feeds_for,
    groups_for,
    is_manager_of,
    media_for,
    own_business_ids,
    plays_for,
    require_manager_of,
)
from distretto.signage.auth import display_auth, display_stream_auth
from distretto.signage.models import (
    AlertFeed,
    CapAlert,
    Content,
    Display,
    DisplayCommand,
    DisplayGroup,
    Layout,
    MediaAsset,
)
from distretto.signage.schemas import (
    AckIn,
    CapAlertOut,
    CapAlertPage,
    ClaimIn,
    CommandIn,
    CommandOut,
    CommandPage,
    ContentIn,
    ContentOut,
    ContentPage,
    ContentPatch,
    DisplayCreated,
    DisplayIn,
    DisplayOut,
    DisplayPage,
    DisplayPatch,
    FeedCreated,
    FeedIn,
    FeedOut,
    FeedPage,
    FeedPatch,
    GroupIn,
    GroupOut,
    GroupPage,
    GroupPatch,
    HeartbeatIn,
    HeartbeatOut,
    LayoutIn,
    LayoutOut,
    LayoutPage,
    ManifestOut,
    MediaOut,
    MediaPage,
    PairIn,
    PairingCodeOut,
    PairingOut,
    PairingStatusOut,
    PlaysIn,
    PlaysOut,
    RejectIn,
    ReportOut,
    ScreenshotIn,
    ScreenshotOut,
)
from distretto.territory.models import Business

router = Router(tags=["signage"])


def pairing_url(request: HttpRequest, raw_token: str) -> str:
    return request.build_absolute_uri(reverse("signage:player")) + f"#token={raw_token}"


def display_out(display: Display, delivery: services.Delivery | None = None) -> dict:
    if delivery is None:
        delivery = services.deliveries([display])[display.pk]
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
        "layout": display.layout_id,
        "screen_off": display.screen_off or [],
        "online": display.is_online(),
        "last_seen_at": display.last_seen_at,
        "player_version": display.player_version,
        "playing_version": display.playing_version,
        "playing_since": display.playing_since,
        "expected_version": delivery.expected,
        "delivery": delivery.state,
        "pending_since": delivery.since,
        "last_status": display.last_status,
        "refused_plays": display.refused_plays,
        "screenshot_url": display.screenshot.url if display.screenshot else None,
        "screenshot_at": display.screenshot_at,
    }


def command_out(command: DisplayCommand) -> dict:
    return {
        "id": command.pk,
        "display": command.display_id,
        "kind": command.kind,
        "status": command.status,
        "detail": command.detail,
        "created_at": command.created_at,
        "expires_at": command.expires_at,
        "acknowledged_at": command.acknowledged_at,
    }


def layout_out(layout: Layout) -> dict:
    return {
        "id": layout.pk,
        "district": layout.district_id,
        "slug": layout.slug,
        "name": str(layout),
        "orientation": layout.orientation,
        "zones": layout.zones,
        "builtin": layout.builtin,
    }


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "-"


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
        "zone": content.zone,
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
    displays = (
        displays_for(request.auth)
        .select_related("district")
        .prefetch_related("groups")
        .order_by("-id")
    )
    if district is not None:
        displays = displays.filter(district=district)
    if group:
        displays = displays.filter(groups__name=group)
    page = paginate(displays, limit, offset)
    states = services.deliveries(list(page["items"]))
    page["items"] = [display_out(d, states[d.pk]) for d in page["items"]]
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


@router.post("/displays/pair", response={200: DisplayOut, 201: DisplayOut})
def pair_by_code(request: HttpRequest, payload: PairIn):
    """Pair the totem showing ``code``: with ``display`` an existing totem takes it over
    (its earlier token stops working); otherwise a new totem is made from the other
    fields (``district`` and ``name`` at least). The player receives its token itself."""
    require_write(request.auth)
    fields = payload.dict(exclude_unset=True)
    code, display_id = fields.pop("code"), fields.pop("display", None)
    with transaction.atomic():
        if display_id is not None:
            display = _managed_display(request, display_id)
            created = False
        else:
            district_id = fields.pop("district", None)
            if district_id is None or not fields.get("name"):
                raise Invalid("Name the totem to pair, or give an existing one.", field="display")
            district = get_in_scope(districts_for(request.auth), district_id, "district")
            require_manager_of(request.auth, district.pk)
            display, _raw = services.create_display(district, fields, by=request.auth.user)
            services.revoke_display_tokens(display)  # its token comes through the code
            created = True
        pairing.pair(code, display, by=request.auth.user, client_ip=client_ip(request))
    return Status(201 if created else 200, display_out(display))


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


@router.get("/displays/{display_id}/commands", response=CommandPage)
def list_commands(request: HttpRequest, display_id: int, limit: int = 20, offset: int = 0):
    display = get_in_scope(displays_for(request.auth), display_id, "display")
    commands.expire_old()
    page = paginate(display.commands.order_by("-created_at", "-id"), limit, offset)
    page["items"] = [command_out(c) for c in page["items"]]
    return page


@router.post("/displays/{display_id}/commands", response={201: CommandOut})
def send_command(request: HttpRequest, display_id: int, payload: CommandIn):
    """Reload, clear_cache, identify (30 s) or screenshot: sent on the totem's event
    stream now, or when it comes back (within a day); pending until acknowledged."""
    display = _managed_display(request, display_id)
    return Status(201, command_out(commands.send(display, payload.kind, by=request.auth.user)))


# --- Layouts --------------------------------------------------------------------------------


@router.get("/layouts", response=LayoutPage)
def list_layouts(request: HttpRequest, limit: int = 50, offset: int = 0):
    """The built-in layouts and those of the districts the caller manages."""
    services.builtin_layouts()
    districts = districts_for(request.auth, manage=True)
    layouts = Layout.objects.filter(Q(district__isnull=True) | Q(district__in=districts))
    page = paginate(layouts.order_by("district_id", "orientation", "pk"), limit, offset)
    page["items"] = [layout_out(layout) for layout in page["items"]]
    return page


@router.post("/layouts", response={201: LayoutOut})
def create_layout(request: HttpRequest, payload: LayoutIn):
    """A district's own layout: zones ``main`` (required), ``info``, ``ticker``, ``clock``
    in percent of the screen, inside it and not overlapping."""
    require_write(request.auth)
    district = get_in_scope(districts_for(request.auth), payload.district, "district")
    require_manager_of(request.auth, district.pk)
    layout = services.create_layout(district, payload.dict(exclude={"district"}))
    return Status(201, layout_out(layout))


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


@router.get("/reports/plays", response=ReportOut)
def play_report(
    request: HttpRequest,
    since: date | None = None,
    until: date | None = None,
    district: int | None = None,
    display: int | None = None,
    content: int | None = None,
    format: one_of(["json", "csv"]) = "json",
    limit: int = Query(50, ge=1, le=1000),
    offset: int = 0,
):
    """Proof of play from the daily aggregates: totals, per content, per day, and the
    rows per day, content and totem (paginated; ``?format=csv`` for all of them)."""
    if format not in {"json", "csv"}:
        raise Invalid("format is json or csv.", field="format")
    rows = proof.daily_plays(
        plays_for(request.auth), since=since, until=until, display_id=display, content_id=content
    )
    if district is not None:
        rows = rows.filter(district=get_in_scope(districts_for(request.auth), district, "district"))
    if format == "csv":
        response = StreamingHttpResponse(
            proof.report_csv(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="proof-of-play.csv"'
        return response
    found = proof.report(rows, limit=limit, offset=max(0, offset))
    return {
        "plays": found.plays,
        "seconds": found.seconds,
        "displays": found.displays,
        "by_content": found.by_content,
        "by_day": found.by_day,
        "count": found.count,
        "items": found.rows,
    }


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
    """Alive; the manifest version playing (sent at once after each change applied)."""
    display = services.record_heartbeat(request.display, **payload.dict())
    manifest = services.manifest_for(display)
    return {"ok": True, "server_time": timezone.now(), "version": manifest.version}


@router.post("/player/plays", auth=display_auth, response=PlaysOut)
def player_plays(request: HttpRequest, payload: PlaysIn):
    """Proof-of-play records, batched (at most 1,000). Answered per record, in order:
    ``stored``, ``duplicate`` (sent before), ``ignored`` (content gone) or ``refused``
    with its ``reason``; the player keeps only the refused ones."""
    return proof.record_plays(request.display, payload.records)


@router.post("/player/commands/{command_id}/ack", auth=display_auth, response=CommandOut)
def player_ack(request: HttpRequest, command_id: int, payload: AckIn):
    """The player did a command (``ok``) or could not (with ``detail``)."""
    command = commands.acknowledge(
        request.display, command_id, ok=payload.ok, detail=payload.detail
    )
    return command_out(command)


@router.post("/player/screenshot", auth=display_auth, response=ScreenshotOut)
def player_screenshot(request: HttpRequest, payload: ScreenshotIn):
    """The player's own screen (PNG or JPEG, data URL or base64, at most 2 MB);
    acknowledges the screenshot ``command`` it answers."""
    display = commands.store_screenshot(request.display, payload.image, payload.command)
    return {"screenshot_url": display.screenshot.url, "screenshot_at": display.screenshot_at}


@router.post("/player/pairing", auth=None, response={201: PairingCodeOut})
def player_pairing_start(request: HttpRequest):
    """A blank player's pairing code (to show) and its secret claim (to keep)."""
    code, claim = pairing.start(client_ip(request))
    return Status(
        201,
        {
            "code": code.code,
            "claim": claim,
            "expires_at": code.expires_at,
            "poll_s": pairing.POLL_S,
        },
    )


@router.post("/player/pairing/status", auth=None, response=PairingStatusOut)
def player_pairing_status(request: HttpRequest, payload: ClaimIn):
    """``waiting``, ``expired`` (ask for a new code) or ``paired`` with the token (once)."""
    return pairing.collect(payload.claim)


# --- Alert feeds (CAP 1.2) ------------------------------------------------------------------


def feed_out(feed: AlertFeed) -> dict:
    return {
        "id": feed.pk,
        "district": feed.district_id,
        "name": feed.name,
        "url": feed.url,
        "poll_minutes": feed.poll_minutes,
        "min_severity": feed.min_severity,
        "min_urgency": feed.min_urgency,
        "active": feed.active,
        "last_polled_at": feed.last_polled_at,
        "last_error": feed.last_error,
    }


def alert_out(alert: CapAlert) -> dict:
    return {
        "id": alert.pk,
        "feed": alert.feed_id,
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sent": alert.sent,
        "msg_type": alert.msg_type,
        "status": alert.status,
        "event": alert.event,
        "headline": alert.headline,
        "severity": alert.severity,
        "urgency": alert.urgency,
        "expires": alert.expires,
        "outcome": alert.outcome,
        "reason": alert.reason,
        "content": alert.content_id,
        "displays": alert.displays,
        "received_at": alert.received_at,
    }


@router.post("/alerts/cap", response={200: CapAlertOut, 201: CapAlertOut})
def post_cap(request: HttpRequest):
    """A CAP 1.2 document (``application/cap+xml`` or XML) from an alert feed's own
    system token. 201 when new, 200 when the same message came before; 422
    ``malformed_cap`` naming the element when it is not valid CAP 1.2 (nothing made)."""
    feed = alerts.feed_of(request.auth.user if not request.auth.is_device else None)
    if feed is None:
        raise Forbidden(
            "Only an alert feed's system token may post CAP alerts.", code="not_a_feed_token"
        )
    if not request.body:
        raise Invalid("Send a CAP 1.2 XML document as the body.", code="malformed_cap")
    alert, created = alerts.receive(feed, request.body)
    return Status(201 if created else 200, alert_out(alert))


@router.get("/alerts", response=CapAlertPage)
def list_alerts(request: HttpRequest, feed: int | None = None, limit: int = 50, offset: int = 0):
    """CAP messages received by the caller's feeds, newest first, with their outcome."""
    found = CapAlert.objects.filter(feed__in=feeds_for(request.auth)).order_by(
        "-received_at", "-id"
    )
    if feed is not None:
        found = found.filter(feed=feed)
    page = paginate(found, limit, offset)
    page["items"] = [alert_out(a) for a in page["items"]]
    return page


@router.get("/alerts/feeds", response=FeedPage)
def list_feeds(request: HttpRequest, limit: int = 50, offset: int = 0):
    page = paginate(feeds_for(request.auth).order_by("name", "pk"), limit, offset)
    page["items"] = [feed_out(f) for f in page["items"]]
    return page


@router.post("/alerts/feeds", response={201: FeedCreated})
def create_feed(request: HttpRequest, payload: FeedIn):
    """A CAP feed for a district: a URL to poll and/or a system token to post with
    (the token is in this answer only)."""
    require_write(request.auth)
    district = get_in_scope(districts_for(request.auth), payload.district, "district")
    require_manager_of(request.auth, district.pk)
    feed, raw = alerts.create_feed(
        district, payload.dict(exclude={"district"}), by=request.auth.user
    )
    return Status(201, {**feed_out(feed), "token": raw})


@router.patch("/alerts/feeds/{feed_id}", response=FeedOut)
def update_feed(request: HttpRequest, feed_id: int, payload: FeedPatch):
    require_write(request.auth)
    feed = get_in_scope(feeds_for(request.auth), feed_id, "feed")
    return feed_out(alerts.update_feed(feed, payload.dict(exclude_unset=True)))


@router.post("/alerts/feeds/{feed_id}/token", response={201: FeedCreated})
def new_feed_token(request: HttpRequest, feed_id: int):
    """A new system token for the feed; the earlier one stops working."""
    require_write(request.auth)
    feed = get_in_scope(feeds_for(request.auth), feed_id, "feed")
    return Status(201, {**feed_out(feed), "token": alerts.issue_feed_token(feed)})
