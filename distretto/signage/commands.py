"""Remote control of a totem: reload, clear cache, identify, screenshot.

A command is stored as pending and announced to the push hubs, which write it on the
display's event stream (``event: command``); a player that is offline gets its
pending commands when its stream opens again, within ``COMMAND_TTL``. The player
acknowledges each (``acknowledge``); a screenshot is acknowledged by its upload
(``store_screenshot``). Until then the manager sees the command as pending.
"""

from __future__ import annotations

import base64
import binascii
import io
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.core.errors import Invalid, NotFound
from distretto.signage.models import Display, DisplayCommand

COMMAND_TTL = timedelta(hours=24)
IDENTIFY_S = 30
MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024


def send(display: Display, kind: str, *, by=None) -> DisplayCommand:
    """Queue a command for the display's player and put it on its event stream."""
    if kind not in DisplayCommand.Kind.values:
        raise Invalid(
            _("The command is one of: %(kinds)s.")
            % {"kinds": ", ".join(DisplayCommand.Kind.values)},
            field="kind",
        )
    now = timezone.now()
    command = DisplayCommand.objects.create(
        display=display,
        kind=kind,
        created_by=by if getattr(by, "pk", None) else None,
        expires_at=now + COMMAND_TTL,
    )
    from distretto.signage import push

    transaction.on_commit(lambda: push.publish_command(display.district_id, display.pk))
    return command


def payload(command: DisplayCommand, display_name: str) -> dict:
    """What the player receives for a command."""
    body = {"id": command.pk, "kind": command.kind, "created_at": command.created_at.isoformat()}
    if command.kind == DisplayCommand.Kind.IDENTIFY:
        body.update({"name": display_name, "seconds": IDENTIFY_S})
    return body


def pending_for(display_ids: list[int], now: datetime | None = None) -> dict[int, list[dict]]:
    """The pending, unexpired commands of these displays, oldest first (the push hub
    calls it, in a worker thread, for the players whose stream just opened)."""
    now = now or timezone.now()
    found: dict[int, list[dict]] = {}
    for start in range(0, len(display_ids), 500):
        commands = (
            DisplayCommand.objects.filter(
                display_id__in=display_ids[start : start + 500],
                status=DisplayCommand.Status.PENDING,
                expires_at__gt=now,
            )
            .select_related("display")
            .order_by("created_at", "id")
        )
        for command in commands:
            found.setdefault(command.display_id, []).append(payload(command, command.display.name))
    return found


def expire_old(now: datetime | None = None) -> int:
    """Pending commands past their time become ``expired``; how many."""
    return DisplayCommand.objects.filter(
        status=DisplayCommand.Status.PENDING, expires_at__lte=now or timezone.now()
    ).update(status=DisplayCommand.Status.EXPIRED)


def _own(display: Display, command_id: int) -> DisplayCommand:
    command = DisplayCommand.objects.filter(pk=command_id, display=display).first()
    if command is None:
        raise NotFound(_("No such command for this totem."))
    return command


def acknowledge(
    display: Display, command_id: int, *, ok: bool = True, detail: str = ""
) -> DisplayCommand:
    """The player did the command (or could not). The first answer stays."""
    command = _own(display, command_id)
    if command.acknowledged_at is None:
        command.status = DisplayCommand.Status.DONE if ok else DisplayCommand.Status.FAILED
        command.detail = (detail or "")[:200]
        command.acknowledged_at = timezone.now()
        command.save(update_fields=["status", "detail", "acknowledged_at"])
    return command


def store_screenshot(
    display: Display, image: str, command_id: int | None = None, *, field: str = "image"
) -> Display:
    """Keep the player's screenshot (a data URL or base64 of a PNG or JPEG, at most
    2 MB) as the display's last one, with its time; acknowledges the command."""
    from PIL import Image, UnidentifiedImageError

    encoded = image.split(",", 1)[1] if image.startswith("data:") else image
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(_("The screenshot is not base64."), field=field) from None
    if len(raw) > MAX_SCREENSHOT_BYTES:
        raise Invalid(_("The screenshot is at most 2 MB."), field=field)
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind = probe.format
    except (UnidentifiedImageError, OSError):
        raise Invalid(_("The screenshot must be a PNG or JPEG."), field=field) from None
    if kind not in {"PNG", "JPEG"}:
        raise Invalid(_("The screenshot must be a PNG or JPEG."), field=field)
    command = _own(display, command_id) if command_id is not None else None
    old = display.screenshot.name if display.screenshot else ""
    suffix = "png" if kind == "PNG" else "jpg"
    now = timezone.now()
    display.screenshot.save(
        f"display-{display.pk}-{now:%Y%m%d%H%M%S}.{suffix}", ContentFile(raw), save=False
    )
    display.screenshot_at = now
    Display.objects.filter(pk=display.pk).update(
        screenshot=display.screenshot.name, screenshot_at=now
    )
    if old and old != display.screenshot.name:
        display.screenshot.storage.delete(old)
    if command is not None:
        acknowledge(display, command.pk, ok=True)
    return display
