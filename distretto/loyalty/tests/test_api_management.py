"""Managers run programmes, cards and campaigns; the cardholder reads the wallet."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from distretto.loyalty import services
from distretto.loyalty.models import Card
from distretto.testing import ApiClient, error_of

pytestmark = pytest.mark.django_db


def test_manager_creates_a_programme_with_the_rules_data(actors, api_as):
    response = api_as(actors.manager).post(
        "loyalty/programs",
        {
            "district": actors.district.pk,
            "name": "Carta Lodi",
            "point_value": "0.01",
            "earn_rate": "1.00",
            "expiry_months": 12,
            "promoter": "Distretto del Commercio di Lodi",
            "area": "Centro storico di Lodi",
            "prizes": "Sconto in cassa",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["point_value"], body["earn_rate"], body["expiry_months"]) == ("0.01", "1.00", 12)
    listed = api_as(actors.manager).get("loyalty/programs").json()
    assert [p["id"] for p in listed["items"]] == [body["id"]]
    pdf = api_as(actors.manager).get(f"loyalty/programs/{body['id']}/rules.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_merchant_and_outsider_cannot_create_programmes(actors, api_as):
    body = {"district": actors.district.pk, "name": "X", "point_value": "0.01", "earn_rate": "1"}
    assert api_as(actors.merchant).post("loyalty/programs", body).status_code == 403
    assert api_as(actors.outsider).post("loyalty/programs", body).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("point_value", "0"), ("point_value", "abc"), ("earn_rate", "-1"), ("min_redemption", -5)],
)
def test_invalid_programme_fields_are_422(actors, api_as, field, value):
    body = {"district": actors.district.pk, "name": "X", "point_value": "0.01", "earn_rate": "1"}
    body[field] = value
    response = api_as(actors.manager).post("loyalty/programs", body)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_issued_card_shows_its_token_once_and_lists_without_it(actors, api_as, program):
    manager = api_as(actors.manager)
    response = manager.post("loyalty/cards", {"program": program.pk, "holder_name": "Sara"})
    assert response.status_code == 201
    created = response.json()
    assert created["token"].startswith("lcw_") and len(created["number"]) == 12
    assert created["wallet_url"].endswith(f"/loyalty/w/{created['token']}/")
    listed = manager.get("loyalty/cards", {"program": program.pk}).json()
    assert listed["count"] == 1
    assert "token" not in listed["items"][0]
    assert created["token"] not in str(Card.objects.values_list())  # only the hash is stored


def test_other_districts_never_see_the_cards(actors, api_as, program, card):
    assert api_as(actors.outsider).get("loyalty/cards").json()["count"] == 0
    assert api_as(actors.merchant).get("loyalty/cards").json()["count"] == 0
    assert api_as(actors.outsider).get(f"loyalty/cards/{card.number}").status_code == 404


def test_batch_as_csv_and_printable_pdf(actors, api_as, program):
    manager = api_as(actors.manager)
    response = manager.post("loyalty/cards/batch?format=csv", {"program": program.pk, "count": 3})
    assert response.status_code == 201
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert all(
        services.card_for_token(row["wallet_url"].rstrip("/").split("/")[-1]) for row in rows
    )
    pdf = manager.post("loyalty/cards/batch?format=pdf", {"program": program.pk, "count": 12})
    assert pdf.status_code == 201 and pdf.content.startswith(b"%PDF")
    assert program.cards.count() == 15
    too_many = manager.post("loyalty/cards/batch", {"program": program.pk, "count": 5000})
    assert too_many.status_code == 422


def test_replacement_carries_the_balance_over_through_the_ledger(actors, api_as, card_with_points):
    manager = api_as(actors.manager)
    response = manager.post(f"loyalty/cards/{card_with_points.number}/replace")
    assert response.status_code == 201
    new_number = response.json()["number"]
    old = manager.get(f"loyalty/cards/{card_with_points.number}").json()
    new = manager.get(f"loyalty/cards/{new_number}").json()
    assert (old["status"], old["balance"], old["replaced_by"]) == ("replaced", 0, new_number)
    assert (new["status"], new["balance"]) == ("active", 1000)
    transfer = card_with_points.transactions.get(kind="transfer")
    assert sum(e.points for e in transfer.entries.all()) == 0
    again = manager.post(f"loyalty/cards/{card_with_points.number}/replace")
    assert error_of(again)["code"] == "card_replaced"


def test_adjustment_needs_a_reason_and_is_idempotent(actors, api_as, card):
    manager = api_as(actors.manager)
    url = f"loyalty/cards/{card.number}/adjustments"
    assert error_of(manager.post(url, {"points": 50, "reason": " "}))["field"] == "reason"
    first = manager.post(
        url, {"points": 50, "reason": "Scontrino perso"}, HTTP_IDEMPOTENCY_KEY="a1"
    )
    again = manager.post(
        url, {"points": 50, "reason": "Scontrino perso"}, HTTP_IDEMPOTENCY_KEY="a1"
    )
    assert first.status_code == again.status_code == 201
    assert services.balance_of(card) == 50
    negative = manager.post(url, {"points": -80, "reason": "Errore"})
    assert error_of(negative)["code"] == "insufficient_points"


def test_card_status_block_and_unblock(actors, api_as, card, till):
    manager = api_as(actors.manager)
    blocked = manager.post(f"loyalty/cards/{card.number}/status", {"status": "blocked"})
    assert blocked.json()["status"] == "blocked"
    assert till.get(f"loyalty/cards/{card.number}").json()["status"] == "blocked"
    assert (
        manager.post(f"loyalty/cards/{card.number}/status", {"status": "gone"}).status_code == 422
    )


def test_wallet_authenticates_with_the_card_token_only(actors, program, till):
    card, raw = services.issue_card(program)
    services.earn(card, actors.shop, Decimal("250.00"))
    wallet = ApiClient(raw_token=raw).get("loyalty/wallet")
    assert wallet.status_code == 200
    body = wallet.json()
    assert (body["card"], body["balance"], body["balance_value"]) == (card.number, 250, "2.50")
    assert body["history"][0]["points"] == 250
    assert body["expiring_next"]["points"] == 250
    assert ApiClient(raw_token="lcw_wrong").get("loyalty/wallet").status_code == 401
    assert ApiClient(actors.cardholder).get("loyalty/wallet").status_code == 401


def test_campaign_crud(actors, api_as, program):
    manager = api_as(actors.manager)
    body = {
        "program": program.pk,
        "name": "Sabato in centro",
        "starts_on": "2025-01-01",
        "ends_on": "2030-12-31",
        "weekdays": [5],
        "multiplier": "2.00",
        "categories": ["bakery"],
        "cap_per_card_per_day": 200,
    }
    created = manager.post("loyalty/campaigns", body)
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    patched = manager.patch(f"loyalty/campaigns/{campaign_id}", {"active": False})
    assert patched.json()["active"] is False
    assert manager.get("loyalty/campaigns").json()["count"] == 1
    assert api_as(actors.outsider).get(f"loyalty/campaigns/{campaign_id}").status_code == 404
    assert manager.delete(f"loyalty/campaigns/{campaign_id}").status_code == 204
    assert manager.get("loyalty/campaigns").json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_on": "2024-01-01"}, "ends_on"),
        ({"bonus_points": 50}, "multiplier"),
        ({"weekdays": [9]}, "weekdays"),
        ({"categories": ["spaceships"]}, "categories"),
        ({"multiplier": "0.5"}, "multiplier"),
    ],
)
def test_invalid_campaigns_are_422(actors, api_as, program, change, field):
    body = {
        "program": program.pk,
        "name": "X",
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
        "multiplier": "2",
    }
    response = api_as(actors.manager).post("loyalty/campaigns", body | change)
    assert response.status_code == 422
    assert error_of(response)["field"] == field
