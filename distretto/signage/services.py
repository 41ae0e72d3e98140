"""The signage operations: what the API, the pages, the commands and the demo call.

Every change that may alter what a totem plays ends with ``announce(district)``,
which, once the transaction commits, tells the push hub (``push.py``) of every
server process to re-evaluate that district's connected players. A change to the
displays themselves (a display, its zones, a zone deleted) says so
(``displays=True``): the hubs keep what they read of the connected displays and read
it again only then. The admin announces its saves the same way (admin.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.accounts.scoping import Principal
from distretto.core.errors import Forbidden, Invalid
from distretto.signage import layouts
from distretto.signage import playlist as pl
from distretto.signage.access import is_manager_of, own_business_ids
from distretto.signage.models import (
    Content,
    Display,
    DisplayGroup,
    Event,
    Layout,
    MediaAsset,
)
from distretto.territory.models import Business, District

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_DURATION_S = 3600
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm"}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 200 * 1024 * 1024
MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024
THUMBNAIL_BOX = (320, 320)
WIDGET_KINDS = {Content.Kind.CAMPAIGNS, Content.Kind.EVENTS, Content.Kind.DATE}


def tz_of(district: District) -> ZoneInfo:
    return ZoneInfo(district.time_zone or "Europe/Rome")


# --- Announcing changes ---------------------------------------------------------------------


def announce(district_id: int, *, displays: bool = False) -> None:
    """After commit, make every server process re-evaluate this district's players;
    ``displays``: the displays themselves changed (zones, approval), so that the push
    hubs read them again."""
    from distretto.signage import push

    transaction.on_commit(lambda: push.publish(district_id, displays))


# --- Displays and groups --------------------------------------------------------------------


def groups_named(district: District, names: list[str], *, create: bool) -> list[DisplayGroup]:
    """The district's groups with these names; with ``create`` missing ones are made."""
    clean = []
    for name in names:
        name = (name or "").strip()
        if not name or len(name) > 100:
            raise Invalid(_("A group name is 1 to 100 characters."), field="groups")
        if name not in clean:
            clean.append(name)
    if create:
        return [DisplayGroup.objects.get_or_create(district=district, name=n)[0] for n in clean]
    found = {g.name: g for g in DisplayGroup.objects.filter(district=district, name__in=clean)}
    missing = [n for n in clean if n not in found]
    if missing:
        raise Invalid(_("Unknown group: %(name)s.") % {"name": missing[0]}, field="targets.groups")
    return [found[n] for n in clean]


def issue_display_token(display: Display, by=None) -> str:
    """Revoke the display's tokens and issue a new one (returned once, stored hashed)."""
    revoke_display_tokens(display)
    _token, raw = tokens.issue(
        kind=ApiToken.Kind.DISPLAY,
        name=f"Totem {display.name}"[:120],
        user=by if getattr(by, "pk", None) else None,
        device=display,
    )
    return raw


def revoke_display_tokens(display: Display) -> int:
    """Revoke every active token of the display; how many were revoked."""
    revoked = 0
    for token in tokens.device_tokens(display).filter(revoked_at__isnull=True):
        tokens.revoke(token)
        revoked += 1
    return revoked


DISPLAY_FIELDS = {
    "name",
    "lat",
    "lon",
    "orientation",
    "resolution",
    "tags",
    "approved",
    "layout",
    "screen_off",
}


def usable_layouts(district_id: int) -> QuerySet:
    """The layouts a district's displays may use: the built-in ones and its own."""
    return Layout.objects.filter(Q(district__isnull=True) | Q(district_id=district_id))


