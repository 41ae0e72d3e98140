"""Energy microsystems: sites, units, meters, gateways, readings and their rollups.

A *site* is a microsystem (a building complex) whose demand is measured from each
radiator up: *units* (dwellings and shops) hold *meters*; site-level meters (the
boiler's fuel, the generator's heat output, the co-generation unit, the grid
connection) have no unit. Gateways (wmbusmeters receivers) push readings with
their own device token.

Readings are idempotent on (meter, ts). Each reading stores, besides the raw value,
the consumption since the meter's previous reading (``delta``), so that cumulative
counters, resets and interval meters all end up as one number to add up. Hourly,
daily and monthly rollups per meter are kept up to date on ingestion (see
``ingestion.py``); per unit and per site figures are sums of them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from distretto.territory.models import Comune, District


class ClimateZone(models.TextChoices):
    """Italian climate zones (zone climatiche) of DPR 412/93, by heating degree days."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"
    F = "F", "F"


class Site(models.Model):
    """A microsystem: a mixed residential and commercial building complex."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="energy_sites")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=250, blank=True)
    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    climate_zone = models.CharField(
        _("climate zone"), max_length=1, choices=ClimateZone.choices, default=ClimateZone.E
    )
    # Gradi giorno (heating degree days) of the comune, DPR 412/93 table A.
    degree_days = models.PositiveIntegerField(_("degree days (GG)"), default=2346)
    # Heating season of the zone (DPR 412/93 art. 9), as month and day.
    season_start_month = models.PositiveSmallIntegerField(_("season starts (month)"), default=10)
    season_start_day = models.PositiveSmallIntegerField(_("season starts (day)"), default=15)
    season_end_month = models.PositiveSmallIntegerField(_("season ends (month)"), default=4)
    season_end_day = models.PositiveSmallIntegerField(_("season ends (day)"), default=15)
    # Optional co-generation unit (cogeneratore): nominal outputs.
    chp_electric_kw = models.DecimalField(
        _("co-generation electric power (kW)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
    )
    chp_thermal_kw = models.DecimalField(
        _("co-generation thermal power (kW)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    @property
    def has_chp(self) -> bool:
        return self.chp_electric_kw is not None


class Unit(models.Model):
    """A dwelling or a shop of a site."""

    class Kind(models.TextChoices):
        DWELLING = "dwelling", _("Dwelling")
        SHOP = "shop", _("Shop")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DWELLING)
    area_m2 = models.DecimalField(
        _("floor area (m²)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        default=Decimal("0"),
    )
    # Useful heated volume, one of the keys the assembly may choose (D.Lgs. 73/2020).
    volume_m3 = models.DecimalField(
        _("heated volume (m³)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        null=True,
        blank=True,
    )
    # Millesimi: thousandths of heat requirement (fabbisogno) and of property.
    millesimi_heat = models.DecimalField(
        _("heat-requirement thousandths"),
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
        default=Decimal("0"),
    )
    millesimi_property = models.DecimalField(
        _("property thousandths"),
        max_digits=8,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
        default=Decimal("0"),
    )
    occupant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="energy_units",
    )
    # Declared empty (unità sfitta): its allocators should read nothing.
    declared_empty = models.BooleanField(_("declared empty"), default=False)
    empty_since = models.DateField(_("empty since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="energy_unit_name_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.name}"


class Gateway(models.Model):
    """A meter gateway (e.g. a wmbusmeters receiver); pushes readings for its site only."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="gateways")
    name = models.CharField(_("name"), max_length=120)
    serial = models.CharField(_("serial"), max_length=80, blank=True)
    expected_interval_minutes = models.PositiveIntegerField(
        _("expected interval (minutes)"), default=60
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "name"]
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")

    def __str__(self) -> str:
        return f"{self.site} · {self.name}"


