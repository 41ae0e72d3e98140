"""Information point: public service types, what each venue offers, what it delivered.

Translated texts follow ``catalog.i18n``: the plain field holds Italian (the
fallback), ``<field>_en`` / ``_fr`` / ``_de`` the other languages.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from distretto.catalog.i18n import pick
from distretto.territory.models import Business
from distretto.territory.validators import validate_opening_hours


class ServiceType(models.Model):
    """A public service a venue can offer on behalf of an institution (pagoPA, SPID help...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name (Italian)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=120, blank=True)
    name_de = models.CharField(_("name (German)"), max_length=120, blank=True)
    description = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    what_to_bring = models.TextField(_("what to bring (Italian)"), blank=True)
    what_to_bring_en = models.TextField(_("what to bring (English)"), blank=True)
    what_to_bring_fr = models.TextField(_("what to bring (French)"), blank=True)
    what_to_bring_de = models.TextField(_("what to bring (German)"), blank=True)
    cost = models.DecimalField(
        _("cost (EUR)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty: free or set by the provider."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self) -> str:
        return self.name

    def label(self, lang: str | None = None) -> str:
        """The name in ``lang`` (default: the request's language), else Italian."""
        return pick(self, "name", lang)

    def text(self, field: str, lang: str | None = None) -> str:
        """``description`` or ``what_to_bring`` in ``lang``, else Italian."""
        return pick(self, field, lang)


class VenueService(models.Model):
    """A service type offered at one venue, with its own hours and contact."""

    venue = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="catalog_services")
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="venue_services"
    )
    opening_hours = models.JSONField(
        _("opening hours"),
        default=dict,
        blank=True,
        validators=[validate_opening_hours],
        help_text=_("Empty: the venue's own opening hours."),
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    notes = models.TextField(_("notes (Italian)"), blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)
    notes_fr = models.TextField(_("notes (French)"), blank=True)
    notes_de = models.TextField(_("notes (German)"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service_type__position", "service_type__code"]
        verbose_name = _("venue service")
        verbose_name_plural = _("venue services")
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "service_type"], name="catalog_venue_service_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.venue} · {self.service_type}"

    def hours(self) -> dict:
        """This service's hours, else the venue's."""
        return self.opening_hours or self.venue.opening_hours or {}


class ServiceDelivery(models.Model):
    """How many times a venue delivered a service on a day, for impact reporting."""

    venue = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="service_deliveries")
    service_type = models.ForeignKey(
        ServiceType, on_delete=models.PROTECT, related_name="deliveries"
    )
    date = models.DateField(_("date"), db_index=True)
    count = models.PositiveIntegerField(_("count"), validators=[MinValueValidator(1)])
    people = models.PositiveIntegerField(_("people served"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("service delivery")
        verbose_name_plural = _("service deliveries")
        constraints = [
            models.CheckConstraint(condition=Q(count__gt=0), name="catalog_delivery_count_positive")
        ]
        indexes = [models.Index(fields=["venue", "date"], name="catalog_delivery_venue_date")]

    def __str__(self) -> str:
        return f"{self.venue} · {self.service_type} · {self.date}: {self.count}"
