"""Geo-referenced check-ins: venues, every attempt with its decision, routes and badges.

A visitor checks in at a ``CheckinPoint`` (a bistro) with the district card; each
attempt is stored with its distance, accuracy and decision (``decision.py``), so
the manager's fraud view sees the rejected ones too. Accepted check-ins earn points
through the loyalty ledger (``loyalty.services.grant_points``) and badges.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from distretto.checkins import codes, decision
from distretto.loyalty.models import Card
from distretto.territory.models import Business, District
from distretto.territory.validators import validate_latitude, validate_longitude


class CheckinPoint(models.Model):
    """A venue where visitors check in, with its rotating code."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="checkin_points")
    lat = models.FloatField(_("latitude"), validators=[validate_latitude])
    lon = models.FloatField(_("longitude"), validators=[validate_longitude])
    radius_m = models.PositiveIntegerField(
        _("radius (m)"), default=75, validators=[MinValueValidator(5), MaxValueValidator(5000)]
    )
    reward_points = models.PositiveIntegerField(
        _("reward (points)"), default=10, validators=[MinValueValidator(1)]
    )
    cooldown_days = models.PositiveSmallIntegerField(
        _("cooldown (days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("One accepted check-in per card every this many local calendar days."),
    )
    requires_code = models.BooleanField(
        _("venue code required"),
        default=False,
        help_text=_("For valleys with poor GPS: the visitor must type the code on the screen."),
    )
    code_secret = models.CharField(max_length=64, default=codes.new_secret, editable=False)
    active = models.BooleanField(_("active"), default=True)
    active_from = models.DateTimeField(_("active from"), null=True, blank=True)
    active_until = models.DateTimeField(_("active until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["business__name", "id"]
        verbose_name = _("check-in point")
        verbose_name_plural = _("check-in points")

    def __str__(self) -> str:
        return self.business.name

    @property
    def name(self) -> str:
        return self.business.name

    def clean(self) -> None:
        if self.active_from and self.active_until and self.active_until <= self.active_from:
            raise ValidationError({"active_until": _("The window must end after it starts.")})


class Decision(models.TextChoices):
    ACCEPTED = decision.ACCEPTED, _("Accepted")
    POINT_INACTIVE = decision.POINT_INACTIVE, _("Venue not active")
    RATE_LIMITED = decision.RATE_LIMITED, _("Too many attempts")
    CODE_REQUIRED = decision.CODE_REQUIRED, _("Code required")
    INVALID_CODE = decision.INVALID_CODE, _("Wrong code")
    LOW_ACCURACY = decision.LOW_ACCURACY, _("Position too inaccurate")
    TOO_FAR = decision.TOO_FAR, _("Too far")
    COOLDOWN = decision.COOLDOWN, _("Already checked in")
    IMPOSSIBLE_TRAVEL = decision.IMPOSSIBLE_TRAVEL, _("Impossible travel")


class CardCheckinState(models.Model):
    """One row per card that ever checked in: every attempt of the card locks it, so
    two parallel attempts are decided one after the other. It also keeps where and
    when the card's last accepted check-in was, for the impossible-travel check."""

    card = models.OneToOneField(
        Card, on_delete=models.CASCADE, primary_key=True, related_name="checkin_state"
    )
    last_lat = models.FloatField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("card check-in state")
        verbose_name_plural = _("card check-in states")

    def __str__(self) -> str:
        return str(self.card)


class Attempt(models.Model):
    """One check-in attempt, accepted or not, as the fraud view needs it."""

    point = models.ForeignKey(CheckinPoint, on_delete=models.PROTECT, related_name="attempts")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="checkin_attempts")
    created_at = models.DateTimeField(_("at"), db_index=True)
    local_date = models.DateField(_("local date"))  # in the district's time zone
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    distance_m = models.FloatField(_("distance (m)"), null=True, blank=True)
    code_given = models.BooleanField(_("code given"), default=False)
    code_valid = models.BooleanField(_("code valid"), null=True, blank=True)
    speed_kmh = models.FloatField(_("implied speed (km/h)"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    # The reward's ledger transaction carries source "checkins" and the reference
    # services.grant_key(card, point, local_date): not linked here, so that the
    # check-in's transaction ends right after the grant (see services.check_in).
    points_awarded = models.PositiveIntegerField(_("points awarded"), default=0)
    idempotency_key = models.CharField(max_length=120, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    response = models.JSONField(null=True, blank=True)  # returned again on a replay

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("check-in attempt")
        verbose_name_plural = _("check-in attempts")
        constraints = [
            # Backs the cooldown: never two accepted check-ins of a card at a venue
            # on one local day, whatever happens above.
            models.UniqueConstraint(
                fields=["card", "point", "local_date"],
                condition=Q(decision="accepted"),
                name="checkins_one_accepted_per_day",
            ),
            models.UniqueConstraint(
                fields=["card", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="checkins_idempotency_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["card", "created_at"], name="checkins_card_time"),
            models.Index(fields=["point", "local_date"], name="checkins_point_day"),
        ]

    def __str__(self) -> str:
        return f"{self.card} @ {self.point} · {self.decision}"

    @property
    def accepted(self) -> bool:
        return self.decision == Decision.ACCEPTED


class Route(models.Model):
    """A route of venues; collecting a stamp at each one completes a valley's passport."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="checkin_routes")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    points = models.ManyToManyField(CheckinPoint, related_name="routes", verbose_name=_("venues"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="checkins_route_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Badge(models.Model):
    """A rule-based badge of a district (the rules are evaluated in ``badges.py``)."""

    class Kind(models.TextChoices):
        FIRST_CHECKIN = "first_checkin", _("First check-in")
        DISTINCT_VENUES = "distinct_venues", _("N distinct venues")
        ROUTE = "route", _("Every venue of a route")
        DISTINCT_MONTHS = "distinct_months", _("Visits in N distinct months")
        SEASONAL = "seasonal", _("N check-ins in a season")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="checkin_badges")
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=250, blank=True)
    kind = models.CharField(_("rule"), max_length=20, choices=Kind.choices)
    threshold = models.PositiveSmallIntegerField(
        _("threshold"), default=1, validators=[MinValueValidator(1)]
    )
    route = models.ForeignKey(
        Route, on_delete=models.PROTECT, null=True, blank=True, related_name="badges"
    )
    months = models.JSONField(
        _("season months"), default=list, blank=True, help_text=_("1 = January; seasonal only.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="checkins_badge_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == self.Kind.ROUTE:
            if self.route_id is None:
                raise ValidationError({"route": _("A route badge needs its route.")})
            if self.route.district_id != self.district_id:
                raise ValidationError({"route": _("The route is in another district.")})
        elif self.route_id is not None:
            raise ValidationError({"route": _("Only a route badge has a route.")})
        if self.kind == self.Kind.SEASONAL:
            if (
                not isinstance(self.months, list)
                or not self.months
                or any(
                    not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12
                    for m in self.months
                )
            ):
                raise ValidationError({"months": _("Give the season's months, 1 to 12.")})
        elif self.months:
            raise ValidationError({"months": _("Only a seasonal badge has months.")})


class BadgeAward(models.Model):
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="awards")
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="checkin_badges")
    attempt = models.ForeignKey(
        Attempt, on_delete=models.PROTECT, null=True, blank=True, related_name="badges"
    )
    awarded_at = models.DateTimeField(_("awarded at"))

    class Meta:
        ordering = ["-awarded_at", "-id"]
        verbose_name = _("badge awarded")
        verbose_name_plural = _("badges awarded")
        constraints = [
            models.UniqueConstraint(fields=["badge", "card"], name="checkins_badge_once")
        ]

    def __str__(self) -> str:
        return f"{self.badge} · {self.card}"