class Meter(models.Model):
    """A meter, from a radiator's heat cost allocator to the site's grid connection."""

    class Kind(models.TextChoices):
        HCA = "hca", _("Heat cost allocator")
        HEAT = "heat", _("Heat meter")
        FUEL = "fuel", _("Fuel meter")
        ELECTRICITY = "electricity", _("Electricity meter")
        CHP_ELECTRIC = "chp_electric", _("Co-generation electric output")
        CHP_THERMAL = "chp_thermal", _("Co-generation thermal output")
        WATER = "water", _("Water meter")

    class Role(models.TextChoices):
        """What the meter measures for the site's balance."""

        CONSUMPTION = "consumption", _("Consumption")
        # Heat delivered by the boiler/generator (a site-level heat meter).
        GENERATOR = "generator", _("Generator output")
        GRID_IMPORT = "grid_import", _("Grid import")
        GRID_EXPORT = "grid_export", _("Grid export")

    class ReadingType(models.TextChoices):
        CUMULATIVE = "cumulative", _("Cumulative counter")
        INTERVAL = "interval", _("Interval consumption")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="meters")
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="meters"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    role = models.CharField(
        _("role"), max_length=12, choices=Role.choices, default=Role.CONSUMPTION
    )
    # The wM-Bus id or any id the gateway reports.
    external_id = models.CharField(_("external id"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    reading_type = models.CharField(
        _("reading type"),
        max_length=10,
        choices=ReadingType.choices,
        default=ReadingType.CUMULATIVE,
    )
    unit_of_measure = models.CharField(_("unit of measure"), max_length=10, default="kWh")
    # Heat cost allocators: rating factors of the radiator (UNI EN 834), K = KQ × KC.
    kq = models.DecimalField(
        _("KQ (radiator rating)"), max_digits=10, decimal_places=4, default=Decimal("1")
    )
    kc = models.DecimalField(
        _("KC (coupling)"), max_digits=10, decimal_places=4, default=Decimal("1")
    )
    # Heat cost allocators: rated power of the radiator it sits on (UNI EN 442), in W;
    # the unit's installed power is one of the keys the assembly may choose.
    rated_power_w = models.DecimalField(
        _("radiator rated power (W)"),
        max_digits=9,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
        null=True,
        blank=True,
    )
    # Fuel meters in Sm³: lower calorific value, kWh per Sm³ (natural gas ≈ 9.59).
    calorific_value = models.DecimalField(
        _("calorific value (kWh/Sm³)"),
        max_digits=8,
        decimal_places=4,
        null=True,
        blank=True,
    )
    # A fuel meter's generator (its heat output meter), for the boiler's efficiency.
    feeds = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fuel_meters",
        verbose_name=_("feeds"),
    )
    # Counter value at installation; the first reading's consumption counts from it.
    initial_value = models.FloatField(_("initial value"), null=True, blank=True)
    expected_interval_minutes = models.PositiveIntegerField(
        _("expected interval (minutes)"), default=60
    )
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
    )
    installed_at = models.DateTimeField(_("installed"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # Latest reading (by timestamp), kept by ingestion so that in-order data needs no lookup.
    last_ts = models.DateTimeField(null=True, blank=True, editable=False)
    last_value = models.FloatField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "external_id"]
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "external_id"], name="energy_meter_external_id_per_site"
            ),
        ]
        indexes = [models.Index(fields=["external_id"])]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.get_kind_display()})"

    @property
    def k_factor(self) -> Decimal:
        """Combined rating factor K = KQ × KC of a heat cost allocator."""
        return self.kq * self.kc

    @property
    def is_generator(self) -> bool:
        return self.role == self.Role.GENERATOR


