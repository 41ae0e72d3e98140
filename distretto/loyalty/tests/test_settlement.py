"""Monthly statements, closing a period, and who may read which statement."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from distretto.core.errors import Conflict
from distretto.loyalty import services, settlement
from distretto.loyalty.models import LedgerTransaction
from distretto.testing import error_of

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def at(day: int, month: int = 1, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=ROME)


@pytest.fixture
def january(actors, program, card):
    """Bakery issues 1000 and 200 points, the bookshop takes 300, the district grants 50."""
    services.earn(card, actors.shop, Decimal("1000.00"), now=at(5))
    services.earn(card, actors.shop, Decimal("200.00"), now=at(6))
    services.redeem(card, actors.other_shop, 300, now=at(7))
    services.grant_points(card, 50, "checkins", "visit-1", "visit-1", now=at(8))
    # A February movement must not enter January's figures.
    services.earn(card, actors.shop, Decimal("99.00"), now=at(1, month=2))
    return program


def rows_by_name(answer):
    return {row["business_name"]: row for row in answer["businesses"]}


def test_statement_per_business_and_district(actors, api_as, january):
    answer = api_as(actors.manager).get("loyalty/settlements", {"period": "2025-01"}).json()
    rows = rows_by_name(answer)
    bakery, books = rows["Panetteria Fanfulla"], rows["Libreria del Sole"]
    # Bakery: 1200 points issued × 0.01 = 12.00 due; nothing redeemed; net −12.00
    assert (bakery["points_issued"], bakery["amount_due"], bakery["net"]) == (
        1200,
        "12.00",
        "-12.00",
    )
    # Bookshop: 300 redeemed × 0.01 = 3.00 credited
    assert (books["points_redeemed"], books["amount_credited"], books["net"]) == (
        300,
        "3.00",
        "3.00",
    )
    district = answer["district"]
    # Liability at the end of January: 1200 − 300 + 50 = 950 points = 9.50 €
    assert (district["liability_points"], district["liability"]) == (950, "9.50")
    assert district["promotion_points"] == 50
    assert district["reconciles"] is True


def test_merchant_sees_only_its_own_statement(actors, api_as, january):
    answer = api_as(actors.merchant).get("loyalty/settlements", {"period": "2025-01"}).json()
    assert [row["business_name"] for row in answer["businesses"]] == ["Panetteria Fanfulla"]
    assert answer["district"] is None
    other = api_as(actors.merchant).get(
        f"loyalty/settlements/2025-01/statements/{actors.other_shop.pk}"
    )
    assert other.status_code == 404
    assert (
        api_as(actors.outsider).get("loyalty/settlements", {"period": "2025-01"}).status_code == 422
    )


def test_statement_files_csv_and_pdf(actors, api_as, january):
    merchant = api_as(actors.merchant)
    url = f"loyalty/settlements/2025-01/statements/{actors.shop.pk}"
    rows = list(csv.DictReader(io.StringIO(merchant.get(url).content.decode())))
    assert rows[0]["points_issued"] == "1200" and rows[0]["amount_due"] == "12.00"
    pdf = merchant.get(url, {"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_closing_freezes_the_period_against_back_dated_movements(actors, api_as, january, card):
    manager = api_as(actors.manager)
    response = manager.post("loyalty/settlements/2025-01/close", {"program": january.pk})
    assert response.status_code == 201, response.content
    assert response.json()["closed"] is True
    with pytest.raises(Conflict) as raised:
        services.adjust(card, 10, "back-dated", now=at(20))
    assert raised.value.code == "period_closed"
    # A back-dated movement that would also overdraw the card is refused for the period.
    with pytest.raises(Conflict) as raised:
        services.adjust(card, -(10**6), "back-dated", now=at(20))
    assert raised.value.code == "period_closed"
    assert not LedgerTransaction.objects.filter(reason="back-dated").exists()
    again = manager.post("loyalty/settlements/2025-01/close", {"program": january.pk})
    assert error_of(again)["code"] == "period_closed"
    frozen = manager.get("loyalty/settlements", {"period": "2025-01"}).json()
    assert rows_by_name(frozen)["Panetteria Fanfulla"]["points_issued"] == 1200


def test_only_ended_periods_close_and_only_managers_close(actors, api_as, program):
    current = datetime.now(ROME).strftime("%Y-%m")
    response = api_as(actors.manager).post(f"loyalty/settlements/{current}/close")
    assert error_of(response)["code"] == "period_open"
    assert api_as(actors.merchant).post("loyalty/settlements/2025-01/close").status_code == 403
    bad = api_as(actors.manager).get("loyalty/settlements", {"period": "2025-13"})
    assert error_of(bad)["field"] == "period"


def test_reconciliation_holds_with_reversals_and_expiry(actors, program, card):
    earned = services.earn(card, actors.shop, Decimal("400.00"), now=at(3))
    services.redeem(card, actors.shop, 100, now=at(4))
    tx = card.transactions.get(pk=earned["id"])
    services.redeem(card, actors.shop, 100, now=at(4, hour=11))
    services.reverse(card.transactions.get(kind="redeem", posted_at=at(4)), now=at(9))
    assert tx.kind == "earn"
    services.expire(program, today=datetime(2026, 3, 1).date())
    for period in ("2025-01", "2026-02", "2026-03"):
        assert settlement.district_statement(program, period)["reconciles"]
    assert settlement.district_statement(program, "2026-03")["breakage_points"] == 300
