"""Pages of the totem network: managers' totems, zones, content, media and reports;
merchants' proposals and proof of play; the full-screen player. Thin: every rule
lives in ``services`` and ``playlist``."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from distretto.accounts.scoping import districts_for, principal_for_user
from distretto.core.errors import DomainError
from distretto.signage import alerts, commands, pairing, proof, services
from distretto.signage.access import (
    contents_for,
    displays_for,
    feeds_for,
    groups_for,
    managed_districts,
    media_for,
    own_business_ids,
    plays_for,
)
from distretto.signage.models import (
    HEARTBEAT_INTERVAL,
    AlertFeed,
    CapAlert,
    Content,
    DisplayCommand,
    DisplayGroup,
    SignageSettings,
)
from distretto.territory.models import Business

PLAYER_VERSION = "2.0.0"


def _principal(request: HttpRequest):
    return principal_for_user(request.user, via="page")


def _require_manager(request: HttpRequest):
    principal = _principal(request)
    if not managed_districts(principal).exists():
        raise Http404
    return principal


def _local(value: str, tz) -> datetime | None:
    """A datetime-local field (no offset) in the district's time zone."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise DomainError(_("Write dates as YYYY-MM-DD HH:MM."), code="invalid", status=422)
    return timezone.make_aware(parsed, tz) if timezone.is_naive(parsed) else parsed


# --- Totems ---------------------------------------------------------------------------------


def _position(request: HttpRequest, fields: dict) -> None:
    for name in ("lat", "lon"):
        value = request.POST.get(name, "").strip()
        if value:
            try:
                fields[name] = float(value.replace(",", "."))
            except ValueError:
                raise DomainError(
                    _("Latitude and longitude are numbers."), code="invalid", status=422
                ) from None


def _groups(request: HttpRequest) -> list[str]:
    return [g.strip() for g in request.POST.get("groups", "").split(",") if g.strip()]


def _layout_id(request: HttpRequest) -> int | None:
    value = request.POST.get("layout", "")
    return int(value) if value.isdigit() else None


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "-"


@login_required
def display_list(request: HttpRequest) -> HttpResponse:
    principal = _require_manager(request)
    districts = managed_districts(principal).order_by("name")
    created = None
    if request.method == "POST":
        action = request.POST.get("action", "create")
        district = get_object_or_404(districts, pk=request.POST.get("district"))
        fields = {
            "name": request.POST.get("name", "").strip(),
            "groups": _groups(request),
            "orientation": request.POST.get("orientation") or "landscape",
            "layout": _layout_id(request),
        }
        try:
            _position(request, fields)
            with transaction.atomic():
                display, raw = services.create_display(district, fields, by=request.user)
                if action == "pair":
                    services.revoke_display_tokens(display)  # the player collects its own
                    pairing.pair(
                        request.POST.get("code", ""),
                        display,
                        by=request.user,
                        client_ip=client_ip(request),
                    )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if action == "pair":
                messages.success(
                    request,
                    _("Totem %(name)s paired: its screen starts playing in a few seconds.")
                    % {"name": display.name},
                )
                return redirect("signage:display", display.pk)
            url = request.build_absolute_uri(reverse("signage:player")) + f"#token={raw}"
            created = {"display": display, "token": raw, "pairing_url": url}
    first = districts.first()
    return render(
        request,
        "signage/displays.html",
        {
            "districts": districts,
            "displays": _display_rows(principal),
            "created": created,
            "centre": first,
            "layouts": services.usable_layouts(first.pk if first else 0).order_by(
                "orientation", "pk"
            ),
        },
    )


def _display_rows(principal) -> list[dict]:
    now = timezone.now()
    displays = list(
        displays_for(principal).select_related("district", "layout").prefetch_related("groups")
    )
    states = services.deliveries(displays, now)
    return [
        {
            "display": display,
            "online": display.is_online(now),
            "groups": ", ".join(sorted(g.name for g in display.groups.all())),
            "delivery": states[display.pk],
        }
        for display in displays
    ]


@login_required
def display_state(request: HttpRequest) -> HttpResponse:
    """The table body, polled by htmx so online/offline changes show without reload."""
    principal = _require_manager(request)
    return render(request, "signage/_display_rows.html", {"displays": _display_rows(principal)})


