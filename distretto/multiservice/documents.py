"""PDFs the multiservice app hands out: the check-up report for the shopkeeper and the
training completion certificate (reportlab, no system libraries)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from distretto.core.formatting import quantity
from distretto.multiservice import scoring
from distretto.multiservice.models import Checkup, CheckupResult, Enrolment, TrainingModule
from distretto.multiservice.questionnaire import QUESTIONS, STEPS

VERDICT_COLOURS = {
    "feasible": colors.HexColor("#0b6e4f"),
    "feasible_with_conditions": colors.HexColor("#e0a100"),
    "not_feasible": colors.HexColor("#c0392b"),
}


def answer_text(key: str, value: object, service_labels: dict | None = None) -> str:
    """An answer as a person reads it: labels for choices and services, yes/no, units."""
    question = QUESTIONS[key]
    if value is None or value == "" or value == []:
        return "–"
    if question.kind == "bool":
        return _("yes") if value else _("no")
    if question.kind == "choice":
        return str(dict(question.choices).get(value, value))
    if question.kind == "multi":
        labels = dict(question.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if question.kind == "services":
        return ", ".join(str((service_labels or {}).get(code, code)) for code in value)
    number = formats.number_format(value, use_l10n=True)
    return f"{number} {question.unit}".strip()


def _chart(dimension_scores: dict) -> Drawing:
    names = list(dimension_scores)
    drawing = Drawing(170 * mm, 12 * mm + 9 * mm * len(names))
    chart = HorizontalBarChart()
    chart.x, chart.y = 55 * mm, 8 * mm
    chart.width, chart.height = 105 * mm, 9 * mm * len(names)
    # reportlab draws the first category at the bottom: reverse to read top-down.
    chart.data = [[float(dimension_scores[n]) for n in reversed(names)]]
    chart.categoryAxis.categoryNames = [scoring.dimension_label(n) for n in reversed(names)]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 9
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontSize = 8
    chart.bars[0].fillColor = colors.HexColor("#1f5fa8")
    chart.barLabelFormat = lambda value: quantity(value, 1)
    chart.barLabels.fontSize = 8
    chart.barLabels.nudge = 10
    drawing.add(chart)
    drawing.add(String(55 * mm, 1 * mm, _("Score 0–100 per dimension"), fontSize=7))
    return drawing


def checkup_report(
    checkup: Checkup,
    result: CheckupResult,
    modules: dict[str, TrainingModule],
    history: list[dict],
    recommendations: list[str],
    service_labels: dict | None = None,
) -> bytes:
    """The shopkeeper's report: answers, scores with a chart, verdict, recommendations,
    training plan, assessor and date, and the shop's earlier check-ups."""
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=10.5)
    buffer = io.BytesIO()
    business = checkup.business
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{_('Feasibility check-up')} · {business.name}",
        author=str(checkup.assessor.get_full_name() or checkup.assessor.get_username()),
    )
    submitted = timezone.localtime(checkup.submitted_at or checkup.created_at)
    verdict = str(scoring.VERDICT_LABELS.get(result.verdict, result.verdict))
    assessor = checkup.assessor.get_full_name() or checkup.assessor.get_username()
    story: list = [
        Paragraph(_("Multiservice shop feasibility check-up"), styles["Title"]),
        Paragraph(f"<b>{escape(business.name)}</b>", styles["Heading2"]),
        Paragraph(
            escape(
                f"{business.address or ''} {business.comune.name if business.comune else ''}"
            ).strip()
            or "–",
            body,
        ),
        Paragraph(
            escape(
                _("Assessor: %(name)s · date: %(date)s · scoring model version %(version)s")
                % {
                    "name": assessor,
                    "date": formats.date_format(submitted.date(), "SHORT_DATE_FORMAT"),
                    "version": result.scoring_model.version,
                }
            ),
            body,
        ),
        Spacer(1, 4 * mm),
    ]
    verdict_style = ParagraphStyle(
        "verdict",
        parent=styles["Heading1"],
        textColor=VERDICT_COLOURS.get(result.verdict, colors.black),
        alignment=TA_CENTER,
    )
    story += [
        Paragraph(escape(f"{_('Verdict')}: {verdict}"), verdict_style),
        Paragraph(
            escape(_("Overall score: %(score)s / 100") % {"score": quantity(result.score, 1)}),
            ParagraphStyle("score", parent=body, alignment=TA_CENTER, fontSize=12),
        ),
        Spacer(1, 3 * mm),
        Paragraph(_("Scores by dimension"), styles["Heading3"]),
        _chart(result.dimension_scores),
        Paragraph(_("Recommendations"), styles["Heading3"]),
    ]
    for text in recommendations or [_("No specific recommendation.")]:
        story.append(Paragraph(f"• {escape(text)}", body))
    story.append(Paragraph(_("Training plan"), styles["Heading3"]))
    if result.training_modules:
        rows = [[_("Module"), _("Topic"), _("Hours")]]
        for code in result.training_modules:
            module = modules.get(code)
            if module is None:
                rows.append([code, "", ""])
            else:
                rows.append(
                    [
                        Paragraph(escape(module.title), small),
                        module.get_topic_display(),
                        quantity(module.hours),
                    ]
                )
        story.append(_table(rows, [100 * mm, 50 * mm, 20 * mm]))
    else:
        story.append(Paragraph(_("No training module is needed."), body))
    if len(history) > 1:
        story.append(Paragraph(_("Check-ups of this shop over time"), styles["Heading3"]))
        rows = [[_("Date"), _("Score"), _("Change"), _("Verdict")]]
        for row in history:
            rows.append(
                [
                    formats.date_format(
                        timezone.localtime(row["submitted_at"]).date(), "SHORT_DATE_FORMAT"
                    ),
                    quantity(row["score"], 1),
                    quantity(row["change"], 1) if row["change"] else "",
                    str(scoring.VERDICT_LABELS.get(row["verdict"], row["verdict"])),
                ]
            )
        story.append(_table(rows, [40 * mm, 25 * mm, 25 * mm, 80 * mm]))
    story.append(Paragraph(_("Answers"), styles["Heading3"]))
    for step in STEPS:
        rows = [
            [
                Paragraph(escape(str(q.label)), small),
                answer_text(q.key, checkup.answers.get(q.key), service_labels),
            ]
            for q in step.questions
        ]
        story.append(Paragraph(f"<b>{escape(str(step.title))}</b>", small))
        story.append(_table(rows, [105 * mm, 65 * mm], header=False))
        story.append(Spacer(1, 2 * mm))
    doc.build(story)
    return buffer.getvalue()


