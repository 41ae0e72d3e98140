"""The totem network: displays in groups (zones), screen layouts made of screen zones,
a media library, content with its schedule, approval, targets and screen zone,
remote commands to the players, pairing codes, CAP alert feeds, and proof of play
(raw records sent by the players and their daily aggregates).

What a display plays at an instant is decided by ``playlist.py`` (pure); the
operations managers, merchants and players perform live in ``services.py`` and the
modules named after their part (``layouts.py``, ``pairing.py``, ``commands.py``,
``cap.py``, ``alerts.py``, ``proof.py``).

Two words that sound alike: a *group* (shown as "zone" in the pages, "Centro
storico") is a set of totems that content can target; a *screen zone* is a region of
one screen's layout ("main", "ticker", "clock", "info") with its own playlist.
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


class Layout(models.Model):
    """A screen template for one orientation, made of screen zones (``layouts.py``
    validates them). Built-in layouts (no district) are shared by every district."""

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("Landscape")
        PORTRAIT = "portrait", _("Portrait")

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="layouts"
    )
    slug = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=100)
    orientation = models.CharField(_("orientation"), max_length=10, choices=Orientation.choices)
    # [{"key": "main"|"info"|"ticker"|"clock", "x", "y", "w", "h"}], percent of the screen.
    zones = models.JSONField(_("screen zones"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["orientation", "name", "id"]
        verbose_name = _("layout")
        verbose_name_plural = _("layouts")
        constraints = [
            models.UniqueConstraint(fields=["district", "slug"], name="signage_layout_unique_slug"),
            models.UniqueConstraint(
                fields=["slug"],
                condition=models.Q(district__isnull=True),
                name="signage_layout_unique_builtin",
            ),
        ]

    def __str__(self) -> str:
        from distretto.signage.layouts import layout_name

        return str(layout_name(self))

    @property
    def builtin(self) -> bool:
        return self.district_id is None


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
    layout = models.ForeignKey(
        Layout,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="displays",
        verbose_name=_("layout"),
        help_text=_("Empty: full screen."),
    )
    # Hours when the player blanks the screen, as content dayparts, local time.
    screen_off = models.JSONField(_("screen off"), default=list, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    player_version = models.CharField(_("player version"), max_length=40, blank=True)
    playing_version = models.CharField(_("manifest version playing"), max_length=40, blank=True)
    playing_since = models.DateTimeField(_("playing that version since"), null=True, blank=True)
    # What the server serves the display, and since when (proof that a change arrived).
    expected_version = models.CharField(max_length=40, blank=True)
    expected_since = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(_("last status"), max_length=200, blank=True)
    refused_plays = models.PositiveIntegerField(_("plays refused by the server"), default=0)
    screenshot = models.ImageField(_("screenshot"), upload_to="signage/screens/", blank=True)
    screenshot_at = models.DateTimeField(_("screenshot taken at"), null=True, blank=True)
    # When the offline e-mail went out; cleared by the "back online" one.
    offline_alerted_at = models.DateTimeField(null=True, blank=True)
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

    class ScreenZone(models.TextChoices):
        MAIN = "main", _("Main area")
        INFO = "info", _("Side box")
        TICKER = "ticker", _("Ticker")

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
    zone = models.CharField(
        _("screen zone"), max_length=10, choices=ScreenZone.choices, default="main"
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


class PlayDaily(models.Model):
    """Proof of play aggregated per local day (the district's time zone), display and
    content: what reports read. Kept in step with the raw records as they are stored
    (``proof.record_plays``), so it is never behind; the raw records are deleted after
    the retention (``proof.purge_raw``), the aggregates stay.

    ``display_name``, ``content_title`` and ``business`` are kept beside the foreign
    keys so that a report survives the deletion of a totem or a content."""

    day = models.DateField(_("day"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    display = models.ForeignKey(
        Display, on_delete=models.SET_NULL, null=True, related_name="daily_plays"
    )
    display_name = models.CharField(max_length=120)
    content = models.ForeignKey(
        Content, on_delete=models.SET_NULL, null=True, related_name="daily_plays"
    )
    content_title = models.CharField(max_length=200)
    business = models.ForeignKey(
        Business, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plays = models.PositiveIntegerField(_("plays"))
    seconds = models.FloatField(_("seconds on screen"))

    class Meta:
        ordering = ["-day", "content_title", "display_name"]
        verbose_name = _("plays per day")
        verbose_name_plural = _("plays per day")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "display", "content"], name="signage_playdaily_unique"
            )
        ]
        indexes = [
            models.Index(fields=["district", "day"]),
            models.Index(fields=["business", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.content_title} @ {self.display_name}: {self.plays}"


class DisplayCommand(models.Model):
    """A remote command for one player, sent on its event stream and acknowledged by
    it; pending until then (a player offline gets it when it comes back, within a day)."""

    class Kind(models.TextChoices):
        RELOAD = "reload", _("Reload the player")
        CLEAR_CACHE = "clear_cache", _("Clear its cache")
        IDENTIFY = "identify", _("Show its name for 30 s")
        SCREENSHOT = "screenshot", _("Take a screenshot")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    display = models.ForeignKey(Display, on_delete=models.CASCADE, related_name="commands")
    kind = models.CharField(_("command"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default="pending")
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("totem command")
        verbose_name_plural = _("totem commands")
        indexes = [models.Index(fields=["display", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.display_id}"


class PairingCode(models.Model):
    """The code a blank player shows: an operator types it to pair the player with a
    display; the player, polling with its secret claim, then receives its token once."""

    code = models.CharField(max_length=6, unique=True)
    claim_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    display = models.ForeignKey(
        Display, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    paired_at = models.DateTimeField(null=True, blank=True)
    # When the player collected its token: the code is spent.
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pairing code")
        verbose_name_plural = _("pairing codes")

    def __str__(self) -> str:
        return self.code


class SignageSettings(models.Model):
    """A district's totem settings."""

    district = models.OneToOneField(
        District, on_delete=models.CASCADE, related_name="signage_settings"
    )
    offline_alert_minutes = models.PositiveIntegerField(
        _("e-mail the managers when a totem is offline for (minutes)"), default=10
    )

    class Meta:
        verbose_name = _("totem settings")
        verbose_name_plural = _("totem settings")

    def __str__(self) -> str:
        return str(self.district)


class AlertFeed(models.Model):
    """A source of CAP 1.2 alerts (Common Alerting Protocol) for one district: a URL
    polled, or a system that posts CAP documents with the feed's own token.

    The token belongs to a service account made for the feed (no role, no password):
    it can do nothing but post CAP to this feed, and the audit log names it."""

    class Severity(models.TextChoices):
        EXTREME = "Extreme", _("Extreme")
        SEVERE = "Severe", _("Severe")
        MODERATE = "Moderate", _("Moderate")
        MINOR = "Minor", _("Minor")

    class Urgency(models.TextChoices):
        IMMEDIATE = "Immediate", _("Immediate")
        EXPECTED = "Expected", _("Expected")
        FUTURE = "Future", _("Future")

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="alert_feeds")
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("feed address (polled)"), blank=True)
    poll_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=2)
    min_severity = models.CharField(
        _("lowest severity shown"), max_length=10, choices=Severity.choices, default="Severe"
    )
    min_urgency = models.CharField(
        _("lowest urgency shown"), max_length=10, choices=Urgency.choices, default="Expected"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alert_feed"
    )
    active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("alert feed")
        verbose_name_plural = _("alert feeds")

    def __str__(self) -> str:
        return self.name


