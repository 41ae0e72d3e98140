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

from distretto.core.formatting import money, quantity
from distretto.energy import statement
from distretto.energy.allocation_models import AllocationRun, UnitAllocation
from distretto.energy.allocation_services import component_labels, ordered_results
from distretto.energy.statement import measure_label


def estimate_text(result: UnitAllocation) -> str:
    if not result.estimated:
        return _("measured")
    if result.estimate_method == "previous_season":
        return _("estimated: previous season corrected by degree days")
    return _("estimated: site average per thousandth of heat requirement")


def euro(amount: Decimal | str | None) -> str:
    return "–" if amount is None else money(amount)


def number(value: Decimal | str | None, places: int = 3) -> str:
    return "–" if value is None else quantity(value, places)


def period_text(run: AllocationRun) -> str:
    return f"{date_format(run.period_start, 'SHORT_DATE_FORMAT')} – " + date_format(
        run.period_end, "SHORT_DATE_FORMAT"
    )


class PdfWriter:
    """A4 pages written top down: labelled lines, wrapped notes, comparison bars; a
    new page starts when one is full."""

    LEFT, RIGHT, BOTTOM = 20 * mm, 190 * mm, 18 * mm

    def __init__(self, title: str) -> None:
        self.buffer = io.BytesIO()
        self.pdf = canvas.Canvas(self.buffer, pagesize=A4)
        self.pdf.setTitle(title)
        self.y = A4[1] - 25 * mm

    def room(self, needed: float) -> None:
        if self.y - needed < self.BOTTOM:
            self.pdf.showPage()
            self.y = A4[1] - 20 * mm

    def heading(self, text: str, size: int = 15) -> None:
        self.room(12 * mm)
        self.pdf.setFont("Helvetica-Bold", size)
        self.pdf.drawString(self.LEFT, self.y, text)

    def line(self, label: str, value: str = "", *, bold: bool = False, gap: float = 6.5) -> None:
        self.room(gap * mm)
        self.y -= gap * mm
        self.pdf.setFont("Helvetica-Bold" if bold else "Helvetica", 10)
        self.pdf.drawString(self.LEFT, self.y, label)
        if value:
            self.pdf.drawRightString(self.RIGHT, self.y, value)

    def note(self, text: str, size: int = 8, width: int = 115) -> None:
        self.y -= 1.5 * mm
        self.pdf.setFont("Helvetica", size)
        for text_line in textwrap.wrap(text, width):
            self.room(4 * mm)
            self.y -= 3.5 * mm * size / 8
            self.pdf.drawString(self.LEFT, self.y, text_line)

    def gap(self, height: float) -> None:
        self.y -= height * mm

    def bars(self, comparison: statement.Comparison) -> None:
        """The comparison chart: the same bars as the page's SVG."""
        top = max((bar.value for bar in comparison.bars), default=Decimal(0)) or Decimal(1)
        width = self.RIGHT - self.LEFT
        for bar in comparison.bars:
            self.room(12 * mm)
            self.y -= 5 * mm
            self.pdf.setFont("Helvetica", 9)
            self.pdf.setFillColorRGB(0.12, 0.16, 0.22)
            self.pdf.drawString(
                self.LEFT, self.y, f"{bar.label}: {quantity(bar.value, 0)} {comparison.measure}"
            )
            self.y -= 5 * mm
            if bar.highlight:
                self.pdf.setFillColorRGB(0.04, 0.36, 0.68)
            else:
                self.pdf.setFillColorRGB(0.42, 0.45, 0.5)
            self.pdf.rect(
                self.LEFT, self.y, float(bar.value / top) * width, 3.5 * mm, stroke=0, fill=1
            )
            self.pdf.setFillColorRGB(0, 0, 0)

    def comparison(self, comparison: statement.Comparison) -> None:
        measure = comparison.measure
        self.line(_("Your consumption compared"), bold=True)
        self.line(_("Consumption"), f"{number(comparison.quantity)} {measure}")
        if comparison.previous_quantity is not None:
            self.line(
                _("Same period, previous season"),
                f"{number(comparison.previous_quantity)} {measure}",
            )
        if comparison.previous_corrected is not None:
            self.line(
                _("Previous season corrected for degree days"),
                f"{number(comparison.previous_corrected)} {measure}",
            )
        self.line(
            _("Degree days (this period / previous)"),
            f"{number(comparison.degree_days, 0)} / {number(comparison.previous_degree_days, 0)}",
        )
        if comparison.change_percent is not None:
            sign = "+" if comparison.change_percent > 0 else ""
            self.line(_("Change"), f"{sign}{quantity(comparison.change_percent, 1)}%")
        if comparison.per_m2 is not None:
            self.line(_("Your consumption per m²"), number(comparison.per_m2, 2))
        if comparison.building_per_m2 is not None:
            self.line(_("Building's average unit per m²"), number(comparison.building_per_m2, 2))
        self.gap(2)
        self.bars(comparison)

    def whom_to_ask(self, lines: list[str], basis: str) -> None:
        self.gap(4)
        self.line(_("Questions and complaints"), bold=True)
        for text in lines:
            self.note(text, size=9, width=100)
        self.note(basis)

    def finish(self) -> bytes:
        self.pdf.showPage()
        self.pdf.save()
        return self.buffer.getvalue()


