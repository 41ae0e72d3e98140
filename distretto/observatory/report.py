"""The monthly PDF report of a chamber (reportlab): a cover, the key indicators with
their change on the previous month and on the same month a year before, charts of
the last twelve months, the districts' table and notes on what is estimated.

Made by ``distretto observatory-report`` (or the page's button) from the stored
monthly values, and kept as a ``MonthlyReport`` to download."""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from distretto.core.errors import Invalid
from distretto.observatory import indicators as ind
from distretto.observatory import services
from distretto.observatory.compute import add_months
from distretto.observatory.models import MonthlyReport
from distretto.territory.models import Chamber, District

ACCENT = colors.HexColor("#0b6e4f")
# A change's colour by what it means for the indicator (as on the page).
TONE_COLOURS = {"good": colors.HexColor("#0b6e4f"), "bad": colors.HexColor("#9b2c1a")}
CHART_CODES = [
    "cards_active",
    "purchases_eur",
    "checkins",
    "services_delivered",
    "plays",
    "energy_heat_per_m2_dd",
]
TABLE_CODES = ["cards_active", "purchases_eur", "checkins", "services_delivered", "plays"]


def pdf_text(text: str) -> str:
    """Text the standard PDF fonts can draw (no subscript digits)."""
    return str(text).replace("₂", "2")


def month_name(month: date) -> str:
    return formats.date_format(month, "F Y")


def _styles() -> dict:
    sheet = getSampleStyleSheet()
    return {
        "title": ParagraphStyle(
            "t", parent=sheet["Title"], textColor=ACCENT, fontSize=26, leading=32
        ),
        "subtitle": ParagraphStyle("s", parent=sheet["Heading2"], fontSize=16),
        "h2": ParagraphStyle("h2", parent=sheet["Heading2"], textColor=ACCENT),
        "body": sheet["BodyText"],
        "small": ParagraphStyle("small", parent=sheet["BodyText"], fontSize=8, leading=10),
    }


def _chart(title: str, labels: list[str], points: list[float | None]) -> Drawing:
    drawing = Drawing(85 * mm, 55 * mm)
    drawing.add(String(2 * mm, 50 * mm, pdf_text(title), fontSize=9, fontName="Helvetica-Bold"))
    known = [p for p in points if p is not None]
    if not known:
        drawing.add(String(2 * mm, 25 * mm, _("No data in these months."), fontSize=8))
        return drawing
    chart = HorizontalLineChart()
    chart.x, chart.y = 14 * mm, 8 * mm
    chart.width, chart.height = 68 * mm, 38 * mm
    chart.data = [[p if p is not None else 0 for p in points]]
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = min(0, min(known))
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.labelTextFormat = lambda v: services.shown(v, 0)
    chart.lines[0].strokeColor = ACCENT
    chart.lines[0].strokeWidth = 1.5
    drawing.add(chart)
    return drawing


def build(chamber: Chamber, month: date, language: str = "it") -> bytes:
    """The PDF of ``chamber``'s ``month`` in ``language``."""
    with translation.override(language):
        return _build(chamber, month, language)