def _apply_display_fields(display: Display, fields: dict) -> list[str] | None:
    groups = fields.pop("groups", None)
    unknown = set(fields) - DISPLAY_FIELDS
    if unknown:
        raise Invalid(_("Unknown field."), field=sorted(unknown)[0])
    if "layout" in fields:
        layout_id = fields.pop("layout")
        layout = None
        if layout_id is not None:
            layout = usable_layouts(display.district_id).filter(pk=layout_id).first()
            if layout is None:
                raise Invalid(_("Unknown layout."), field="layout")
        display.layout = layout
    if "screen_off" in fields:
        try:
            parts = pl.parse_dayparts(fields["screen_off"] or [])
        except ValueError as exc:
            raise Invalid(str(exc), field="screen_off") from None
        fields["screen_off"] = pl.daypart_dicts(parts)
    for name, value in fields.items():
        setattr(display, name, value)
    if display.layout is not None and display.layout.orientation != display.orientation:
        raise Invalid(
            _("This layout is for %(orientation)s screens.")
            % {"orientation": display.layout.get_orientation_display().lower()},
            field="layout",
        )
    if display.resolution and not re.match(r"^\d{2,5}x\d{2,5}$", display.resolution):
        raise Invalid(_("Resolution is WIDTHxHEIGHT, e.g. 1920x1080."), field="resolution")
    if not isinstance(display.tags, list) or not all(isinstance(t, str) for t in display.tags):
        raise Invalid(_("Tags are a list of words."), field="tags")
    display.full_clean(exclude=["district", "groups"])
    return groups


@transaction.atomic
def create_display(district: District, fields: dict, *, by=None) -> tuple[Display, str]:
    """A new totem and its pairing token (the token is in this answer only)."""
    display = Display(district=district)
    groups = _apply_display_fields(display, dict(fields))
    display.save()
    display.groups.set(groups_named(district, groups or [], create=True))
    raw = issue_display_token(display, by)
    announce(district.pk, displays=True)
    return display, raw


@transaction.atomic
def update_display(display: Display, fields: dict) -> Display:
    groups = _apply_display_fields(display, dict(fields))
    display.save()
    if groups is not None:
        display.groups.set(groups_named(display.district, groups, create=True))
    announce(display.district_id, displays=True)
    return display


@transaction.atomic
def create_group(district: District, name: str) -> DisplayGroup:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("A group name is 1 to 100 characters."), field="name")
    if DisplayGroup.objects.filter(district=district, name=name).exists():
        raise Invalid(_("A group with this name exists."), field="name")
    return DisplayGroup.objects.create(district=district, name=name)


@transaction.atomic
def rename_group(group: DisplayGroup, name: str) -> DisplayGroup:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("A group name is 1 to 100 characters."), field="name")
    clash = DisplayGroup.objects.filter(district=group.district_id, name=name)
    if clash.exclude(pk=group.pk).exists():
        raise Invalid(_("A group with this name exists."), field="name")
    group.name = name
    group.save()
    return group


@transaction.atomic
def delete_group(group: DisplayGroup) -> None:
    district_id = group.district_id
    group.delete()
    announce(district_id, displays=True)


