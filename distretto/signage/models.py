"""The totem network: displays in groups (zones), a media library, content with its
schedule, approval and targets, and proof-of-play records sent by the players.

What a display plays at an instant is decided by ``playlist.py`` (pure); the
operations managers, merchants and players perform live in ``services.py``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distretto.territory.models import Business, District
from distretto.territory.validators import validate_latitude, validate_longitude

# A player sends a heartbeat this often; three missed ones make it offline.
HEARTBEAT_INTERVAL = timedelta(seconds=30)
OFFLINE_AFTER = 3 * HEARTBEAT_INTERVAL


class DisplayGroup(models.Model):
    """A zone of totems ("Centro storico", "Stazione") that content can target."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="display_groups")
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("display group")
        verbose_name_plural = _("display groups")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="signage_group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Display(models.Model):
    """A totem: a screen running the player page full-screen in a kiosk browser."""

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("Landscape")
        PORTRAIT = "portrait", _("Portrait")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="displays")
    name = models.CharField(_("name"), max_length=120)
    groups = models.ManyToManyField(DisplayGroup, blank=True, related_name="displays")
    lat = models.FloatField(_("latitude"), null=True, blank=True, validators=[validate_latitude])
    lon = models.FloatField(_("longitude"), null=True, blank=True, validators=[validate_longitude])
    orientation = models.CharField(
        _("orientation"), max_length=10, choices=Orientation.choices, default="landscape"
    )
    resolution = models.CharField(_("resolution"), max_length=20, default="1920x1080")
    tags = models.JSONField(_("tags"), default=list, blank=True)
    approved = models.BooleanField(
        _("approved"), default=True, help_text=_("An unapproved display plays nothing.")
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    player_version = models.CharField(_("player version"), max_length=40, blank=True)
    playing_version = models.CharField(_("manifest version playing"), max_length=40, blank=True)
    last_status = models.CharField(_("last status"), max_length=200, blank=True)
    screenshot = models.ImageField(_("screenshot"), upload_to="signage/screens/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("display")
        verbose_name_plural = _("displays")

    def __str__(self) -> str:
        return self.name

    def is_online(self, now=None) -> bool:
        """Online until three heartbeats in a row are missed."""
        if self.last_seen_at is None:
            return False
        return (now or timezone.now()) - self.last_seen_at <= OFFLINE_AFTER


class MediaAsset(models.Model):
    """An uploaded image or video in the district's library."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="media_assets")
    business = models.ForeignKey(
        Business, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to="signage/media/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="signage/thumbs/", blank=True)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("media file")
        verbose_name_plural = _("media library")

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """An upcoming district event, shown by the "upcoming events" widget."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="signage_events")
    title = models.CharField(_("title"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return self.title


class Content(models.Model):
    """One item of the totems' programme, with its schedule, targets and approval."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text message")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        WEB = "web", _("Web page")
        HTML = "html", _("HTML card")
        CAMPAIGNS = "campaigns", _("Live: loyalty campaigns")
        EVENTS = "events", _("Live: upcoming events")
        DATE = "date", _("Live: date banner")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        EMERGENCY = "emergency", _("Emergency")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="contents")
    business = models.ForeignKey(
        Business,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signage_contents",
        help_text=_("Owner; empty: the district itself."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    background = models.CharField(_("background colour"), max_length=7, default="#0b6e4f")
    foreground = models.CharField(_("text colour"), max_length=7, default="#ffffff")
    media = models.ForeignKey(
        MediaAsset, on_delete=models.PROTECT, null=True, blank=True, related_name="contents"
    )
    url = models.URLField(_("web page address"), blank=True)
    duration_s = models.PositiveIntegerField(_("duration on screen (s)"), default=10)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    # [{"weekdays": [0..6], "start": "HH:MM", "end": "HH:MM"}], local time of the district.
    dayparts = models.JSONField(_("dayparts"), default=list, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default="normal"
    )
    target_groups = models.ManyToManyField(DisplayGroup, blank=True, related_name="contents")
    target_displays = models.ManyToManyField(Display, blank=True, related_name="contents")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("content")
        verbose_name_plural = _("contents")
        indexes = [models.Index(fields=["district", "status"])]

    def __str__(self) -> str:
        return self.title


class PlayRecord(models.Model):
    """Proof of play: a player showed ``content`` from ``started_at`` for ``duration_s``.

    ``record_id`` is chosen by the player, so a batch sent twice is stored once.
    """

    display = models.ForeignKey(Display, on_delete=models.CASCADE, related_name="plays")
    record_id = models.CharField(max_length=64)
    content = models.ForeignKey(Content, on_delete=models.SET_NULL, null=True, related_name="plays")
    # Kept beside the content so that reports survive its deletion.
    business = models.ForeignKey(
        Business, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_title = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    duration_s = models.FloatField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("play record")
        verbose_name_plural = _("play records")
        constraints = [
            models.UniqueConstraint(
                fields=["display", "record_id"], name="signage_play_unique_record"
            )
        ]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.content_title} @ {self.display_id} {self.started_at:%Y-%m-%d %H:%M}"
