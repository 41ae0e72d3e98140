"""Information point: typical products, venue pages, public services and their delivery.

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
from distretto.territory.models import Business, Comune
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


class Product(models.Model):
    """A typical product: PAT, DOP, IGP, STG or simply local, with where to find it."""

    class Category(models.TextChoices):
        # The 11 PAT categories (DM 350/1999), plus wine as a DOP/IGP product class.
        BEVERAGES = "beverages", _("Soft drinks, spirits and liqueurs")
        MEAT = "meat", _("Fresh meat and meat preparations")
        CONDIMENTS = "condiments", _("Condiments")
        CHEESE = "cheese", _("Cheeses")
        FATS = "fats", _("Fats (butter, oils)")
        BAKERY = "bakery", _("Fresh pasta, bread, biscuits, pastry and confectionery")
        DISHES = "dishes", _("Composite dishes")
        FISH = "fish", _("Fish, molluscs and crustaceans")
        GASTRONOMY = "gastronomy", _("Gastronomy products")
        ANIMAL_PRODUCTS = "animal_products", _("Products of animal origin (honey, dairy)")
        VEGETABLES = "vegetables", _("Vegetable products, fresh or processed")
        WINE = "wine", _("Wines")

    class Designation(models.TextChoices):
        PAT = "PAT", _("PAT – traditional agri-food product")
        DOP = "DOP", _("DOP – protected designation of origin")
        IGP = "IGP", _("IGP – protected geographical indication")
        STG = "STG", _("STG – traditional speciality guaranteed")
        OTHER = "other", _("Other local product")

    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    name = models.CharField(_("name (Italian)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    name_fr = models.CharField(_("name (French)"), max_length=160, blank=True)
    name_de = models.CharField(_("name (German)"), max_length=160, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    designation = models.CharField(_("designation"), max_length=5, choices=Designation.choices)
    region = models.CharField(_("region"), max_length=60, db_index=True)
    comuni = models.ManyToManyField(
        Comune, verbose_name=_("comuni of origin"), blank=True, related_name="+"
    )
    origin = models.CharField(_("area of origin"), max_length=200, blank=True)
    # Where the designation comes from (register and year, or a regional list). A PAT
    # listing nobody has checked against the national list is not shown as PAT.
    source = models.CharField(_("source"), max_length=300, blank=True)
    designation_confirmed = models.BooleanField(_("designation confirmed"), default=True)
    season_from = models.PositiveSmallIntegerField(
        _("season from (month)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    season_to = models.PositiveSmallIntegerField(
        _("season to (month)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    description = models.TextField(_("story (Italian)"), blank=True)
    description_en = models.TextField(_("story (English)"), blank=True)
    description_fr = models.TextField(_("story (French)"), blank=True)
    description_de = models.TextField(_("story (German)"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="catalog/products/", blank=True)
    thumbnail = models.ImageField(upload_to="catalog/products/thumbs/", blank=True, editable=False)
    producers = models.ManyToManyField(
        Business, verbose_name=_("producers"), blank=True, related_name="catalog_products_made"
    )
    venues = models.ManyToManyField(
        Business,
        verbose_name=_("where to taste or buy it"),
        blank=True,
        related_name="catalog_products",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "region"]
        verbose_name = _("typical product")
        verbose_name_plural = _("typical products")
        constraints = [
            models.UniqueConstraint(fields=["name", "region"], name="catalog_product_unique"),
            models.CheckConstraint(
                condition=Q(season_from__isnull=True) | Q(season_from__lte=12),
                name="catalog_product_season_from_month",
            ),
            models.CheckConstraint(
                condition=Q(season_to__isnull=True) | Q(season_to__lte=12),
                name="catalog_product_season_to_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.designation}" if self.designation != "other" else self.name

    @property
    def shown_designation(self) -> str:
        """The designation as pages and the API show it: an unconfirmed PAT is 'other'."""
        if self.designation == self.Designation.PAT and not self.designation_confirmed:
            return self.Designation.OTHER
        return self.designation

    def get_shown_designation_display(self) -> str:
        return str(self.Designation(self.shown_designation).label)

    def label(self, lang: str | None = None) -> str:
        return pick(self, "name", lang)

    def text(self, field: str, lang: str | None = None) -> str:
        return pick(self, field, lang)


class VenueProfile(models.Model):
    """The information-point page of a venue (a territory Business): texts, photo, how to reach."""

    venue = models.OneToOneField(Business, on_delete=models.CASCADE, related_name="catalog_profile")
    published = models.BooleanField(_("published"), default=True)
    intro = models.TextField(_("what it is (Italian)"), blank=True)
    intro_en = models.TextField(_("what it is (English)"), blank=True)
    intro_fr = models.TextField(_("what it is (French)"), blank=True)
    intro_de = models.TextField(_("what it is (German)"), blank=True)
    how_to_reach = models.TextField(_("how to reach it (Italian)"), blank=True)
    how_to_reach_en = models.TextField(_("how to reach it (English)"), blank=True)
    how_to_reach_fr = models.TextField(_("how to reach it (French)"), blank=True)
    how_to_reach_de = models.TextField(_("how to reach it (German)"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="catalog/venues/", blank=True)
    thumbnail = models.ImageField(upload_to="catalog/venues/thumbs/", blank=True, editable=False)
    kiosk_seconds = models.PositiveSmallIntegerField(
        _("kiosk: seconds per slide"), default=8, validators=[MinValueValidator(3)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("venue page")
        verbose_name_plural = _("venue pages")

    def __str__(self) -> str:
        return str(self.venue)

    def text(self, field: str, lang: str | None = None) -> str:
        return pick(self, field, lang)
