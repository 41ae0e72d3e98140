"""Issue 17 for the fidelity card: the cardholder's home, the till's QR scan in every
browser, Italian words and numbers, card batches from a page, one card-number format."""

from __future__ import annotations

import base64
import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from pypdf import PdfReader

from distretto.loyalty import documents, services
from distretto.loyalty.cardnumbers import printed
from distretto.loyalty.models import Card
from distretto.testing import browser_login, client_as

# A camera that films a QR code: a canvas painted with the image, as a media stream.
# BarcodeDetector is removed so the vendored jsQR decoder has to read it, as in
# Firefox, Safari on iOS and Chrome on desktop.
FAKE_CAMERA = """
delete window.BarcodeDetector;
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 480; canvas.height = 480;
  const context = canvas.getContext("2d");
  const image = new Image();
  image.src = "data:image/png;base64,%s";
  await image.decode();
  const paint = () => { context.fillStyle = "#fff"; context.fillRect(0, 0, 480, 480);
    context.drawImage(image, 40, 40, 400, 400); };
  paint();
  setInterval(paint, 100);
  return canvas.captureStream(10);
};
"""

REFUSED_CAMERA = """
navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_till_reads_a_cards_qr_code_without_barcode_detector(page, actors, program):
    card, _raw = services.issue_card(program)
    qr = base64.b64encode(documents.card_qr_png(card.number)).decode()
    page.context.add_init_script(FAKE_CAMERA % qr)
    browser_login(page, "merchant")
    page.goto(f"{page.base_url}/loyalty/till/")
    assert page.evaluate("'BarcodeDetector' in window") is False
    page.click("#scan")
    page.wait_for_function(f"document.getElementById('card').value === '{card.number}'")
    assert page.evaluate("typeof window.jsQR") == "function"  # loaded on demand
    assert page.locator("#camera").is_hidden()
    assert "Carta letta" in page.locator("#scan-status").inner_text()
    page.fill("#amount", "12,00")
    page.click("#earn")
    assert "+12" in page.locator("#till-result").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_camera_tells_the_merchant_what_to_do(page, actors, program):
    page.context.add_init_script(REFUSED_CAMERA)
    browser_login(page, "merchant")
    page.goto(f"{page.base_url}/loyalty/till/")
    page.click("#scan")
    status = page.locator("#scan-status.error")
    status.wait_for()
    assert "Consentilo per questo sito" in status.inner_text()
    assert "digita il numero della carta" in status.inner_text()
    assert page.locator("#scan").is_visible()  # free to try again


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_cardholder_lands_on_their_card_with_no_api_clutter(page, actors, program):
    card, _raw = services.issue_card(program, user=actors.cardholder)
    services.earn(card, actors.shop, Decimal("1234.00"))
    browser_login(page, "cardholder")
    home = page.locator("main")
    assert "1.234 punti" in page.locator("#my-cards").inner_text()
    assert printed(card.number) in page.locator("#my-cards").inner_text()
    assert "API" not in home.inner_text()
    page.click("#my-cards a.button")
    assert "1.234 punti" in page.locator("#balance").inner_text()
    assert page.locator("#card-number").inner_text() == printed(card.number)
    assert page.evaluate("document.querySelector('.card-qr img').naturalWidth") > 0
    # the history speaks Italian: no internal movement codes
    history = page.locator("#history").inner_text()
    assert "earn" not in history and "Accumulo" in history


def test_another_persons_card_page_is_404(actors, program, db):
    card, _raw = services.issue_card(program, user=actors.cardholder)
    assert client_as(actors.merchant).get(f"/loyalty/my-card/{card.pk}/").status_code == 404
    assert client_as(actors.cardholder).get(f"/loyalty/my-card/{card.pk}/").status_code == 200


def test_merchants_and_managers_keep_the_api_links(actors, db):
    for user in (actors.merchant, actors.manager):
        body = client_as(user).get("/dashboard/").content.decode()
        assert "/accounts/tokens/" in body and "/api/v1/docs" in body
    body = client_as(actors.cardholder).get("/dashboard/").content.decode()
    assert "/accounts/tokens/" not in body and "/api/v1/docs" not in body


def test_a_visitor_opens_the_wallet_from_the_link_on_the_card(program, db):
    card, raw = services.issue_card(program)
    client = Client()
    response = client.get("/loyalty/find/", {"link": f"https://example.org/loyalty/w/{raw}/"})
    assert response.status_code == 302 and response["Location"] == f"/loyalty/w/{raw}/"
    wrong = client.get("/loyalty/find/", {"link": card.number})  # a number alone opens nothing
    assert wrong.status_code == 200 and "Nessuna carta" in wrong.content.decode()


def test_card_batches_are_issued_from_a_page(actors, program, db):
    client = client_as(actors.manager)
    page = client.get(f"/loyalty/p/{program.pk}/batches/")
    assert page.status_code == 200 and "Ancora nessun lotto" in page.content.decode()
    response = client.post(f"/loyalty/p/{program.pk}/batches/", {"count": "3", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) == 4 and all("/loyalty/w/" in row[2] for row in rows[1:])
    assert Card.objects.filter(program=program).exclude(batch="").count() == 3
    pdf = client.post(f"/loyalty/p/{program.pk}/batches/", {"count": "2", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and len(
        PdfReader(io.BytesIO(pdf.content)).pages
    )
    refused = client.post(f"/loyalty/p/{program.pk}/batches/", {"count": "0", "format": "pdf"})
    assert refused.status_code == 200 and "1 a 1000" in refused.content.decode()
    listed = client.get(f"/loyalty/p/{program.pk}/batches/").content.decode()
    assert listed.count("<code>") == 2


def test_the_loyalty_pages_link_to_each_other(actors, program, db):
    client = client_as(actors.manager)
    pages = ["", "cards/", "batches/", "campaigns/", "settlement/"]
    for page in pages:
        body = client.get(f"/loyalty/p/{program.pk}/{page}").content.decode()
        for other in pages:
            assert f'href="/loyalty/p/{program.pk}/{other}"' in body, (page, other)
        assert 'aria-current="page"' in body


def test_one_card_number_format_on_every_page(actors, program, card_with_points, db):
    shown = printed(card_with_points.number)
    manager = client_as(actors.manager).get(f"/loyalty/p/{program.pk}/cards/").content.decode()
    till = client_as(actors.merchant).get("/loyalty/till/").content.decode()
    assert shown in manager and shown in till


def test_amounts_and_points_are_written_the_italian_way(actors, program, db):
    card, raw = services.issue_card(program)
    for _purchase in range(3):
        services.earn(card, actors.shop, Decimal("4000.50"))
    wallet = Client().get(f"/loyalty/w/{raw}/").content.decode()
    assert "12.000 punti" in wallet and "€\u00a0120,00" in wallet
    till = client_as(actors.merchant).get("/loyalty/till/").content.decode()
    assert "4.000" in till


def test_the_statement_pdf_writes_numbers_the_italian_way(actors, program, db):
    row = {
        "business_name": "Panetteria Fanfulla",
        "period": "2026-05",
        "points_issued": 12345,
        "points_redeemed": 0,
        "bonus_points": 0,
        "amount_due": Decimal("75000.00"),
        "amount_credited": Decimal("6.85"),
        "net": Decimal("-74993.15"),
    }
    text = PdfReader(io.BytesIO(documents.statement_pdf(program, row, closed=True))).pages[0]
    text = text.extract_text()
    assert "12.345" in text and "75.000,00" in text and "6,85" in text
    assert "maggio 2026" in text
