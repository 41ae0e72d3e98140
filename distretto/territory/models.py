"""The registry every other app hangs on: chambers, districts, comuni, businesses."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from distretto.territory import ateco
from distretto.territory.validators import (
    validate_ateco,
    validate_coordinates,
    validate_latitude,
    validate_longitude,
    validate_opening_hours,
    validate_partita_iva,
)


class Chamber(models.Model):
    """A Camera di Commercio (Chamber of Commerce), or a regional union of them."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=20, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("chamber of commerce")
        verbose_name_plural = _("chambers of commerce")

    def __str__(self) -> str:
        return self.name


class ComuneQuerySet(models.QuerySet):
    def in_force(self) -> ComuneQuerySet:
        """Comuni of today's ISTAT list: what forms and the API offer."""
        return self.filter(in_force=True)


class Comune(models.Model):
    """ISTAT reference data for an Italian comune (municipality).

    A comune that leaves the ISTAT list (merged, incorporated, or recoded after a change
    of province) stays, so that records pointing at it keep working, but is no longer in
    force: ``in_force`` is false, with the date and the successor where the source says.
    """

    istat_code = models.CharField(_("ISTAT code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    name_full = models.CharField(
        _("official name"), max_length=200, blank=True, help_text=_("Bilingual where it is.")
    )
    province = models.CharField(_("province"), max_length=2, db_index=True)
    province_name = models.CharField(_("province name"), max_length=80)
    region = models.CharField(_("region"), max_length=80, db_index=True)
    codice_catastale = models.CharField(_("cadastral code"), max_length=4, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("population year"), null=True, blank=True, help_text=_("Year of the population figure.")
    )
    altitude_m = models.IntegerField(_("altitude (m)"), null=True, blank=True)
    # DPR 412/93 Allegato A: climate zone and heating degree days (gradi giorno, GG).
    climate_zone = models.CharField(_("climate zone"), max_length=1, blank=True)
    degree_days = models.PositiveIntegerField(_("degree days (GG)"), null=True, blank=True)
    # Why there is no single official value, as data that territory.climate words:
    # "new:YYYY-MM-DD" (instituted after the DPR) or "rows:E/2567/194;F/3001/431".
    climate_note = models.CharField(_("climate note"), max_length=200, blank=True)
    in_force = models.BooleanField(_("in force"), default=True, db_index=True)
    ceased_on = models.DateField(_("ceased on"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor"),
    )

    objects = ComuneQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("comune")
        verbose_name_plural = _("comuni")

    def __str__(self) -> str:
        return f"{self.name} ({self.province})"


class District(models.Model):
    class Kind(models.TextChoices):
        URBAN_COMMERCE = "urban_commerce", _("Urban commerce district")
        COMMERCE_TOURISM = "commerce_tourism", _("Commerce and tourism district")
        RURAL_NETWORK = "rural_network", _("Rural network")

    chamber = models.ForeignKey(Chamber, on_delete=models.PROTECT, related_name="districts")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    centre_lat = models.FloatField(_("centre latitude"), validators=[validate_latitude])
    centre_lon = models.FloatField(_("centre longitude"), validators=[validate_longitude])
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Rome")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Unknown time zone.")}) from None
        if self.boundary is not None:
            validate_geojson_boundary(self.boundary)


def validate_geojson_boundary(value: dict) -> None:
    if not isinstance(value, dict) or value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError({"boundary": _("The boundary must be a GeoJSON Polygon.")})
    if not isinstance(value.get("coordinates"), list) or not value["coordinates"]:
        raise ValidationError({"boundary": _("The boundary has no coordinates.")})


