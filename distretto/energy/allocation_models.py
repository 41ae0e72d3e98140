"""Stored heating-cost allocations (riparto UNI 10200): runs, their costs, unit results.

A run keeps everything it was computed from (``inputs``, a JSON snapshot of the
readings, factors, thousandths, costs and options) so that it can be recomputed
and checked at any time. A closed run never changes: a correction is a new run
that ``supersedes`` it. The models live in the ``energy`` app (imported from
``energy/models.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from distretto.core.errors import Conflict
from distretto.energy.models import Site, Unit


class AllocationRun(models.Model):
    """One allocation of a site's heating costs over an accounting period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CLOSED = "closed", _("Closed")

    class InvoluntaryMethod(models.TextChoices):
        MEASURED = "measured", _("Measured (generator minus unit meters)")
        SHARE = "share", _("Share from the technical report")
        ASSEMBLY = "assembly", _("Assembly's key (D.Lgs. 73/2020)")
        COMPENSATION = "compensation", _("Compensation, before 29 July 2020 (historical)")

    class FixedKey(models.TextChoices):
        HEAT_THOUSANDTHS = "heat_thousandths", _("heat-requirement thousandths")
        PROPERTY_THOUSANDTHS = "property_thousandths", _("property thousandths")
        AREA = "area_m2", _("useful floor area (m²)")
        VOLUME = "volume_m3", _("useful heated volume (m³)")
        INSTALLED_POWER = "installed_power", _("installed radiator power")

    class EstimateMethod(models.TextChoices):
        PREVIOUS_SEASON = "previous_season", _("Previous season corrected by degree days")
        AVERAGE = "average_per_thousandth", _("Site average per thousandth")

    class Measure(models.TextChoices):
        HEAT_METERS = "heat_meters", _("Unit heat meters (kWh)")
        ALLOCATORS = "allocators", _("Heat cost allocators")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="allocation_runs")
    # The accounting period, both days included (usually a heating season).
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to (included)"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    measure = models.CharField(_("measure"), max_length=12, choices=Measure.choices)
    involuntary_method = models.CharField(
        _("involuntary consumption"), max_length=12, choices=InvoluntaryMethod.choices
    )
    involuntary_share = models.DecimalField(_("involuntary share"), max_digits=7, decimal_places=6)
    # The assembly method's key for the fixed part (empty: heat thousandths).
    fixed_key = models.CharField(
        _("key of the fixed part"), max_length=24, choices=FixedKey.choices, blank=True
    )
    involuntary_kwh = models.DecimalField(
        _("involuntary heat (kWh)"), max_digits=14, decimal_places=3, null=True, blank=True
    )
    estimate_method = models.CharField(
        _("estimate method"), max_length=24, choices=EstimateMethod.choices
    )
    fuel_cost = models.DecimalField(_("fuel cost (EUR)"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total (EUR)"), max_digits=12, decimal_places=2)
    degree_days = models.DecimalField(
        _("degree days"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    previous_degree_days = models.DecimalField(
        _("previous season's degree days"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    # Everything the allocation was computed from (allocation_services.snapshot).
    inputs = models.JSONField(_("inputs"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("heating-cost allocation")
        verbose_name_plural = _("heating-cost allocations")
        indexes = [models.Index(fields=["site", "period_end"])]

    def __str__(self) -> str:
        return f"{self.site} {self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y}"

    def save(self, *args, **kwargs) -> None:
        # A closed run is a document people were billed with: it never changes.
        if self.pk and AllocationRun.objects.filter(pk=self.pk, status="closed").exists():
            raise Conflict(
                gettext("This allocation is closed: make a correction instead."), code="closed"
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if AllocationRun.objects.filter(pk=self.pk, status="closed").exists():
            raise Conflict(
                gettext("This allocation is closed: make a correction instead."), code="closed"
            )
        return super().delete(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class AllocationCost(models.Model):
    """A cost split by the run: the fuel, or another cost with its allocation key."""

    class Key(models.TextChoices):
        FUEL = "fuel", _("Fuel (involuntary by thousandths, voluntary by consumption)")
        AS_FUEL = "as_fuel", _("Like the fuel")
        CONSUMPTION = "consumption", _("By consumption")
        HEAT_THOUSANDTHS = "heat_thousandths", _("By heat-requirement thousandths")
        PROPERTY_THOUSANDTHS = "property_thousandths", _("By property thousandths")
        PER_UNIT = "per_unit", _("Equal parts per unit")

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="costs")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=40)
    label = models.CharField(_("description"), max_length=120, blank=True)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=12, decimal_places=2)
    key = models.CharField(_("allocation key"), max_length=24, choices=Key.choices)

    class Meta:
        ordering = ["run", "position"]
        verbose_name = _("allocated cost")
        verbose_name_plural = _("allocated costs")
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="energy_allocation_cost_name"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.name}: {self.amount}"


class UnitAllocation(models.Model):
    """One unit's statement in a run: its quantities and what it pays, part by part."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="allocations")
    millesimi_heat = models.DecimalField(
        _("heat-requirement thousandths"), max_digits=8, decimal_places=3
    )
    estimated = models.BooleanField(_("estimated"), default=False)
    estimate_method = models.CharField(_("estimate method"), max_length=24, blank=True)
    # kWh or K-weighted allocator units, as the run's ``measure``.
    voluntary_quantity = models.DecimalField(
        _("voluntary quantity"), max_digits=16, decimal_places=3
    )
    # Cost component name -> amount in EUR (a 2-decimal string).
    components = models.JSONField(_("components"))
    total = models.DecimalField(_("total (EUR)"), max_digits=12, decimal_places=2)
    previous_quantity = models.DecimalField(
        _("previous season's quantity"), max_digits=16, decimal_places=3, null=True, blank=True
    )
    previous_total = models.DecimalField(
        _("previous season's total (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["run", "unit__name"]
        verbose_name = _("unit statement")
        verbose_name_plural = _("unit statements")
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="energy_allocation_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} · {self.unit_id}: {self.total}"