@login_required
def display_geojson(request: HttpRequest) -> JsonResponse:
    principal = _require_manager(request)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["display"].lon, row["display"].lat]},
            "properties": {
                "id": row["display"].pk,
                "name": row["display"].name,
                "groups": row["groups"],
                "online": row["online"],
                "url": reverse("signage:display", args=[row["display"].pk]),
            },
        }
        for row in _display_rows(principal)
        if row["display"].lat is not None and row["display"].lon is not None
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _screen_off_fields(request: HttpRequest) -> list[dict]:
    """The screen-off hours of the form: one daypart (days, from, to) or none."""
    days = [int(d) for d in request.POST.getlist("off_weekdays") if d.isdigit()]
    start, end = request.POST.get("off_start", ""), request.POST.get("off_end", "")
    if not days and not start and not end:
        return []
    if not (days and start and end):
        raise DomainError(
            _("For screen-off hours give the days, the time it goes off and the time it comes on."),
            code="invalid",
            status=422,
        )
    if end <= start:
        # Off across midnight: from start to midnight, and from midnight to end next day.
        following = sorted({(d + 1) % 7 for d in days})
        return [
            {"weekdays": days, "start": start, "end": "24:00"},
            {"weekdays": following, "start": "00:00", "end": end},
        ]
    return [{"weekdays": days, "start": start, "end": end}]


def _display_context(display, now) -> dict:
    delivery = services.deliveries([display], now)[display.pk]
    commands.expire_old(now)
    return {
        "display": display,
        "online": display.is_online(now),
        "delivery": delivery,
        "commands": display.commands.select_related("created_by")[:8],
        "command_kinds": DisplayCommand.Kind.choices,
    }


@login_required
def display_live(request: HttpRequest, display_id: int) -> HttpResponse:
    """The display page's live part (state, commands, screenshot), polled by htmx."""
    principal = _require_manager(request)
    display = get_object_or_404(displays_for(principal).select_related("district"), pk=display_id)
    return render(request, "signage/_display_live.html", _display_context(display, timezone.now()))


