"""Loading the bundled ISTAT comuni reference data (data/comuni.csv)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from distretto.territory.models import Comune

COMUNI_CSV = Path(__file__).parent / "data" / "comuni.csv"


@transaction.atomic
def load_comuni(path: Path = COMUNI_CSV, provinces: set[str] | None = None) -> int:
    """Insert or refresh the comuni in ``path`` (optionally only some provinces)."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if provinces and row["province"] not in provinces:
                continue
            rows.append(
                Comune(
                    istat_code=row["istat_code"],
                    name=row["name"],
                    province=row["province"],
                    province_name=row["province_name"],
                    region=row["region"],
                    population=int(row["population"]) if row["population"] else None,
                    altitude_m=int(row["altitude_m"]) if row["altitude_m"] else None,
                    area_km2=Decimal(row["area_km2"]) if row["area_km2"] else None,
                )
            )
    Comune.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["istat_code"],
        update_fields=[
            "name",
            "province",
            "province_name",
            "region",
            "population",
            "altitude_m",
            "area_km2",
        ],
    )
    return len(rows)
