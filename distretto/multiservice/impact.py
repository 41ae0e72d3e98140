"""Impact figures of the network: services delivered and what the public administration saves.

Pure roll-up of aggregated delivery rows; the rows come from catalog's record of
services delivered (``services.impact_report`` reads them).

The saving of one service is what the public administration (and the citizen, by
public transport or a social-service trip) would have spent for the same service at
the nearest office in the valley floor. ``DEFAULT_AVOIDED_COST_EUR`` holds the
defaults per catalog service type; a chamber overrides any of them
(``AvoidedCost``). A service type with no figure saves nothing.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_AVOIDED_COST_EUR: dict[str, Decimal] = {
    "pagopa_payments": Decimal("6.00"),
    "registry_certificates": Decimal("12.00"),
    "health_booking": Decimal("9.00"),
    "spid_help": Decimal("10.00"),
    "parcel_pickup": Decimal("4.00"),
    "tourist_info": Decimal("2.00"),
    "internet_point": Decimal("3.00"),
    "ticketing": Decimal("1.50"),
    "postal_counter": Decimal("8.00"),
    "photocopies": Decimal("1.00"),
    "pharmacy_dispensary": Decimal("10.00"),
    "ehealth_help": Decimal("9.00"),
    "home_delivery": Decimal("7.00"),
    "atm": Decimal("5.00"),
    "transport_tickets": Decimal("2.50"),
}


@dataclass(frozen=True)
class Row:
    """Deliveries of one service type at one shop in one month."""

    month: str  # YYYY-MM
    shop: str
    chamber_id: int | None
    service_type: str
    count: int
    people: int


def unit_cost(costs: dict[tuple[int | None, str], Decimal], chamber_id: int | None, code: str):
    """The chamber's figure for ``code``, else the default, else zero."""
    if (chamber_id, code) in costs:
        return costs[(chamber_id, code)]
    return DEFAULT_AVOIDED_COST_EUR.get(code, Decimal("0"))


def roll_up(rows: list[Row], costs: dict[tuple[int | None, str], Decimal]) -> dict:
    """Totals by service type, shop and month, with savings = Σ count × cost avoided."""
    buckets: dict[str, dict] = {
        "by_type": defaultdict(lambda: [0, 0, Decimal(0)]),
        "by_shop": defaultdict(lambda: [0, 0, Decimal(0)]),
        "by_month": defaultdict(lambda: [0, 0, Decimal(0)]),
    }
    lines = []
    for row in sorted(rows, key=lambda r: (r.month, r.shop, r.service_type)):
        savings = unit_cost(costs, row.chamber_id, row.service_type) * row.count
        for name, key in (
            ("by_type", row.service_type),
            ("by_shop", row.shop),
            ("by_month", row.month),
        ):
            total = buckets[name][key]
            total[0] += row.count
            total[1] += row.people
            total[2] += savings
        lines.append({**row.__dict__, "savings_eur": f"{savings:.2f}"})

    def listed(name: str, key: str) -> list[dict]:
        return [
            {key: k, "count": c, "people": p, "savings_eur": f"{s:.2f}"}
            for k, (c, p, s) in sorted(buckets[name].items())
        ]

    total_savings = sum((t[2] for t in buckets["by_shop"].values()), Decimal(0))
    return {
        "total_count": sum(r.count for r in rows),
        "people_served": sum(r.people for r in rows),
        "savings_eur": f"{total_savings:.2f}",
        "by_type": listed("by_type", "service_type"),
        "by_shop": listed("by_shop", "shop"),
        "by_month": listed("by_month", "month"),
        "rows": lines,
    }


def report_csv(report: dict) -> str:
    """One line per (month, shop, service type), the totals line last."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "shop", "service_type", "services", "people_served", "savings_eur"])
    for row in report["rows"]:
        writer.writerow(
            [
                row["month"],
                row["shop"],
                row["service_type"],
                row["count"],
                row["people"],
                row["savings_eur"],
            ]
        )
    writer.writerow(
        ["total", "", "", report["total_count"], report["people_served"], report["savings_eur"]]
    )
    return out.getvalue()