class HeatEmitter(models.Model):
    """A radiator (or other heat emitter) of a unit with no allocator on it, kept for
    the unit's installed power (a unit measured by a heat meter, for instance)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="heat_emitters")
    description = models.CharField(_("description"), max_length=200, blank=True)
    rated_power_w = models.DecimalField(
        _("rated power (W)"),
        max_digits=9,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["unit", "pk"]
        verbose_name = _("heat emitter")
        verbose_name_plural = _("heat emitters")

    def __str__(self) -> str:
        return f"{self.unit} · {self.description or self.pk} ({self.rated_power_w} W)"


class Reading(models.Model):
    """One meter reading; ``delta`` is the consumption since the previous reading."""

    id = models.BigAutoField(primary_key=True)
    # No database foreign key: ingestion resolves every meter itself, and a per-row
    # constraint trigger would cost as much as the insert. Deletion still cascades
    # (Django's collector), as for the rollups. No index of its own either: the unique
    # (meter, ts) key below starts with the meter and serves every lookup by meter.
    meter = models.ForeignKey(
        Meter,
        on_delete=models.CASCADE,
        related_name="readings",
        db_constraint=False,
        db_index=False,
    )
    ts = models.DateTimeField(_("timestamp"))
    value = models.FloatField(_("value"))
    # None for the first reading of a counter with no known initial value.
    delta = models.FloatField(_("consumption"), null=True, blank=True)

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")
        constraints = [
            models.UniqueConstraint(fields=["meter", "ts"], name="energy_reading_meter_ts"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.ts:%Y-%m-%d %H:%M} {self.value}"


class Rollup(models.Model):
    """Consumption of one meter over one bucket; ``samples`` readings fell in it."""

    # Indexed by the unique (meter, bucket) key of each table, which starts with it.
    meter = models.ForeignKey(
        Meter, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    consumption = models.FloatField(default=0)
    samples = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.meter_id} {self.bucket} {self.consumption:.3f}"


class HourlyRollup(Rollup):
    bucket = models.DateTimeField()  # start of the hour, UTC

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meter", "bucket"], name="energy_hourly_meter_bucket")
        ]


class DailyRollup(Rollup):
    bucket = models.DateField()  # local day (Europe/Rome)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meter", "bucket"], name="energy_daily_meter_bucket")
        ]


class MonthlyRollup(Rollup):
    bucket = models.DateField()  # first day of the local month

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meter", "bucket"], name="energy_monthly_meter_bucket")
        ]


class GroupRollup(models.Model):
    """Consumption of a unit, or of the whole site, by meter kind and role.

    ``unit_key`` is the unit's id, or 0 for the whole site (every meter of it, in
    units or not). Allocator units are weighted by the radiator's K at ingestion.
    ``bucket`` is the start of the hour (``h``), of the local day (``d``) or of the
    local month (``m``), so that dashboards read a few rows, never the meters'.
    """

    class Granularity(models.TextChoices):
        HOUR = "h", _("hour")
        DAY = "d", _("day")
        MONTH = "m", _("month")

    # Indexed by the unique key below, which starts with the site.
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    unit_key = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Meter.Kind.choices)
    role = models.CharField(max_length=12, choices=Meter.Role.choices)
    granularity = models.CharField(max_length=1, choices=Granularity.choices)
    bucket = models.DateTimeField()
    consumption = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                # Bucket right after the granularity: every query reads a range of buckets.
                fields=["site", "granularity", "bucket", "unit_key", "kind", "role"],
                name="energy_group_rollup_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.unit_key} {self.kind} {self.granularity} {self.bucket}"


class DailyWeather(models.Model):
    """Mean outdoor temperature of a site's day and its heating degree days."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="weather")
    day = models.DateField(_("day"))
    mean_temperature = models.FloatField(_("mean temperature (°C)"))
    degree_days = models.FloatField(_("degree days"))

    class Meta:
        ordering = ["site", "day"]
        verbose_name = _("daily weather")
        verbose_name_plural = _("daily weather")
        constraints = [
            models.UniqueConstraint(fields=["site", "day"], name="energy_weather_site_day"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} {self.mean_temperature:.1f} °C"


class RejectedReading(models.Model):
    """An input that was not accepted, kept with its reason for review and replay."""

    class Code(models.TextChoices):
        UNKNOWN_METER = "unknown_meter", _("Unknown meter")
        NOT_NUMERIC = "not_numeric", _("Value not numeric")
        NEGATIVE_VALUE = "negative_value", _("Negative value")
        FUTURE_TIMESTAMP = "future_timestamp", _("Timestamp in the future")
        MALFORMED = "malformed", _("Malformed input")

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        REPLAYED = "replayed", _("Replayed")
        DISMISSED = "dismissed", _("Dismissed")

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="rejections"
    )
    gateway = models.ForeignKey(
        Gateway, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who sent it, when a person did: input naming no known site stays visible to them.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=10)  # api, csv, mqtt, replay
    code = models.CharField(_("reason"), max_length=20, choices=Code.choices)
    message = models.CharField(_("message"), max_length=300)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    replayed_at = models.DateTimeField(_("replayed"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("rejected reading")
        verbose_name_plural = _("rejected readings")

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Anomaly(models.Model):
    """Something wrong a rule found in the data, open until it ends or is acknowledged."""

    class Rule(models.TextChoices):
        MISSING_DATA = "missing_data", _("Missing data")
        STUCK_METER = "stuck_meter", _("Stuck meter")
        CONSUMPTION_SPIKE = "consumption_spike", _("Consumption spike")
        NIGHT_BASE_LOAD = "night_base_load", _("Night base load")
        EFFICIENCY_DROP = "efficiency_drop", _("Boiler efficiency drop")
        EMPTY_UNIT_CONSUMPTION = "empty_unit_consumption", _("Consumption in an empty unit")

    class Severity(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="anomalies")
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="anomalies"
    )
    meter = models.ForeignKey(
        Meter, on_delete=models.CASCADE, null=True, blank=True, related_name="anomalies"
    )
    gateway = models.ForeignKey(
        Gateway, on_delete=models.CASCADE, null=True, blank=True, related_name="anomalies"
    )
    rule = models.CharField(_("rule"), max_length=25, choices=Rule.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        indexes = [models.Index(fields=["site", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} · {self.site}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class MonthlyNotice(models.Model):
    """A month's consumption information e-mailed to a unit's resident: at most one
    per unit and month, so that the periodic job can run again without repeating it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="monthly_notices")
    month = models.DateField(_("month"))  # its first day
    recipient = models.EmailField(_("recipient"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-month", "unit"]
        verbose_name = _("monthly consumption notice")
        verbose_name_plural = _("monthly consumption notices")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="energy_monthly_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m} → {self.recipient}"


from distretto.energy.allocation_models import AllocationCost, AllocationRun, UnitAllocation  # noqa: E402,F401
