"""Server-rendered pages: who reaches which page, and what it shows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from distretto.loyalty import services

pytestmark = pytest.mark.django_db
JANUARY = datetime(2025, 1, 10, 10, tzinfo=ZoneInfo("Europe/Rome"))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_manager_pages_open_for_the_manager_only(actors, program):
    manager, outsider = signed_in(actors.manager), signed_in(actors.outsider)
    for name in ("program", "cards", "campaigns", "settlement"):
        url = f"/loyalty/p/{program.pk}/{'' if name == 'program' else name + '/'}"
        assert manager.get(url).status_code == 200, url
        assert outsider.get(url).status_code == 404, url
        assert signed_in(actors.merchant).get(url).status_code == 404, url


def test_manager_issues_a_card_and_sees_its_wallet_link_once(actors, program):
    response = signed_in(actors.manager).post(
        f"/loyalty/p/{program.pk}/cards/", {"action": "issue", "holder_name": "Sara"}
    )
    assert "/loyalty/w/lcw_" in response.content.decode()
    assert program.cards.get().holder_name == "Sara"


def test_manager_creates_a_campaign_from_the_page(actors, program):
    response = signed_in(actors.manager).post(
        f"/loyalty/p/{program.pk}/campaigns/",
        {
            "name": "Sabato",
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
            "multiplier": "2",
            "weekdays": ["5"],
            "categories": ["bakery"],
        },
    )
    assert response.status_code == 302
    assert program.campaigns.get().weekdays == [5]


def test_manager_closes_a_period_from_the_settlement_page(actors, program, card):
    services.earn(card, actors.shop, Decimal("100.00"), now=JANUARY)
    manager = signed_in(actors.manager)
    page = manager.get(f"/loyalty/p/{program.pk}/settlement/?period=2025-01").content.decode()
    assert "Panetteria Fanfulla" in page and "€\u00a01,00" in page
    manager.post(f"/loyalty/p/{program.pk}/settlement/", {"period": "2025-01"})
    assert program.settlements.get().period == "2025-01"


def test_merchant_statement_shows_only_its_own_business(actors, program, card):
    services.earn(card, actors.shop, Decimal("100.00"), now=JANUARY)
    services.earn(card, actors.other_shop, Decimal("70.00"), now=JANUARY)
    page = signed_in(actors.merchant).get("/loyalty/statement/?period=2025-01").content.decode()
    assert "Panetteria Fanfulla" in page
    assert "Libreria del Sole" not in page
    assert signed_in(actors.cardholder).get("/loyalty/statement/").status_code == 404
    assert signed_in(actors.cardholder).get("/loyalty/till/").status_code == 404


def test_wallet_page_needs_a_live_card_token(actors, program):
    card, raw = services.issue_card(program)
    client = Client()
    assert client.get(f"/loyalty/w/{raw}/").status_code == 200
    qr = client.get(f"/loyalty/w/{raw}/qr.png")
    assert qr["Content-Type"] == "image/png" and qr.content.startswith(b"\x89PNG")
    assert client.get("/loyalty/w/lcw_nope/").status_code == 404
    services.replace_card(card)
    assert client.get(f"/loyalty/w/{raw}/").status_code == 404