def _build(chamber: Chamber, month: date, language: str) -> bytes:
    styles = _styles()
    areas = services.key_figures(chamber, None, month)
    if not any(item["value"] is not None for area in areas for item in area["items"]):
        raise Invalid(
            _("No figures are stored for %(month)s: refresh the observatory first.")
            % {"month": month_name(month)},
            field="month",
        )
    story: list = [
        Spacer(1, 50 * mm),
        Paragraph(escape(_("Observatory of the districts")), styles["title"]),
        Paragraph(escape(chamber.name), styles["subtitle"]),
        Paragraph(
            escape(_("Monthly report · %(month)s") % {"month": month_name(month)}),
            styles["subtitle"],
        ),
        Spacer(1, 20 * mm),
        Paragraph(
            escape(
                _("Generated on %(day)s from the monthly values of every module.")
                % {"day": formats.date_format(timezone.localdate(), "j F Y")}
            ),
            styles["body"],
        ),
        PageBreak(),
        Paragraph(escape(_("Key indicators")), styles["h2"]),
    ]
    header = [_("Indicator"), _("Value"), _("Unit"), _("vs previous month"), _("vs a year before")]
    rows = [header]
    tones: list[tuple[int, int, str]] = []  # (column, row, tone) of the changes
    for area in areas:
        rows.append(
            [area["name_en"] if language.startswith("en") else area["name_it"], "", "", "", ""]
        )
        for item in area["items"]:
            indicator = item["indicator"]
            if item["value"] is None and item["vs_year"] is None:
                continue
            rows.append(
                [
                    Paragraph(
                        escape(pdf_text(indicator.name(language)))
                        + (" *" if indicator.estimate else ""),
                        styles["small"],
                    ),
                    services.shown(item["value"], indicator.decimals),
                    pdf_text(indicator.unit_in(language)),
                    services.signed(item["vs_month"]),
                    services.signed(item["vs_year"]),
                ]
            )
            tones += [
                (3, len(rows) - 1, item["vs_month_tone"]),
                (4, len(rows) - 1, item["vs_year_tone"]),
            ]
    table = Table(rows, colWidths=[70 * mm, 30 * mm, 22 * mm, 27 * mm, 27 * mm], repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for index, row in enumerate(rows[1:], start=1):
        if row[1] == "" and row[2] == "":
            style += [
                ("FONT", (0, index), (-1, index), "Helvetica-Bold", 9),
                ("BACKGROUND", (0, index), (-1, index), colors.HexColor("#e3f1ea")),
            ]
    style += [
        ("TEXTCOLOR", (column, row), (column, row), TONE_COLOURS[tone])
        for column, row, tone in tones
        if tone in TONE_COLOURS
    ]
    table.setStyle(TableStyle(style))
    story += [table, Paragraph(escape(_("* estimate: see the notes.")), styles["small"])]
    story += [PageBreak(), Paragraph(escape(_("The last twelve months")), styles["h2"])]
    months = [add_months(month, -n) for n in range(11, -1, -1)]
    found = services.values(chamber, None, months, CHART_CODES)
    labels = [f"{m:%m/%y}" for m in months]
    charts = [
        _chart(
            f"{ind.get(code).name(language)} ({ind.get(code).unit_in(language)})",
            labels,
            services.series(found.get(code, {}), months),
        )
        for code in CHART_CODES
    ]
    grid = Table([charts[i : i + 2] for i in range(0, len(charts), 2)])
    story += [grid, PageBreak(), Paragraph(escape(_("Districts")), styles["h2"])]
    story.append(_district_table(chamber, month, language, styles))
    story += [Spacer(1, 8 * mm), KeepTogether(_notes(language, styles))]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{_('Observatory of the districts')} — {chamber.name} — {month:%Y-%m}",
        author=chamber.name,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
    )
    document.build(story)
    return buffer.getvalue()


def _district_table(chamber: Chamber, month: date, language: str, styles: dict) -> Table:
    districts = list(District.objects.filter(chamber=chamber, active=True).order_by("name"))
    header = [_("District")] + [
        Paragraph(escape(pdf_text(ind.get(code).name(language))), styles["small"])
        for code in TABLE_CODES
    ]
    rows = [header]
    for row in services.comparison(districts, month, TABLE_CODES):
        rows.append(
            [Paragraph(escape(row["district"].name), styles["small"])]
            + [
                services.shown(value, ind.get(code).decimals)
                for value, code in zip(row["values"], TABLE_CODES, strict=True)
            ]
        )
    if len(rows) == 1:
        rows.append([_("No district."), "", "", "", "", ""])
    table = Table(rows, colWidths=[50 * mm] + [26 * mm] * len(TABLE_CODES), repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _notes(language: str, styles: dict) -> list:
    notes = [Paragraph(escape(_("Notes on what is estimated")), styles["h2"])]
    for indicator in ind.INDICATORS:
        if indicator.estimate:
            notes.append(
                Paragraph(
                    f"<b>{escape(pdf_text(indicator.name(language)))}</b>: "
                    f"{escape(pdf_text(indicator.formula(language)))}",
                    styles["small"],
                )
            )
    notes.append(
        Paragraph(
            escape(
                _(
                    "Energy savings compare each site's heat with the same month a year "
                    "before at equal degree days; gas and CO2 factors: ISPRA national "
                    "standard parameters (natural gas %(gj)s GJ per 1000 Sm3, %(ef)s t CO2/TJ); "
                    "price: ARERA reference price of May 2024 (%(price)s euro per Sm3); "
                    "boiler efficiency assumed %(eff)s."
                )
                % {
                    "gj": services.shown(ind.GAS_GJ_PER_1000_SMC, 3),
                    "ef": services.shown(ind.GAS_T_CO2_PER_TJ, 3),
                    "price": services.shown(ind.GAS_EUR_PER_SMC, 4),
                    "eff": services.shown(ind.BOILER_EFFICIENCY, 2),
                }
            ),
            styles["small"],
        )
    )
    notes.append(
        Paragraph(
            escape(
                _(
                    "This report is for the chamber's council and shows every value; the "
                    "open data leave out values resting on fewer than %(n)d people or shops."
                )
                % {"n": ind.SMALL_COUNT}
            ),
            styles["small"],
        )
    )
    return notes


def store(chamber: Chamber, month: date, language: str = "it") -> MonthlyReport:
    """Build the report of ``month`` and keep it (replacing an older one)."""
    language = "en" if (language or "").startswith("en") else "it"
    pdf = build(chamber, month, language)
    stored, _created = MonthlyReport.objects.update_or_create(
        chamber=chamber,
        month=month,
        language=language,
        defaults={"pdf": pdf, "generated_at": timezone.now()},
    )
    return stored