@login_required
def display_detail(request: HttpRequest, display_id: int) -> HttpResponse:
    principal = _require_manager(request)
    display = get_object_or_404(
        displays_for(principal).select_related("district", "layout").prefetch_related("groups"),
        pk=display_id,
    )
    tz = services.tz_of(display.district)
    pairing_link = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "pair":
                raw = services.issue_display_token(display, request.user)
                url = request.build_absolute_uri(reverse("signage:player")) + f"#token={raw}"
                pairing_link = {"token": raw, "pairing_url": url}
            elif action == "pair_code":
                pairing.pair(
                    request.POST.get("code", ""),
                    display,
                    by=request.user,
                    client_ip=client_ip(request),
                )
                messages.success(request, _("Paired: the totem takes over in a few seconds."))
                return redirect("signage:display", display.pk)
            elif action == "revoke":
                services.revoke_display_tokens(display)
                messages.success(request, _("The totem's token is revoked."))
                return redirect("signage:display", display.pk)
            elif action == "command":
                commands.send(display, request.POST.get("kind", ""), by=request.user)
                messages.success(request, _("Command sent."))
                return redirect("signage:display", display.pk)
            elif action == "update":
                fields = {
                    "name": request.POST.get("name", display.name).strip(),
                    "groups": [
                        g.strip() for g in request.POST.get("groups", "").split(",") if g.strip()
                    ],
                    "orientation": request.POST.get("orientation") or display.orientation,
                    "approved": bool(request.POST.get("approved")),
                    "layout": _layout_id(request),
                    "screen_off": _screen_off_fields(request),
                }
                _position(request, fields)
                services.update_display(display, fields)
                messages.success(request, _("Totem saved."))
                return redirect("signage:display", display.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            display.refresh_from_db()
    at_text = request.GET.get("at", "")
    try:
        at = _local(at_text, tz) or timezone.now()
    except DomainError as exc:
        messages.error(request, exc.message)
        at = timezone.now()
    manifest = services.manifest_for(display, at).body
    titles = dict(Content.Kind.choices)
    zone_names = dict(Content.ScreenZone.choices)
    playing = [
        {"zone": zone_names.get(zone, zone), "items": items}
        for zone, items in [("main", manifest["items"]), *manifest["zones"].items()]
    ]
    off = display.screen_off or []
    next_change = parse_datetime(manifest["next_change_at"]) if manifest["next_change_at"] else None
    return render(
        request,
        "signage/display.html",
        {
            **_display_context(display, timezone.now()),
            "groups": ", ".join(sorted(g.name for g in display.groups.all())),
            "playing": playing,
            "kind_names": titles,
            "next_change": next_change.astimezone(tz) if next_change else None,
            "layout": manifest["layout"],
            "layouts": services.usable_layouts(display.district_id).order_by("orientation", "pk"),
            "at": at.astimezone(tz),
            "at_text": at.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
            "previewing": bool(at_text),
            "pairing": pairing_link,
            "screen_off": off,
            "off_first": off[0] if off else None,
            "off_end": off[1]["end"]
            if len(off) > 1 and off[0]["end"] == "24:00"
            else (off[0]["end"] if off else ""),
            "weekdays": list(enumerate(weekday_names())),
        },
    )


def weekday_names() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    principal = _require_manager(request)
    districts = managed_districts(principal).order_by("name")
    groups = DisplayGroup.objects.filter(district__in=districts).select_related("district")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                district = get_object_or_404(districts, pk=request.POST.get("district"))
                services.create_group(district, request.POST.get("name", ""))
            elif action == "rename":
                group = get_object_or_404(groups, pk=request.POST.get("group"))
                services.rename_group(group, request.POST.get("name", ""))
            elif action == "delete":
                services.delete_group(get_object_or_404(groups, pk=request.POST.get("group")))
            messages.success(request, _("Zones saved."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("signage:groups")
    rows = [
        {"group": g, "displays": ", ".join(d.name for d in g.displays.all())}
        for g in groups.prefetch_related("displays").order_by("district__name", "name")
    ]
    return render(request, "signage/groups.html", {"rows": rows, "districts": districts})


# --- Content --------------------------------------------------------------------------------


def _content_fields(request: HttpRequest, tz) -> dict:
    post = request.POST
    weekdays = [int(d) for d in post.getlist("weekdays") if d.isdigit()]
    dayparts = []
    if weekdays or post.get("start") or post.get("end"):
        dayparts = [
            {
                "weekdays": weekdays,
                "start": post.get("start") or "00:00",
                "end": post.get("end") or "24:00",
            }
        ]
    try:
        duration = int(post.get("duration_s") or 10)
    except ValueError:
        duration = 0
    media = post.get("media")
    fields = {
        "kind": post.get("kind", "text"),
        "title": post.get("title", "").strip(),
        "body": post.get("body", ""),
        "background": post.get("background") or "#0b6e4f",
        "foreground": post.get("foreground") or "#ffffff",
        "media": int(media) if media and media.isdigit() else None,
        "url": post.get("url", "").strip(),
        "duration_s": duration,
        "valid_from": _local(post.get("valid_from", ""), tz),
        "valid_until": _local(post.get("valid_until", ""), tz),
        "dayparts": dayparts,
        "priority": post.get("priority") or "normal",
        "zone": post.get("zone") or "main",
        "targets": {
            "groups": post.getlist("groups"),
            "displays": [int(d) for d in post.getlist("displays") if d.isdigit()],
        },
    }
    if fields["valid_from"] is None:
        del fields["valid_from"]  # new content starts now; an edit keeps its start
    business = post.get("business")
    if business and business.isdigit():
        fields["business"] = int(business)
    return fields


def _form_context(principal) -> dict:
    districts = districts_for(principal).order_by("name")
    return {
        "districts": districts,
        "groups": groups_for(principal).select_related("district").order_by("name"),
        "all_displays": displays_for(principal).order_by("name"),
        "media_assets": media_for(principal).order_by("-id")[:200],
        "businesses": Business.objects.filter(
            Q(pk__in=own_business_ids(principal)) | Q(district__in=managed_districts(principal))
        ).order_by("name"),
        "kinds": Content.Kind.choices,
        "priorities": Content.Priority.choices,
        "weekdays": list(enumerate(weekday_names())),
        "zones": Content.ScreenZone.choices,
        "is_manager": managed_districts(principal).exists(),
    }


@login_required
def content_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    visible = districts_for(principal)
    if not visible.exists():
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        scoped = contents_for(principal)
        try:
            if action == "create":
                district = get_object_or_404(visible, pk=request.POST.get("district"))
                tz = services.tz_of(district)
                fields = _content_fields(request, tz)
                content = services.create_content(principal, district, fields)
                if content.status == Content.Status.PENDING:
                    messages.success(
                        request, _("Proposal sent: it waits for the manager's approval.")
                    )
                else:
                    messages.success(request, _("Content published."))
            elif action in {"approve", "reject", "end"}:
                content = get_object_or_404(
                    scoped.filter(district__in=managed_districts(principal)),
                    pk=request.POST.get("content"),
                )
                if action == "approve":
                    services.approve(principal, content)
                elif action == "reject":
                    services.reject(principal, content, request.POST.get("reason", ""))
                else:
                    services.end_now(content)
                messages.success(request, _("Done."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.get_full_path())
    status = request.GET.get("status", "")
    contents = contents_for(principal).select_related("business", "district", "media")
    if status in Content.Status.values:
        contents = contents.filter(status=status)
    pending = contents_for(principal).filter(
        status=Content.Status.PENDING, district__in=managed_districts(principal)
    )
    return render(
        request,
        "signage/contents.html",
        {
            "contents": contents.order_by("-created_at", "-id")[:200],
            "pending": pending.select_related("business").order_by("created_at"),
            "status": status,
            "statuses": Content.Status.choices,
            "now": timezone.now(),
            **_form_context(principal),
        },
    )


@login_required
def content_detail(request: HttpRequest, content_id: int) -> HttpResponse:
    principal = _principal(request)
    content = get_object_or_404(
        contents_for(principal).select_related("district", "business", "media"), pk=content_id
    )
    tz = services.tz_of(content.district)
    if request.method == "POST":
        try:
            fields = _content_fields(request, tz)
            fields.pop("business", None)
            services.update_content(principal, content, fields)
            messages.success(request, _("Content saved."))
            return redirect("signage:content", content.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            content.refresh_from_db()
    daypart = (content.dayparts or [None])[0]
    return render(
        request,
        "signage/content.html",
        {
            "content": content,
            "valid_from": content.valid_from.astimezone(tz).strftime("%Y-%m-%dT%H:%M"),
            "valid_until": content.valid_until.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
            if content.valid_until
            else "",
            "daypart": daypart,
            "target_groups": {g.name for g in content.target_groups.all()},
            "target_displays": {d.pk for d in content.target_displays.all()},
            "delivery": services.content_delivery(content)
            if content.status == Content.Status.APPROVED
            and managed_districts(principal).filter(pk=content.district_id).exists()
            else None,
            **_form_context(principal),
        },
    )


@login_required
def media_list(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    visible = districts_for(principal)
    if not visible.exists():
        raise Http404
    if request.method == "POST":
        district = get_object_or_404(visible, pk=request.POST.get("district"))
        manager = managed_districts(principal).filter(pk=district.pk).exists()
        owner = None
        if not manager:
            owner = Business.objects.filter(
                pk__in=own_business_ids(principal), district=district
            ).first()
            if owner is None:
                raise Http404
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a file."))
        else:
            try:
                services.store_media(district, upload, business=owner, by=request.user)
                messages.success(request, _("File added to the library."))
            except DomainError as exc:
                messages.error(request, exc.message)
        return redirect("signage:media")
    return render(
        request,
        "signage/media.html",
        {"assets": media_for(principal).select_related("business")[:200], "districts": visible},
    )


# --- Reports --------------------------------------------------------------------------------


REPORT_PAGE = 50


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """Proof of play from the daily aggregates: totals, a chart per day, per content,
    and the rows per day, content and totem (paginated; CSV for all)."""
    principal = _principal(request)
    if not districts_for(principal).exists():
        raise Http404
    today = timezone.localdate()
    try:
        since = date.fromisoformat(
            request.GET.get("since") or (today - timedelta(days=6)).isoformat()
        )
        until = date.fromisoformat(request.GET.get("until") or today.isoformat())
    except ValueError:
        messages.error(request, _("Write dates as DD/MM/YYYY."))
        since, until = today - timedelta(days=6), today
    rows = proof.daily_plays(plays_for(principal), since=since, until=until)
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(
            proof.report_csv(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="proof-of-play-{since}-{until}.csv"'
        )
        return response
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    found = proof.report(rows, limit=REPORT_PAGE, offset=(page - 1) * REPORT_PAGE)
    pages = max(1, -(-found.count // REPORT_PAGE))
    chart = {
        "labels": [formats.date_format(d["day"], "SHORT_DATE_FORMAT") for d in found.by_day],
        "plays": [d["plays"] for d in found.by_day],
        "label": _("Plays"),
    }
    return render(
        request,
        "signage/report.html",
        {
            "report": found,
            "since": since,
            "until": until,
            "page": page,
            "pages": pages,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if page < pages else None,
            "chart": chart,
            "hours": round(found.seconds / 3600, 1),
        },
    )


# --- Alert feeds and offline e-mails -------------------------------------------------------


@login_required
def alert_feeds(request: HttpRequest) -> HttpResponse:
    """CAP alert feeds (polled or posting with their token), the alerts received, and
    each district's offline e-mail delay."""
    principal = _require_manager(request)
    districts = managed_districts(principal).order_by("name")
    feeds = feeds_for(principal).select_related("district")
    created = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                district = get_object_or_404(districts, pk=request.POST.get("district"))
                fields = {
                    "name": request.POST.get("name", "").strip(),
                    "url": request.POST.get("url", "").strip(),
                    "min_severity": request.POST.get("min_severity") or "Severe",
                    "min_urgency": request.POST.get("min_urgency") or "Expected",
                }
                feed, raw = alerts.create_feed(district, fields, by=request.user)
                created = {"feed": feed, "token": raw}
            elif action == "token":
                feed = get_object_or_404(feeds, pk=request.POST.get("feed"))
                created = {"feed": feed, "token": alerts.issue_feed_token(feed)}
            elif action in {"pause", "resume"}:
                feed = get_object_or_404(feeds, pk=request.POST.get("feed"))
                alerts.update_feed(feed, {"active": action == "resume"})
                messages.success(request, _("Feed saved."))
                return redirect("signage:alerts")
            elif action == "delay":
                district = get_object_or_404(districts, pk=request.POST.get("district"))
                try:
                    minutes = int(request.POST.get("minutes", ""))
                except ValueError:
                    minutes = 0
                if not 1 <= minutes <= 1440:
                    raise DomainError(
                        _("The delay is 1 to 1440 minutes."), code="invalid", status=422
                    )
                SignageSettings.objects.update_or_create(
                    district=district, defaults={"offline_alert_minutes": minutes}
                )
                messages.success(request, _("Saved."))
                return redirect("signage:alerts")
        except DomainError as exc:
            messages.error(request, exc.message)
    delays = {
        s.district_id: s.offline_alert_minutes
        for s in SignageSettings.objects.filter(district__in=districts)
    }
    return render(
        request,
        "signage/alerts.html",
        {
            "feeds": feeds.order_by("name"),
            "alerts": CapAlert.objects.filter(feed__in=feeds)
            .select_related("feed", "content")
            .order_by("-received_at", "-id")[:50],
            "districts": [(d, delays.get(d.pk, 10)) for d in districts],
            "created": created,
            "severities": AlertFeed.Severity.choices,
            "urgencies": AlertFeed.Urgency.choices,
            "cap_url": request.build_absolute_uri("/api/v1/signage/alerts/cap"),
        },
    )


# --- The player -----------------------------------------------------------------------------


@never_cache
def player(request: HttpRequest) -> HttpResponse:
    """The full-screen player; the totem's token arrives once in the URL fragment
    (``#token=...``, never sent to the server) and is kept in localStorage."""
    return render(
        request,
        "signage/player.html",
        {
            "player_version": PLAYER_VERSION,
            "heartbeat_s": int(HEARTBEAT_INTERVAL.total_seconds()),
            # A video that does not move for this long is skipped.
            "video_stall_s": int(os.environ.get("SIGNAGE_VIDEO_STALL_S", "15")),
        },
    )


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from /signage/player/ so that its scope covers the
    player page (a worker under /static/ could not control it)."""
    assets = [
        reverse("signage:player"),
        static("signage/player.js"),
        static("signage/player.css"),
        static("vendor/modern-screenshot/modern-screenshot.js"),
    ]
    from django.contrib.staticfiles import finders

    path = finders.find("signage/sw.js")
    with open(path, encoding="utf-8") as handle:
        script = handle.read().replace("__PRECACHE__", repr(assets).replace("'", '"'))
    script = script.replace("__VERSION__", PLAYER_VERSION)
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("signage:player")
    return response