def statement_pdf(run: AllocationRun, result: UnitAllocation) -> bytes:
    """One unit's statement (prospetto di riparto), with what Allegato 9 asks."""
    facts = statement.statement_facts(run, result)
    out = PdfWriter(f"{run.site.name} · {result.unit.name} · {period_text(run)}")
    out.heading(_("Heating-cost statement"))
    out.line(run.site.name, bold=True, gap=9)
    out.line(result.unit.name)
    out.line(_("Period"), period_text(run))
    status = _("Closed") if run.is_closed else _("Draft, not final")
    out.line(_("Status"), status)
    out.gap(3)
    out.line(_("Method"), bold=True)
    out.note(facts.method, size=9, width=100)
    out.note(_("Legal basis") + ": " + facts.legal_basis)
    out.gap(2)
    out.line(_("Heat-requirement thousandths"), number(result.millesimi_heat), bold=True)
    out.line(_("Reading"), estimate_text(result))
    consumed = f"{number(result.voluntary_quantity)} {measure_label(run)}"
    out.line(_("Voluntary consumption"), consumed)
    out.gap(3)
    out.line(_("Cost component"), _("Amount"), bold=True)
    for name, label in component_labels(run):
        out.line(label, euro(result.components.get(name, "0")), gap=6)
    out.pdf.line(out.LEFT, out.y - 2.5 * mm, out.RIGHT, out.y - 2.5 * mm)
    out.line(_("Fixed part"), euro(facts.fixed_part), gap=8)
    out.line(_("Consumption part"), euro(facts.consumption_part))
    if facts.other_part:
        out.line(_("Other costs"), euro(facts.other_part))
    out.line(_("Total due"), euro(result.total), bold=True)
    if result.previous_total is not None:
        out.line(_("Total, previous season"), euro(result.previous_total))
        out.line(_("Change"), euro(result.total - result.previous_total))
    out.gap(4)
    out.comparison(facts.comparison)
    out.whom_to_ask(facts.whom_to_ask, facts.billing_basis)
    out.note(_("Amounts are rounded to the cent so that all statements add up to the costs."))
    return out.finish()


def site_csv(run: AllocationRun, unit_ids: set[int] | None = None) -> str:
    """Every unit of the run (or those of ``unit_ids``) on one row, each cost component
    in its own column, then the method, its legal basis and the comparisons."""
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
            "method",
            "legal_basis",
            "fixed_part",
            "consumption_part",
            "other_part",
            "previous_quantity_degree_day_corrected",
            "change_percent",
            "quantity_per_m2",
            "building_average_per_m2",
        ]
    )
    for result in ordered_results(run, unit_ids):
        facts = statement.statement_facts(run, result)
        comparison = facts.comparison
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
                facts.method,
                facts.legal_basis,
                f"{facts.fixed_part:.2f}",
                f"{facts.consumption_part:.2f}",
                f"{facts.other_part:.2f}",
                _plain(comparison.previous_corrected),
                _plain(comparison.change_percent),
                _plain(comparison.per_m2),
                _plain(comparison.building_per_m2),
            ]
        )
    return out.getvalue()


def _plain(value: Decimal | None) -> str:
    return "" if value is None else str(value)


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
