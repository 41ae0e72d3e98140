"""Documents of an allocation run: a PDF statement per unit, a CSV for the whole site,
and both together in a ZIP."""

from __future__ import annotations

import csv
import io
import textwrap
import zipfile
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from distretto.energy.allocation_models import AllocationRun, UnitAllocation
from distretto.energy.allocation_services import component_labels, ordered_results


def measure_label(run: AllocationRun) -> str:
    return _("kWh") if run.measure == "heat_meters" else _("allocator units (× KQ × KC)")


def estimate_text(result: UnitAllocation) -> str:
    if not result.estimated:
        return _("measured")
    if result.estimate_method == "previous_season":
        return _("estimated: previous season corrected by degree days")
    return _("estimated: site average per thousandth of heat requirement")


def euro(amount: Decimal | str | None) -> str:
    if amount is None:
        return "–"
    return f"€ {Decimal(amount):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def number(value: Decimal | str | None, places: int = 3) -> str:
    if value is None:
        return "–"
    text = f"{Decimal(value):,.{places}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def period_text(run: AllocationRun) -> str:
    return f"{date_format(run.period_start, 'SHORT_DATE_FORMAT')} – " + date_format(
        run.period_end, "SHORT_DATE_FORMAT"
    )


def statement_pdf(run: AllocationRun, result: UnitAllocation) -> bytes:
    """One unit's statement (prospetto di riparto): one A4 page."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{run.site.name} · {result.unit.name} · {period_text(run)}")
    left, right = 20 * mm, 190 * mm
    y = A4[1] - 25 * mm

    def line(label: str, value: str = "", *, bold: bool = False, gap: float = 6.5) -> None:
        nonlocal y
        y -= gap * mm
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", 10)
        pdf.drawString(left, y, label)
        if value:
            pdf.drawRightString(right, y, value)

    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(left, y, _("Heating-cost statement (UNI 10200)"))
    line(run.site.name, bold=True, gap=9)
    line(result.unit.name)
    line(_("Period"), period_text(run))
    status = _("Closed") if run.is_closed else _("Draft, not final")
    line(_("Status"), status)
    y -= 3 * mm
    line(_("Heat-requirement thousandths"), number(result.millesimi_heat), bold=True)
    line(_("Reading"), estimate_text(result))
    line(_("Voluntary consumption"), f"{number(result.voluntary_quantity)} {measure_label(run)}")
    y -= 3 * mm
    line(_("Cost component"), _("Amount"), bold=True)
    for name, label in component_labels(run):
        line(label, euro(result.components.get(name, "0")), gap=6)
    pdf.line(left, y - 2.5 * mm, right, y - 2.5 * mm)
    line(_("Total due"), euro(result.total), bold=True, gap=8)
    y -= 4 * mm
    line(_("Compared with the previous season"), bold=True)
    previous = result.previous_quantity
    line(
        _("Voluntary consumption, previous season"),
        "–" if previous is None else f"{number(previous)} {measure_label(run)}",
    )
    line(_("Total, previous season"), euro(result.previous_total))
    if result.previous_total is not None:
        line(_("Change"), euro(result.total - result.previous_total))
    line(
        _("Degree days (this season / previous)"),
        f"{number(run.degree_days, 0)} / {number(run.previous_degree_days, 0)}",
    )
    y -= 6 * mm
    pdf.setFont("Helvetica", 8)
    notes = [
        _(
            "Involuntary consumption (network losses) is split by heat-requirement "
            "thousandths, voluntary consumption by what each unit measured (D.Lgs. 102/2014 "
            "art. 9, UNI 10200)."
        ),
        _("Amounts are rounded to the cent so that all statements add up to the costs."),
    ]
    for note in notes:
        y -= 1.5 * mm
        for text_line in textwrap.wrap(note, 115):
            y -= 3.5 * mm
            pdf.drawString(left, y, text_line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def site_csv(run: AllocationRun) -> str:
    """Every unit of the run on one row, each cost component in its own column."""
    labels = component_labels(run)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "unit_id",
            "unit",
            "millesimi_heat",
            "estimated",
            "estimate_method",
            "voluntary_quantity",
            *(name for name, _label in labels),
            "total",
            "previous_quantity",
            "previous_total",
        ]
    )
    for result in ordered_results(run):
        writer.writerow(
            [
                result.unit_id,
                result.unit.name,
                result.millesimi_heat,
                "yes" if result.estimated else "no",
                result.estimate_method,
                result.voluntary_quantity,
                *(result.components.get(name, "0.00") for name, _label in labels),
                f"{result.total:.2f}",
                "" if result.previous_quantity is None else result.previous_quantity,
                "" if result.previous_total is None else f"{result.previous_total:.2f}",
            ]
        )
    return out.getvalue()


def statement_filename(result: UnitAllocation) -> str:
    return f"riparto-{result.run_id}-{slugify(result.unit.name) or result.unit_id}.pdf"


def statements_zip(run: AllocationRun, unit_ids: set[int] | None = None) -> bytes:
    """A PDF per unit (those in ``unit_ids``, or all) and, for all units, the site CSV."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for result in ordered_results(run, unit_ids):
            archive.writestr(statement_filename(result), statement_pdf(run, result))
        if unit_ids is None:
            archive.writestr(f"riparto-{run.pk}.csv", site_csv(run))
    return buffer.getvalue()