@transaction.atomic
def create_layout(district: District, fields: dict) -> Layout:
    """A district's own layout; its zones are checked by ``layouts.parse_zones``."""
    from django.utils.text import slugify

    name = (fields.get("name") or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("A layout's name is 1 to 100 characters."), field="name")
    if fields.get("orientation") not in Layout.Orientation.values:
        raise Invalid(_("Orientation is landscape or portrait."), field="orientation")
    try:
        zones = layouts.parse_zones(fields.get("zones"))
    except ValueError as exc:
        raise Invalid(str(exc), field="zones") from None
    base = slugify(name)[:50] or "layout"
    slug, n = base, 1
    while Layout.objects.filter(district=district, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Layout.objects.create(
        district=district,
        slug=slug,
        name=name,
        orientation=fields["orientation"],
        zones=[zone.as_dict() for zone in zones],
    )


# --- Media library --------------------------------------------------------------------------


def store_media(
    district: District, upload: UploadedFile, *, business: Business | None = None, by=None
) -> MediaAsset:
    """Validate an uploaded image (checked by Pillow, thumbnailed) or video (MP4/WebM)."""
    from PIL import Image, UnidentifiedImageError

    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    head = upload.read(64)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    asset = MediaAsset(
        district=district,
        business=business,
        name=name,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    if extension in VIDEO_TYPES:
        is_mp4 = head[4:8] == b"ftyp"
        is_webm = head[:4] == b"\x1a\x45\xdf\xa3"
        if not (is_mp4 if extension == ".mp4" else is_webm):
            message = _("The file is not a valid %(ext)s video.") % {"ext": extension}
            raise Invalid(message, field="file")
        if upload.size > MAX_VIDEO_BYTES:
            raise Invalid(_("Videos are at most 200 MB."), field="file")
        asset.kind, asset.content_type = MediaAsset.Kind.VIDEO, VIDEO_TYPES[extension]
        asset.file.save(f"{asset.sha256[:16]}{extension}", upload, save=False)
    else:
        if upload.size > MAX_IMAGE_BYTES:
            raise Invalid(_("Images are at most 10 MB."), field="file")
        try:
            with Image.open(upload) as probe:
                probe.verify()
            upload.seek(0)
            image = Image.open(upload)
            image.load()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise Invalid(
                _("Upload a JPEG, PNG, WebP or GIF image, or an MP4 or WebM video."), field="file"
            ) from None
        if image.format not in IMAGE_TYPES:
            raise Invalid(_("Upload a JPEG, PNG, WebP or GIF image."), field="file")
        asset.kind, asset.content_type = MediaAsset.Kind.IMAGE, IMAGE_TYPES[image.format]
        asset.width, asset.height = image.size
        upload.seek(0)
        suffix = {"JPEG": "jpg"}.get(image.format, image.format.lower())
        asset.file.save(f"{asset.sha256[:16]}.{suffix}", upload, save=False)
        thumb = image.convert("RGB")
        thumb.thumbnail(THUMBNAIL_BOX)
        buffer = io.BytesIO()
        thumb.save(buffer, "JPEG", quality=80)
        asset.thumbnail.save(
            f"{asset.sha256[:16]}-thumb.jpg", ContentFile(buffer.getvalue()), False
        )
    asset.save()
    return asset


# --- Content: validation, approval ----------------------------------------------------------

CONTENT_FIELDS = {
    "kind",
    "title",
    "body",
    "background",
    "foreground",
    "media",
    "url",
    "duration_s",
    "valid_from",
    "valid_until",
    "dayparts",
    "priority",
    "zone",
    "targets",
    "business",
}


def _owner_for(principal: Principal, district: District, business_id: int | None, manager: bool):
    """Who owns new content: a manager picks the district (None) or one of its shops; a
    merchant always one of its own shops in that district."""
    if manager:
        if business_id is None:
            return None
        business = Business.objects.filter(pk=business_id, district=district).first()
        if business is None:
            raise Invalid(_("Unknown business for this district."), field="business")
        return business
    own = Business.objects.filter(pk__in=own_business_ids(principal), district=district)
    if business_id is not None:
        own = own.filter(pk=business_id)
    businesses = list(own[:2])
    if not businesses:
        raise Forbidden(_("Only managers and the district's merchants may propose content."))
    if len(businesses) > 1:
        raise Invalid(_("Say which of your businesses this is for."), field="business")
    return businesses[0]


def _apply_content_fields(content: Content, fields: dict, *, manager: bool) -> dict | None:
    unknown = set(fields) - CONTENT_FIELDS
    if unknown:
        raise Invalid(_("Unknown field."), field=sorted(unknown)[0])
    targets = fields.pop("targets", None)
    fields.pop("business", None)
    media_id = fields.pop("media", content.media_id)
    if "dayparts" in fields:
        try:
            pl.parse_dayparts(fields["dayparts"] or [])
        except ValueError as exc:
            raise Invalid(str(exc), field="dayparts") from None
        fields["dayparts"] = pl.daypart_dicts(pl.parse_dayparts(fields["dayparts"] or []))
    for name in ("valid_from", "valid_until"):
        if isinstance(fields.get(name), datetime) and timezone.is_naive(fields[name]):
            # Without an offset a time is the district's local time.
            fields[name] = timezone.make_aware(fields[name], tz_of(content.district))
    for name, value in fields.items():
        if value is None and name in {"body", "url", "background", "foreground"}:
            value = ""
        setattr(content, name, value)
    if content.kind not in Content.Kind.values:
        raise Invalid(_("Unknown content kind."), field="kind")
    if content.priority not in Content.Priority.values:
        raise Invalid(_("Priority is normal, high or emergency."), field="priority")
    if content.priority == Content.Priority.EMERGENCY and not manager:
        raise Forbidden(_("Only managers send emergency messages."), code="role_forbidden")
    if content.zone not in Content.ScreenZone.values:
        raise Invalid(_("The screen zone is main, info or ticker."), field="zone")
    if content.priority == Content.Priority.EMERGENCY and content.zone != "main":
        raise Invalid(_("An emergency takes the whole screen: its zone is main."), field="zone")
    if not layouts.fits(content.kind, content.zone):
        raise Invalid(
            _("%(kind)s cannot play in the %(zone)s.")
            % {"kind": content.get_kind_display(), "zone": content.get_zone_display().lower()},
            field="zone",
        )
    if not (content.title or "").strip():
        raise Invalid(_("A title is required."), field="title")
    for name in ("background", "foreground"):
        if not COLOUR.match(getattr(content, name) or ""):
            raise Invalid(_("Colours are written #rrggbb."), field=name)
    if not content.duration_s or not 1 <= content.duration_s <= MAX_DURATION_S:
        raise Invalid(_("Duration is 1 to 3600 seconds."), field="duration_s")
    if content.valid_from is None:
        raise Invalid(_("Say from when the content is valid."), field="valid_from")
    if content.valid_until is not None and content.valid_until <= content.valid_from:
        raise Invalid(_("The end of validity must follow its start."), field="valid_until")
    content.media = None
    if content.kind in {Content.Kind.IMAGE, Content.Kind.VIDEO}:
        media = MediaAsset.objects.filter(pk=media_id, district=content.district_id).first()
        # A merchant may use the district's media and its own, not another shop's.
        usable = (None, content.business_id)
        if media is not None and not manager and media.business_id not in usable:
            media = None
        if media is None or media.kind != content.kind:
            message = _("Choose a %(kind)s from the library.") % {"kind": content.kind}
            raise Invalid(message, field="media")
        content.media = media
    if content.kind == Content.Kind.WEB and not content.url:
        raise Invalid(_("A web page needs its address."), field="url")
    if content.kind == Content.Kind.WEB:
        content.full_clean(exclude=[f.name for f in Content._meta.fields if f.name != "url"])
    if content.kind == Content.Kind.HTML and not content.body.strip():
        raise Invalid(_("An HTML card needs its markup in the body."), field="body")
    return targets


def _set_targets(content: Content, targets: dict | None) -> None:
    if targets is None:
        return
    if not isinstance(targets, dict):
        raise Invalid(_("Targets are {groups, displays}."), field="targets")
    district = content.district
    groups = groups_named(district, list(targets.get("groups") or []), create=False)
    display_ids = list(dict.fromkeys(targets.get("displays") or []))
    displays = list(Display.objects.filter(district=district, pk__in=display_ids))
    if len(displays) != len(display_ids):
        raise Invalid(_("Unknown display for this district."), field="targets.displays")
    content.target_groups.set(groups)
    content.target_displays.set(displays)


@transaction.atomic
def create_content(principal: Principal, district: District, fields: dict) -> Content:
    """Managers' content is approved at once; merchants' waits for approval."""
    fields = dict(fields)
    manager = is_manager_of(principal, district.pk)
    content = Content(
        district=district,
        business=_owner_for(principal, district, fields.get("business"), manager),
        created_by=principal.user,
    )
    if not fields.get("valid_from"):
        fields["valid_from"] = timezone.now()
    targets = _apply_content_fields(content, fields, manager=manager)
    content.status = Content.Status.APPROVED if manager else Content.Status.PENDING
    if manager:
        content.reviewed_by, content.reviewed_at = principal.user, timezone.now()
    content.save()
    _set_targets(content, targets)
    announce(district.pk)
    return content


@transaction.atomic
def update_content(principal: Principal, content: Content, fields: dict) -> Content:
    """Edit; a merchant's edit sends approved or rejected content back to pending."""
    fields = dict(fields)
    manager = is_manager_of(principal, content.district_id)
    if "business" in fields and manager:
        content.business = _owner_for(principal, content.district, fields["business"], True)
    targets = _apply_content_fields(content, fields, manager=manager)
    if not manager:
        content.status = Content.Status.PENDING
        content.rejection_reason = ""
        content.reviewed_by = content.reviewed_at = None
    content.save()
    _set_targets(content, targets)
    announce(content.district_id)
    return content


@transaction.atomic
def approve(principal: Principal, content: Content) -> Content:
    content.status = Content.Status.APPROVED
    content.rejection_reason = ""
    content.reviewed_by, content.reviewed_at = principal.user, timezone.now()
    content.save()
    announce(content.district_id)
    return content


@transaction.atomic
def reject(principal: Principal, content: Content, reason: str) -> Content:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Say why the content is rejected."), field="reason")
    content.status = Content.Status.REJECTED
    content.rejection_reason = reason[:2000]
    content.reviewed_by, content.reviewed_at = principal.user, timezone.now()
    content.save()
    announce(content.district_id)
    return content


@transaction.atomic
def end_now(content: Content, now: datetime | None = None) -> Content:
    """Stop showing content at once (how an emergency message is cleared)."""
    now = now or timezone.now()
    if content.valid_until is None or content.valid_until > now:
        content.valid_until = now
        content.valid_from = min(content.valid_from, now)
        content.save()
        announce(content.district_id)
    return content


@transaction.atomic
def delete_content(content: Content) -> None:
    district_id = content.district_id
    content.delete()
    announce(district_id)


# --- Manifests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """What one display plays now: ``body`` is the JSON the player receives."""

    version: str
    next_change_at: datetime | None
    body: dict


def rule_of(content: Content) -> pl.Rule:
    return pl.Rule(
        id=content.pk,
        valid_from=content.valid_from,
        valid_until=content.valid_until,
        dayparts=pl.parse_dayparts(content.dayparts or []),
        priority=content.priority,
        groups=frozenset(g.pk for g in content.target_groups.all()),
        displays=frozenset(d.pk for d in content.target_displays.all()),
        zone=content.zone,
    )


def playable_contents(district_id: int, at: datetime) -> list[Content]:
    """Approved content of the district that is live now or will be later."""
    return list(
        Content.objects.filter(district_id=district_id, status=Content.Status.APPROVED)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        .select_related("media", "business")
        .prefetch_related(
            Prefetch("target_groups", queryset=DisplayGroup.objects.only("pk")),
            Prefetch("target_displays", queryset=Display.objects.only("pk")),
        )
        .order_by("pk")
    )


def current_campaigns(district_id: int, today: date) -> list[dict]:
    """The district's loyalty campaigns running today, read-only from the loyalty app
    (its services offer no listing of current campaigns, so the model is read)."""
    from distretto.loyalty.models import Campaign

    campaigns = Campaign.objects.filter(
        program__district_id=district_id,
        program__active=True,
        active=True,
        starts_on__lte=today,
        ends_on__gte=today,
    ).order_by("priority", "pk")[:6]
    return [
        {
            "name": c.name,
            "ends_on": c.ends_on.isoformat(),
            "multiplier": f"{c.multiplier:.2f}" if c.multiplier is not None else None,
            "bonus_points": c.bonus_points,
        }
        for c in campaigns
    ]


def upcoming_events(district_id: int, now: datetime, tz: ZoneInfo) -> list[dict]:
    events = Event.objects.filter(district_id=district_id, starts_at__gte=now)[:6]
    return [
        {"title": e.title, "place": e.place, "starts_at": e.starts_at.astimezone(tz).isoformat()}
        for e in events
    ]


# Left out of a manifest item when empty: thousands of streams get every manifest.
SPARSE_FIELDS = ("body", "media_url", "media_sha256", "media_type", "url", "owner", "business")


def item_of(content: Content, widgets: dict) -> dict:
    """One manifest item: what the player needs to show ``content`` (the fields of
    SPARSE_FIELDS only when they have a value)."""
    media = content.media
    item = {
        "id": content.pk,
        "kind": content.kind,
        "title": content.title,
        "background": content.background,
        "foreground": content.foreground,
        "duration_s": content.duration_s,
        "priority": content.priority,
        "valid_until": content.valid_until.isoformat() if content.valid_until else None,
        "data": widgets.get(content.kind) if content.kind in WIDGET_KINDS else None,
    }
    optional = {
        "body": content.body,
        "media_url": media.file.url if media else None,
        "media_sha256": media.sha256 if media else None,
        "media_type": media.content_type if media else None,
        "url": content.url or None,
        "owner": content.business.name if content.business_id else None,
        "business": content.business_id,
    }
    item.update((name, value) for name, value in optional.items() if value)
    return item


def _widgets(district: District, contents: list[Content], at: datetime) -> dict:
    tz = tz_of(district)
    kinds = {c.kind for c in contents}
    widgets: dict = {}
    if Content.Kind.CAMPAIGNS in kinds:
        widgets[Content.Kind.CAMPAIGNS] = {
            "campaigns": current_campaigns(district.pk, at.astimezone(tz).date())
        }
    if Content.Kind.EVENTS in kinds:
        widgets[Content.Kind.EVENTS] = {
            "events": upcoming_events(district.pk, at, tz),
            "time_zone": district.time_zone,
        }
    if Content.Kind.DATE in kinds:
        widgets[Content.Kind.DATE] = {"time_zone": district.time_zone, "district": district.name}
    return widgets


def _manifest(
    layout: Layout,
    plans: dict[str, pl.Playlist],
    screen: pl.Screen,
    by_id: dict,
    widgets: dict,
    at: datetime,
    tz,
) -> Manifest:
    zones = {
        zone: [item_of(by_id[rule_id], widgets) for rule_id in plan.ids]
        for zone, plan in plans.items()
    }
    items = zones.pop("main", [])
    soonest = pl.next_change(plans.values())
    next_change = soonest.astimezone(tz).isoformat() if soonest else None
    shape = {"slug": layout.slug, "orientation": layout.orientation, "zones": layout.zones}
    screen_off = json.loads(screen.screen_off)
    fingerprint = json.dumps(
        {"items": items, "zones": zones, "layout": shape, "off": screen_off, "next": next_change},
        sort_keys=True,
        default=str,
    )
    version = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
    body = {
        "version": version,
        "generated_at": at.astimezone(tz).isoformat(),
        "next_change_at": next_change,
        "layout": shape,
        "items": items,
        "zones": zones,
        "screen_off": screen_off,
        "time_zone": str(tz),
    }
    return Manifest(version=version, next_change_at=soonest, body=body)


FEW_DISPLAYS = 50


def screens_of(district_id: int, display_ids: list[int]) -> list[pl.Screen]:
    """The playlist's view of these displays of one district, read as plain values in
    one query: the push hub evaluates thousands at once, and reading the district's
    rows whole is cheaper than compiling an ``IN`` list of thousands of ids."""
    wanted = set(display_ids)
    displays = Display._meta.db_table
    memberships = Display.groups.through._meta.db_table
    sql = (
        f"SELECT d.id, d.approved, d.layout_id, d.screen_off, d.orientation, m.displaygroup_id "
        f"FROM {displays} d LEFT JOIN {memberships} m ON m.display_id = d.id "
        f"WHERE d.district_id = %s"
    )
    params: list = [district_id]
    if len(wanted) <= FEW_DISPLAYS:
        sql += f" AND d.id IN ({', '.join(['%s'] * len(wanted))})"
        params += sorted(wanted)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    facts: dict[int, tuple] = {}
    groups: dict[int, list[int]] = {}
    for display_id, ok, layout_id, screen_off, orientation, group_id in rows:
        if display_id in wanted:
            if display_id not in facts:
                # PostgreSQL hands JSON back decoded, SQLite as text: one spelling.
                off = screen_off if isinstance(screen_off, str) else json.dumps(screen_off)
                off = off if off and off != "null" else "[]"
                facts[display_id] = (bool(ok), layout_id, off, orientation)
            if group_id is not None:
                groups.setdefault(display_id, []).append(group_id)
    # Displays in the same groups share one frozenset (and the playlist's memo key).
    sets: dict[tuple[int, ...], frozenset[int]] = {}
    screens = []
    for display_id, (ok, layout_id, off, orientation) in facts.items():
        key = tuple(sorted(groups.get(display_id, ())))
        if key not in sets:
            sets[key] = frozenset(key)
        screens.append(pl.Screen(display_id, sets[key], ok, layout_id, off, orientation))
    return screens


def layouts_for(screens: list[pl.Screen]) -> dict[int, Layout]:
    """The layouts these screens name, by id (a screen naming none is full screen in
    its orientation)."""
    ids = {screen.layout for screen in screens if screen.layout is not None}
    if not ids:
        return {}
    return {layout.pk: layout for layout in Layout.objects.filter(pk__in=ids)}


def builtin_layouts() -> dict[str, Layout]:
    """The built-in layouts by slug (written by migration 0003; made again here if a
    test flushed them or an operator deleted one in the admin)."""
    found = {layout.slug: layout for layout in Layout.objects.filter(district__isnull=True)}
    for slug, (orientation, name, _zones) in layouts.BUILTIN.items():
        if slug not in found:
            found[slug], _created = Layout.objects.get_or_create(
                district=None,
                slug=slug,
                defaults={
                    "name": str(name),
                    "orientation": orientation,
                    "zones": layouts.builtin_zones(slug),
                },
            )
    return found


def manifests_for(
    district: District, screens: list[pl.Screen], at: datetime | None = None
) -> dict[int, Manifest]:
    """The manifest of each display (as a playlist Screen) of one district at ``at``."""
    at = at or timezone.now()
    tz = tz_of(district)
    contents = playable_contents(district.pk, at)
    by_id = {c.pk: c for c in contents}
    widgets = _widgets(district, contents, at)
    rules = [rule_of(c) for c in contents]
    by_zone = {
        zone: pl.playlists([r for r in rules if r.zone == zone], screens, at, tz)
        for zone in layouts.PLAYLIST_ZONES
    }
    mains, infos, tickers = (by_zone[zone] for zone in layouts.PLAYLIST_ZONES)
    chosen = layouts_for(screens)
    builtin: dict[str, Layout] = {}
    # Displays sharing a layout, screen-off hours and playlists share one manifest
    # object (and one encoded event).
    built: dict[tuple, Manifest] = {}
    result = {}
    for screen in screens:
        layout = chosen.get(screen.layout) if screen.layout is not None else None
        if layout is None:
            builtin = builtin or builtin_layouts()
            layout = builtin[layouts.FULL_SCREEN.get(screen.orientation, "landscape-full")]
        # The zone playlists are shared objects (held by ``by_zone`` for this call), so
        # their identities make a cheap key for the thousands of screens alike.
        key = (
            layout.pk,
            screen.screen_off,
            id(mains[screen.id]),
            id(infos[screen.id]),
            id(tickers[screen.id]),
        )
        if key not in built:
            zones = layouts.playlist_zones(layout.zones)
            plans = pl.screen_plans(zones, {zone: by_zone[zone][screen.id] for zone in zones})
            built[key] = _manifest(layout, plans, screen, by_id, widgets, at, tz)
        result[screen.id] = built[key]
    return result


def manifest_for(display: Display, at: datetime | None = None) -> Manifest:
    """What ``display`` plays at ``at`` (default now): the player's and the preview's."""
    screens = screens_of(display.district_id, [display.pk])
    return manifests_for(display.district, screens, at)[display.pk]


def district_manifests(
    district_id: int, display_ids: list[int], known: dict[int, pl.Screen] | None = None
) -> tuple[dict[int, Manifest], list[pl.Screen]]:
    """For the push hub (runs in a worker thread): manifests of connected displays,
    and the screens they were computed for. The screens in ``known`` (what the hub
    already holds) are not read again."""
    known = known or {}
    try:
        screens = [known[i] for i in display_ids if i in known]
        missing = [i for i in display_ids if i not in known]
        if missing:
            screens += screens_of(district_id, missing)
        district = District.objects.get(pk=district_id)
        return manifests_for(district, screens), screens
    finally:
        connection.close()


# --- Player reports: heartbeats and proof of play -------------------------------------------


def record_heartbeat(
    display: Display,
    *,
    status: str = "",
    version: str = "",
    player_version: str = "",
    screenshot: str | None = None,
    refused_plays: int | None = None,
) -> Display:
    """A player is alive; it says which manifest version it plays (sent at once after
    each change it applies, so that the manager sees it arrive) and may send a
    screenshot (data URL or base64 of a PNG/JPEG)."""
    from distretto.signage.commands import store_screenshot

    now = timezone.now()
    version = (version or "")[:40]
    if version != display.playing_version or display.playing_since is None:
        display.playing_since = now
    display.last_seen_at = now
    display.last_status = (status or "")[:200]
    display.playing_version = version
    display.player_version = (player_version or "")[:40]
    fields = ["last_seen_at", "last_status", "playing_version", "player_version", "playing_since"]
    if refused_plays is not None:
        display.refused_plays = max(0, refused_plays)
        fields.append("refused_plays")
    Display.objects.filter(pk=display.pk).update(
        **{name: getattr(display, name) for name in fields}
    )
    if screenshot:
        store_screenshot(display, screenshot, field="screenshot")
    return display


# --- Proof that a change arrived ------------------------------------------------------------


def note_expected(versions: dict[int, str], at: datetime) -> int:
    """Record the manifest version each display is now served, with the time it
    changed (``at``) for those whose version is new; how many rows changed. Called by
    the push hub after each evaluation and by the pages for displays it does not hold."""
    by_version: dict[str, list[int]] = {}
    for display_id, version in versions.items():
        by_version.setdefault(version, []).append(display_id)
    changed = 0
    for version, ids in by_version.items():
        for start in range(0, len(ids), 500):
            changed += (
                Display.objects.filter(pk__in=ids[start : start + 500])
                .exclude(expected_version=version)
                .update(expected_version=version, expected_since=at)
            )
    return changed


@dataclass(frozen=True)
class Delivery:
    """Whether a display plays what it is served: ``up_to_date``, ``pending`` (since
    ``since``), ``offline`` or ``never_seen``."""

    state: str
    expected: str
    since: datetime | None


def deliveries(displays: list[Display], now: datetime | None = None) -> dict[int, Delivery]:
    """The delivery state of each display, from the manifests served now."""
    now = now or timezone.now()
    by_district: dict[int, list[Display]] = {}
    for display in displays:
        by_district.setdefault(display.district_id, []).append(display)
    expected: dict[int, str] = {}
    for district_id, members in by_district.items():
        district = members[0].district
        screens = screens_of(district_id, [d.pk for d in members])
        expected.update(
            (display_id, manifest.version)
            for display_id, manifest in manifests_for(district, screens, now).items()
        )
    stale = {d.pk: expected[d.pk] for d in displays if d.expected_version != expected.get(d.pk)}
    if stale:
        note_expected(stale, now)
    result = {}
    for display in displays:
        version = expected.get(display.pk, "")
        since = now if display.pk in stale else display.expected_since
        if display.last_seen_at is None:
            state = "never_seen"
        elif not display.is_online(now):
            state = "offline"
        elif display.playing_version == version:
            state = "up_to_date"
        else:
            state = "pending"
        result[display.pk] = Delivery(state, version, since if state == "pending" else None)
    return result


def content_delivery(content: Content, now: datetime | None = None) -> dict:
    """Whether a content's latest change reached every online totem it targets: the
    targeted online totems, those up to date, and ``delivered`` when all are."""
    now = now or timezone.now()
    displays = Display.objects.filter(district_id=content.district_id, approved=True)
    groups = list(content.target_groups.values_list("pk", flat=True))
    named = list(content.target_displays.values_list("pk", flat=True))
    if groups or named:
        displays = displays.filter(Q(groups__in=groups) | Q(pk__in=named)).distinct()
    displays = list(displays.select_related("district", "layout").order_by("name"))
    states = deliveries(displays, now)
    online = [d for d in displays if states[d.pk].state in {"up_to_date", "pending"}]
    pending = [d for d in online if states[d.pk].state == "pending"]
    return {
        "online": online,
        "pending": pending,
        "delivered": bool(online) and not pending,
        "offline": [d for d in displays if states[d.pk].state in {"offline", "never_seen"}],
        "states": states,
    }
