"""Monthly aggregates of every indicator, per district and per chamber, and the
monthly reports. Both are computed (``compute.py``, ``report.py``), never typed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from distretto.territory.models import Chamber, District


class MonthlyValue(models.Model):
    """One indicator of one month, for a district or (``district`` empty) its chamber.

    ``part`` splits an indicator (service type, project axis); empty is the whole.
    ``numerator`` and ``denominator`` are kept so that a chamber's ratio is the
    ratio of its districts' sums; ``basis`` is how many people or shops stand behind
    the value (null: public things, never suppressed).
    """

    chamber = models.ForeignKey(Chamber, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    month = models.DateField(_("month"))  # its first day
    indicator = models.CharField(_("indicator"), max_length=40)
    part = models.CharField(_("part"), max_length=40, blank=True)
    value = models.FloatField(_("value"), null=True)
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)
    basis = models.IntegerField(null=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["month", "indicator", "part"]
        verbose_name = _("monthly value")
        verbose_name_plural = _("monthly values")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "month", "indicator", "part"],
                condition=Q(district__isnull=False),
                name="observatory_district_value_once",
            ),
            models.UniqueConstraint(
                fields=["chamber", "month", "indicator", "part"],
                condition=Q(district__isnull=True),
                name="observatory_chamber_value_once",
            ),
        ]
        indexes = [
            models.Index(fields=["chamber", "month"], name="observatory_chamber_month"),
            models.Index(fields=["indicator", "month"], name="observatory_indicator_month"),
        ]

    def __str__(self) -> str:
        where = self.district_id or f"chamber {self.chamber_id}"
        return f"{self.indicator} {self.month:%Y-%m} {where}: {self.value}"


class MonthlyReport(models.Model):
    """The PDF report of a chamber's month (``distretto observatory-report``)."""

    chamber = models.ForeignKey(Chamber, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))
    pdf = models.BinaryField(_("PDF"))
    language = models.CharField(_("language"), max_length=8, default="it")
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        ordering = ["-month", "chamber"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["chamber", "month", "language"], name="observatory_report_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.chamber} {self.month:%Y-%m}"