class Business(models.Model):
    class Category(models.TextChoices):
        GROCERY = "grocery", _("Grocery and food")
        BAKERY = "bakery", _("Bakery and pastry")
        BAR_CAFE = "bar_cafe", _("Bar and café")
        RESTAURANT = "restaurant", _("Restaurant")
        CLOTHING = "clothing", _("Clothing")
        SHOES_LEATHER = "shoes_leather", _("Shoes and leather goods")
        JEWELLERY = "jewellery", _("Jewellery and watches")
        BOOKS = "books", _("Books and stationery")
        HEALTH = "health", _("Pharmacy and health")
        BEAUTY = "beauty", _("Beauty and hairdressing")
        HOME = "home", _("Home and furniture")
        ELECTRONICS = "electronics", _("Electronics")
        OPTICS = "optics", _("Optician")
        FLOWERS = "flowers", _("Flowers and plants")
        SPORTS = "sports", _("Sports")
        TOYS = "toys", _("Toys and children")
        CRAFTS = "crafts", _("Crafts")
        HOSPITALITY = "hospitality", _("Hotel and lodging")
        MULTISERVICE = "multiservice", _("Multiservice shop")
        SERVICES = "services", _("Services")
        OTHER = "other", _("Other")

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="businesses")
    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    partita_iva = models.CharField(
        _("partita IVA"), max_length=11, validators=[validate_partita_iva], db_index=True
    )
    ateco_code = models.CharField(
        _("ATECO code"), max_length=8, blank=True, validators=[validate_ateco]
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    address = models.CharField(_("address"), max_length=250, blank=True)
    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True, validators=[validate_latitude])
    lon = models.FloatField(_("longitude"), null=True, blank=True, validators=[validate_longitude])
    opening_hours = models.JSONField(
        _("opening hours"), default=dict, blank=True, validators=[validate_opening_hours]
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "partita_iva", "name"], name="business_unique_in_district"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_ateco_code = instance.__dict__.get("ateco_code")
        return instance

    @property
    def ateco_description(self) -> str | None:
        """The ATECO 2025 description, None for a code of an older edition."""
        return ateco.description(self.ateco_code)

    def clean(self) -> None:
        validate_coordinates(self.lat, self.lon)
        # A new or changed code must be ATECO 2025; a code stored before stays until edited.
        if self.ateco_code != getattr(self, "_stored_ateco_code", None):
            try:
                ateco.validate_current(self.ateco_code)
            except ValidationError as error:
                raise ValidationError({"ateco_code": error}) from None


class BusinessNetwork(models.Model):
    """A rete d'impresa: businesses bound by a network contract."""

    chamber = models.ForeignKey(Chamber, on_delete=models.PROTECT, related_name="networks")
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="networks"
    )
    name = models.CharField(_("name"), max_length=200)
    members = models.ManyToManyField(Business, related_name="networks", blank=True)
    contract_date = models.DateField(_("contract date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business network")
        verbose_name_plural = _("business networks")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A revitalisation project on the Chamber's map."""

    class Axis(models.TextChoices):
        BUSINESS_NETWORKS = "business_networks", _("Business networks")
        NEW_TECHNOLOGIES = "new_technologies", _("New technologies")
        TERRITORIAL_MARKETING = "territorial_marketing", _("Territorial marketing")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    chamber = models.ForeignKey(Chamber, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(_("title"), max_length=250)
    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    axis_business_networks = models.BooleanField(_("business networks"), default=False)
    axis_new_technologies = models.BooleanField(_("new technologies"), default=False)
    axis_territorial_marketing = models.BooleanField(_("territorial marketing"), default=False)
    year = models.PositiveSmallIntegerField(_("year"))
    budget = models.DecimalField(
        _("budget (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    description = models.TextField(_("description"), blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True, validators=[validate_latitude])
    lon = models.FloatField(_("longitude"), null=True, blank=True, validators=[validate_longitude])
    url = models.URLField(_("URL"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.title

    @property
    def axes(self) -> list[str]:
        return [axis.value for axis in self.Axis if getattr(self, f"axis_{axis.value}")]

    def set_axes(self, axes: list[str]) -> None:
        unknown = set(axes) - set(self.Axis.values)
        if unknown:
            raise ValidationError(
                {"axes": _("Unknown axis: %(axes)s.") % {"axes": ", ".join(sorted(unknown))}}
            )
        if not axes:
            raise ValidationError({"axes": _("A project needs at least one axis.")})
        for axis in self.Axis:
            setattr(self, f"axis_{axis.value}", axis.value in axes)

    def clean(self) -> None:
        validate_coordinates(self.lat, self.lon)
        if not self.axes:
            raise ValidationError({"axes": _("A project needs at least one axis.")})