class CapAlert(models.Model):
    """One CAP message received (posted or polled) and what became of it."""

    class Outcome(models.TextChoices):
        SHOWN = "shown", _("On the totems")
        OUTSIDE = "outside", _("Outside the area")
        FILTERED = "filtered", _("Below the thresholds")
        IGNORED = "ignored", _("Not for the public")
        UPDATED = "updated", _("Replaced by an update")
        CANCELLED = "cancelled", _("Cancelled")
        CANCEL = "cancel", _("Cancel message")

    feed = models.ForeignKey(AlertFeed, on_delete=models.CASCADE, related_name="alerts")
    identifier = models.CharField(max_length=200)
    sender = models.CharField(max_length=200)
    sent = models.DateTimeField()
    msg_type = models.CharField(max_length=10)
    status = models.CharField(max_length=10)
    event = models.CharField(max_length=200, blank=True)
    headline = models.CharField(max_length=300, blank=True)
    severity = models.CharField(max_length=10, blank=True)
    urgency = models.CharField(max_length=10, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    references = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    content = models.ForeignKey(
        Content, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    displays = models.PositiveIntegerField(default=0)
    document = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("CAP alert")
        verbose_name_plural = _("CAP alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["feed", "sender", "identifier", "sent"], name="signage_cap_unique_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender}/{self.identifier}"