def _table(rows: list, widths: list, *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0bec5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        style += [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eceff1")),
        ]
    table.setStyle(TableStyle(style))
    return table


def certificate(enrolment: Enrolment, hours: object) -> bytes:
    """A one-page completion certificate with its verification code."""
    styles = getSampleStyleSheet()
    centred = ParagraphStyle("centred", parent=styles["BodyText"], alignment=TA_CENTER, fontSize=13)
    big = ParagraphStyle("big", parent=styles["Title"], fontSize=26, leading=32)
    module = enrolment.edition.module
    edition = enrolment.edition
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        topMargin=25 * mm,
        title=f"{_('Certificate')} {enrolment.certificate_code}",
    )
    chamber = edition.district.chamber.name
    story = [
        Paragraph(escape(chamber), centred),
        Spacer(1, 8 * mm),
        Paragraph(_("Certificate of completion"), big),
        Spacer(1, 6 * mm),
        Paragraph(_("This certifies that"), centred),
        Paragraph(f"<b>{escape(enrolment.participant)}</b>", styles["Title"]),
        Paragraph(escape(_("of %(shop)s") % {"shop": enrolment.business.name}), centred),
        Spacer(1, 4 * mm),
        Paragraph(_("completed the training module"), centred),
        Paragraph(f"<b>{escape(module.title)}</b>", styles["Heading1"]),
        Paragraph(
            escape(
                _("%(topic)s · %(hours)s hours attended · %(start)s – %(end)s")
                % {
                    "topic": module.get_topic_display(),
                    "hours": quantity(hours),
                    "start": formats.date_format(edition.starts_on, "SHORT_DATE_FORMAT"),
                    "end": formats.date_format(edition.ends_on, "SHORT_DATE_FORMAT"),
                }
            ),
            centred,
        ),
        Spacer(1, 10 * mm),
        Paragraph(
            escape(
                _("Completed on %(date)s · certificate %(code)s")
                % {
                    "date": formats.date_format(enrolment.completed_on, "SHORT_DATE_FORMAT"),
                    "code": enrolment.certificate_code,
                }
            ),
            centred,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
