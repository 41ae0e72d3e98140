"""Negozi Multiservizio (multiservice village shops): the network, check-ups, training.

A multiservice shop is a village grocery that also offers public and tourist
services. The Chamber runs a feasibility check-up (a questionnaire scored by a
versioned model stored as data), trains the shopkeepers and collects the record of
services delivered to report the impact of its investment.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from distretto.territory.models import Business, Chamber, Comune, District
from distretto.territory.validators import validate_opening_hours


class MultiserviceShop(models.Model):
    """A business of the network, the place it serves and the support it received."""

    business = models.OneToOneField(
        Business, on_delete=models.PROTECT, related_name="multiservice_shop"
    )
    since = models.DateField(_("multiservice since"))
    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, related_name="+", verbose_name=_("comune served")
    )
    frazione = models.CharField(  # a hamlet of the comune, when the shop serves one
        _("frazione served"), max_length=120, blank=True
    )
    frazione_population = models.PositiveIntegerField(
        _("residents of the frazione"), null=True, blank=True
    )
    frazione_altitude_m = models.IntegerField(
        _("altitude of the frazione (m)"), null=True, blank=True
    )
    funding_eur = models.DecimalField(
        _("funding received (EUR)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    nearest_grocery_km = models.DecimalField(
        _("distance to the nearest other grocery (km)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    nearest_grocery_name = models.CharField(_("nearest other grocery"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["business__name"]
        verbose_name = _("multiservice shop")
        verbose_name_plural = _("multiservice shops")

    def __str__(self) -> str:
        return self.business.name

    @property
    def place_served(self) -> str:
        return f"{self.frazione} ({self.comune.name})" if self.frazione else self.comune.name

    @property
    def population_served(self) -> int | None:
        """The frazione's residents when the shop serves one, else the comune's."""
        if self.frazione and self.frazione_population is not None:
            return self.frazione_population
        return self.comune.population

    @property
    def population_year(self) -> int | None:
        """Year of ``population_served``: the comune's figure's; unknown for a frazione."""
        if self.frazione and self.frazione_population is not None:
            return None
        return self.comune.population_year

    @property
    def altitude_m(self) -> int | None:
        if self.frazione and self.frazione_altitude_m is not None:
            return self.frazione_altitude_m
        return self.comune.altitude_m


class ShopService(models.Model):
    """A service a shop offers, with its own hours (the grocery's hours by default)."""

    shop = models.ForeignKey(MultiserviceShop, on_delete=models.CASCADE, related_name="services")
    service_type = models.ForeignKey(
        "catalog.ServiceType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    opening_hours = models.JSONField(
        _("opening hours"), default=dict, blank=True, validators=[validate_opening_hours]
    )
    since = models.DateField(_("offered since"), null=True, blank=True)

    class Meta:
        ordering = ["service_type"]
        verbose_name = _("shop service")
        verbose_name_plural = _("shop services")
        constraints = [
            models.UniqueConstraint(fields=["shop", "service_type"], name="shop_service_once")
        ]

    def __str__(self) -> str:
        return f"{self.shop} · {self.service_type_id}"


class AvoidedCost(models.Model):
    """What the public administration saves each time a shop delivers a service."""

    chamber = models.ForeignKey(Chamber, on_delete=models.CASCADE, related_name="+")
    service_type = models.ForeignKey(
        "catalog.ServiceType",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("service type"),
    )
    cost_eur = models.DecimalField(
        _("cost avoided per service (EUR)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["service_type"]
        verbose_name = _("avoided cost")
        verbose_name_plural = _("avoided costs")
        constraints = [
            models.UniqueConstraint(
                fields=["chamber", "service_type"], name="avoided_cost_once_per_chamber"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_type_id}: {self.cost_eur} EUR"


class ScoringModel(models.Model):
    """A version of the feasibility scoring model, stored as data (see ``scoring.py``).

    The default model belongs to no chamber; a chamber may publish its own versions.
    Versions are numbered across all chambers, so a version names one model; a
    version is never edited: a change is a new version.
    """

    chamber = models.ForeignKey(
        Chamber, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.JSONField(_("definition"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Checkup(models.Model):
    """A feasibility check-up of a shop: the questionnaire, filled step by step."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="checkups")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="multiservice_checkups",
        verbose_name=_("assessor"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("check-up")
        verbose_name_plural = _("check-ups")

    def __str__(self) -> str:
        return f"{self.business} · {self.created_at:%Y-%m-%d}"

    def latest_result(self) -> CheckupResult | None:
        # Picked in Python so that lists which prefetch ``results`` make no query per row.
        return max(self.results.all(), key=lambda r: (r.created_at, r.pk), default=None)


class CheckupResult(models.Model):
    """The outcome of scoring one check-up with one model version; all are kept."""

    class Verdict(models.TextChoices):
        FEASIBLE = "feasible", _("Feasible")
        CONDITIONAL = "feasible_with_conditions", _("Feasible with conditions")
        NOT_FEASIBLE = "not_feasible", _("Not feasible now")

    checkup = models.ForeignKey(Checkup, on_delete=models.CASCADE, related_name="results")
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    dimension_scores = models.JSONField(_("dimension scores"))
    verdict = models.CharField(_("verdict"), max_length=30, choices=Verdict.choices)
    recommendations = models.JSONField(_("recommendations"), default=list)
    training_modules = models.JSONField(_("training modules"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("check-up result")
        verbose_name_plural = _("check-up results")
        constraints = [
            models.UniqueConstraint(
                fields=["checkup", "scoring_model"], name="checkup_scored_once_per_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.checkup} · v{self.scoring_model.version} · {self.score}"


class TrainingModule(models.Model):
    class Topic(models.TextChoices):
        DIGITAL = "digital_public_services", _("Digital and public services")
        PAGOPA = "pagopa", _("pagoPA operations")
        HOSPITALITY = "tourist_hospitality", _("Tourist hospitality")
        FOOD_SAFETY = "food_safety", _("Food safety")
        MARKETING = "marketing", _("Marketing")

    class Format(models.TextChoices):
        CLASSROOM = "classroom", _("Classroom")
        ONLINE = "online", _("Online")
        ON_SITE = "on_site", _("Consulting at the shop")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    format = models.CharField(_("format"), max_length=12, choices=Format.choices)
    materials = models.TextField(_("materials"), blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")

    def __str__(self) -> str:
        return self.title


class TrainingEdition(models.Model):
    module = models.ForeignKey(TrainingModule, on_delete=models.PROTECT, related_name="editions")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    capacity = models.PositiveIntegerField(_("capacity"), validators=[MinValueValidator(1)])
    location = models.CharField(_("location"), max_length=200, blank=True)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trainer"),
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("training edition")
        verbose_name_plural = _("training editions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="edition_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.module} · {self.starts_on:%d/%m/%Y}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    edition = models.ForeignKey(
        TrainingEdition, on_delete=models.PROTECT, related_name="enrolments"
    )
    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    participant = models.CharField(_("participant"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ENROLLED
    )
    certificate_code = models.CharField(_("certificate code"), max_length=40, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "business", "participant"], name="enrolment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.edition}"


class Attendance(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    attended_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )

    class Meta:
        ordering = ["attended_on"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "attended_on"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} · {self.attended_on} · {self.hours} h"
