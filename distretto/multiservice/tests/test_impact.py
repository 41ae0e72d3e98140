"""Services delivered, recorded from the shop; the network's impact figures and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from distretto.catalog import services as catalog
from distretto.multiservice import impact
from distretto.multiservice.models import AvoidedCost
from distretto.testing import error_of


def record(client, shop, **fields):
    body = {"shop": shop.pk, "service_type": "tourist_info", "date": str(timezone.localdate())}
    return client.post("multiservice/deliveries", {**body, "count": 1, **fields})


def test_the_shopkeeper_records_services_delivered(api_as, actors, network_shop):
    response = record(api_as(actors.merchant), network_shop, count=3, people=2)
    assert response.status_code == 201, response.content
    assert response.json()["count"] == 3
    stored = catalog.deliveries(type(actors.shop).objects.filter(pk=actors.shop.pk)).get()
    assert (stored.count, stored.people, stored.recorded_by) == (3, 2, actors.merchant)


def test_recording_checks_the_service_the_day_and_the_scope(api_as, actors, network_shop):
    merchant = api_as(actors.merchant)
    response = record(merchant, network_shop, service_type="atm")
    assert response.status_code == 422
    assert error_of(response)["field"] == "service_type"  # not offered here
    response = record(merchant, network_shop, service_type="teleport")
    assert response.status_code == 422
    tomorrow = str(timezone.localdate() + timedelta(days=1))
    response = record(merchant, network_shop, date=tomorrow)
    assert response.status_code == 422
    assert error_of(response)["field"] == "date"
    assert record(merchant, network_shop, count=0).status_code == 422
    assert record(api_as(actors.outsider), network_shop).status_code == 404
    assert record(api_as(actors.cardholder), network_shop).status_code == 404


@pytest.fixture
def deliveries(actors, network_shop):
    """Two months at the bakery: tourist info 10 + 5 (people 8 + 4), pagoPA 4 (people 4)."""
    shop = actors.shop
    for day, code, count, people in [
        (date(2025, 3, 4), "tourist_info", 10, 8),
        (date(2025, 4, 2), "tourist_info", 5, 4),
        (date(2025, 4, 9), "pagopa_payments", 4, 4),
    ]:
        catalog.record_delivery(venue=shop, service_type=code, on=day, count=count, people=people)


def test_the_report_adds_up_by_type_shop_and_month_with_default_costs(api_as, actors, deliveries):
    body = api_as(actors.manager).get("multiservice/impact").json()
    # Defaults: tourist info 2.00, pagoPA 6.00 → 15 × 2.00 + 4 × 6.00 = 54.00
    assert body["total_count"] == 19
    assert body["people_served"] == 16
    assert body["savings_eur"] == "54.00"
    by_month = {row["month"]: (row["count"], row["savings_eur"]) for row in body["by_month"]}
    assert by_month == {"2025-03": (10, "20.00"), "2025-04": (9, "34.00")}
    by_type = {row["service_type"]: row["count"] for row in body["by_type"]}
    assert by_type == {"tourist_info": 15, "pagopa_payments": 4}
    assert body["by_shop"] == [
        {"shop": "Panetteria Fanfulla", "count": 19, "people": 16, "savings_eur": "54.00"}
    ]


def test_the_chambers_own_cost_replaces_the_default(api_as, actors, deliveries):
    response = api_as(actors.operator).put(
        "multiservice/avoided-costs/tourist_info",
        {"chamber": actors.chamber.pk, "cost_eur": "3.50"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "service_type": "tourist_info",
        "label": response.json()["label"],
        "cost_eur": "3.50",
        "custom": True,
    }
    body = api_as(actors.manager).get("multiservice/impact").json()
    assert body["savings_eur"] == "76.50"  # 15 × 3.50 + 4 × 6.00
    manager_try = api_as(actors.manager).put(
        "multiservice/avoided-costs/tourist_info",
        {"chamber": actors.chamber.pk, "cost_eur": "9.00"},
    )
    assert manager_try.status_code == 404
    assert AvoidedCost.objects.get().cost_eur == Decimal("3.50")


def test_the_report_filters_by_dates(api_as, actors, deliveries):
    body = (
        api_as(actors.manager)
        .get("multiservice/impact", {"date_from": "2025-04-01", "date_to": "2025-04-30"})
        .json()
    )
    assert body["total_count"] == 9
    response = api_as(actors.manager).get(
        "multiservice/impact", {"date_from": "2025-05-01", "date_to": "2025-04-30"}
    )
    assert response.status_code == 422


def test_the_csv_export_has_one_line_per_month_shop_and_type_and_the_total(
    api_as, actors, deliveries
):
    response = api_as(actors.operator).get("multiservice/impact", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["month", "shop", "service_type", "services", "people_served", "savings_eur"]
    assert rows[1] == ["2025-03", "Panetteria Fanfulla", "tourist_info", "10", "8", "20.00"]
    assert rows[-1] == ["total", "", "", "19", "16", "54.00"]
    assert len(rows) == 5


def test_the_report_is_scoped(api_as, actors, deliveries):
    assert api_as(actors.outsider).get("multiservice/impact").json()["total_count"] == 0
    assert api_as(actors.merchant).get("multiservice/impact").json()["total_count"] == 19


def test_roll_up_worked_example():
    rows = [
        impact.Row("2025-01", "A", 1, "atm", 3, 3),
        impact.Row("2025-01", "B", 2, "atm", 2, 1),
        impact.Row("2025-02", "A", 1, "unknown_code", 7, 0),
    ]
    report = impact.roll_up(rows, {(2, "atm"): Decimal("1.25")})
    # A: 3 × 5.00 (default) + 7 × 0 = 15.00; B: 2 × 1.25 (chamber 2's own) = 2.50
    assert report["savings_eur"] == "17.50"
    assert [r["savings_eur"] for r in report["by_shop"]] == ["15.00", "2.50"]
    assert report["total_count"] == 12 and report["people_served"] == 4
