"""The monthly consumption information of a unit as a PDF (page, e-mail attachment)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from distretto.core.formatting import quantity
from distretto.energy import allocation_law
from distretto.energy.allocation_pdf import PdfWriter
from distretto.energy.monthly import MonthlyInformation, month_label


def _value(value) -> str:
    return "–" if value is None else quantity(value, 0)


def monthly_pdf(info: MonthlyInformation) -> bytes:
    """The month's figures and comparisons, every month of the season, the chart."""
    unit = info.unit
    out = PdfWriter(f"{unit.site.name} · {unit.name} · {month_label(info.month)}")
    out.heading(_("Monthly heating consumption"))
    out.line(unit.site.name, bold=True, gap=9)
    out.line(unit.name)
    out.line(_("Month"), month_label(info.month))
    out.line(_("Measure"), info.measure)
    out.gap(3)
    out.comparison(info.current.comparison)
    out.gap(4)
    out.line(_("Month by month"), bold=True)
    out.line(_("Month"), _("this year / last year (corrected)"), bold=True, gap=6)
    for line in info.months:
        comparison = line.comparison
        previous = comparison.previous_corrected
        if previous is None:
            previous = comparison.previous_quantity
        out.line(
            month_label(line.month),
            f"{_value(comparison.quantity)} / {_value(previous)}",
            gap=5.5,
        )
    out.gap(3)
    out.line(_("Season so far"), f"{_value(info.season.quantity)} {info.measure}", bold=True)
    out.whom_to_ask(allocation_law.whom_to_ask(), allocation_law.billing_information_basis())
    return out.finish()
