"""Files the loyalty app hands out: statements (CSV, PDF), card batches (CSV, QR sheet)
and the programme's rules document (regolamento)."""

from __future__ import annotations

import csv
import io
from datetime import date

import qrcode
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from distretto.core.formatting import quantity
from distretto.loyalty.cardnumbers import printed
from distretto.loyalty.models import Program

STATEMENT_FIELDS = [
    ("points_issued", gettext_noop("Points issued")),
    ("points_redeemed", gettext_noop("Points redeemed")),
    ("bonus_points", gettext_noop("Bonus points paid by the district")),
    ("amount_due", gettext_noop("Amount due to the district (EUR)")),
    ("amount_credited", gettext_noop("Amount credited (EUR)")),
    ("net", gettext_noop("Net (EUR)")),
]


MONEY_FIELDS = {"amount_due", "amount_credited", "net"}


def period_label(period: str) -> str:
    """``2026-05`` → ``maggio 2026`` in the active language."""
    try:
        return date_format(date.fromisoformat(f"{period}-01"), "F Y")
    except ValueError:
        return period


def statement_csv(program: Program, row: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["programme", "business", "period", *(name for name, _l in STATEMENT_FIELDS)])
    writer.writerow(
        [program.name, row["business_name"], row["period"], *(row[n] for n, _l in STATEMENT_FIELDS)]
    )
    return out.getvalue()


def statement_pdf(program: Program, row: dict, *, closed: bool) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{program.name} {row['period']} {row['business_name']}")
    y = A4[1] - 30 * mm
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(20 * mm, y, _("Settlement statement"))
    pdf.setFont("Helvetica", 11)
    for line in (
        f"{program.name} · {program.district.name}",
        f"{row['business_name']} · {period_label(row['period'])}",
        _("Closed period") if closed else _("Provisional (period not closed)"),
    ):
        y -= 8 * mm
        pdf.drawString(20 * mm, y, line)
    y -= 6 * mm
    for name, label in STATEMENT_FIELDS:
        y -= 8 * mm
        pdf.drawString(20 * mm, y, _(label))
        places = 2 if name in MONEY_FIELDS else 0
        pdf.drawRightString(180 * mm, y, quantity(row[name], places))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def batch_csv(cards: list[tuple[str, str]], wallet_url: str) -> str:
    """``cards``: (number, raw token) pairs; ``wallet_url``: with ``{token}``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["number", "printed", "wallet_url"])
    for number, token in cards:
        writer.writerow([number, printed(number), wallet_url.format(token=token)])
    return out.getvalue()


def _qr_image(text: str) -> ImageReader:
    image = qrcode.make(text, border=1)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return ImageReader(buffer)


def batch_pdf(program: Program, cards: list[tuple[str, str]], wallet_url: str) -> bytes:
    """A printable A4 sheet, ten cards a page: QR of the wallet link and the number."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(program.name)
    width, height = 85 * mm, 54 * mm  # ID-1 card size
    for index, (number, token) in enumerate(cards):
        slot = index % 10
        if index and slot == 0:
            pdf.showPage()
        x = 15 * mm + (slot % 2) * (width + 10 * mm)
        y = A4[1] - 15 * mm - (slot // 2 + 1) * height
        pdf.rect(x, y, width, height)
        pdf.drawImage(
            _qr_image(wallet_url.format(token=token)), x + 4 * mm, y + 8 * mm, 38 * mm, 38 * mm
        )
        pdf.setFont("Helvetica-Bold", 10)
        pdf.drawString(x + 45 * mm, y + 40 * mm, program.name[:30])
        pdf.setFont("Courier-Bold", 12)
        pdf.drawString(x + 45 * mm, y + 12 * mm, printed(number))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def card_qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text, border=2).save(buffer, format="PNG")
    return buffer.getvalue()


def rules_pdf(program: Program) -> bytes:
    """The regolamento with the data an operazione a premio must keep."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(program.name)
    y = A4[1] - 25 * mm

    def line(text: str, font: str = "Helvetica", size: int = 10) -> None:
        nonlocal y
        if y < 20 * mm:
            pdf.showPage()
            y = A4[1] - 25 * mm
        pdf.setFont(font, size)
        pdf.drawString(20 * mm, y, text[:110])
        y -= 6 * mm

    line(_("Rules of the prize promotion"), "Helvetica-Bold", 14)
    line(program.name, "Helvetica-Bold", 12)
    never = _("never")

    def day(value) -> str:
        return date_format(value, "j F Y") if value else "-"

    duration = f"{day(program.starts_on)} – {day(program.ends_on)}"
    for label, value in (
        (_("Promoter"), program.promoter),
        (_("Duration"), duration),
        (_("Area"), program.area or program.district.name),
        (_("Point value (EUR)"), quantity(program.point_value)),
        (_("Points per euro"), quantity(program.earn_rate)),
        (_("Points expire after (months)"), program.expiry_months or never),
        (
            _("Guarantee (EUR)"),
            "-" if program.guarantee is None else quantity(program.guarantee, 2),
        ),
    ):
        line(f"{label}: {value}")
    line(_("Prizes"), "Helvetica-Bold", 11)
    for text in program.prizes.splitlines() or ["-"]:
        line(text)
    line(_("Rules"), "Helvetica-Bold", 11)
    for paragraph in program.rules_text.splitlines() or ["-"]:
        while paragraph:
            line(paragraph[:100])
            paragraph = paragraph[100:]
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
