"""Loading the bundled ISTAT comuni with population and DPR 412/93 climate data.

``load_comuni`` brings a database, empty or loaded from an older list, to the bundled
list (``data/README.md`` names each source): new comuni are added, renamed ones
updated, and comuni that left the list are kept (records point at them) but marked as
no longer in force, with the date and the successor where the source says. It returns
a report of what changed.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from distretto.territory.models import Comune

DATA_DIR = Path(__file__).parent / "data"
POPULATION_YEAR = 2011
# What the loader sets on a comune in force (everything but the key and the ceasing).
FIELDS = [
    "name",
    "name_full",
    "province",
    "province_name",
    "region",
    "codice_catastale",
    "lat",
    "lon",
    "population",
    "population_year",
    "altitude_m",
    "climate_zone",
    "degree_days",
    "climate_note",
    "in_force",
    "ceased_on",
    "successor_id",
]


@dataclass
class ComuniReport:
    added: list[Comune] = field(default_factory=list)
    renamed: list[tuple[Comune, str]] = field(default_factory=list)  # (comune, old name)
    ceased: list[Comune] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0

    @property
    def in_force(self) -> int:
        return len(self.added) + len(self.renamed) + self.updated + self.unchanged

    def lines(self) -> list[str]:
        """The report for a person: totals, then one line per change."""
        out = [
            f"{self.in_force} comuni in force: {len(self.added)} added, "
            f"{len(self.renamed)} renamed, {self.updated} updated, {self.unchanged} unchanged; "
            f"{len(self.ceased)} ceased"
        ]
        out += [f"added    {c.istat_code} {c}" for c in self.added]
        out += [f"renamed  {c.istat_code} {old} -> {c.name}" for c, old in self.renamed]
        for c in self.ceased:
            when = c.ceased_on.isoformat() if c.ceased_on else "date not in the source"
            into = (
                f"; now {c.successor.istat_code} {c.successor}"
                if c.successor
                else "; successor not in the source"
            )
            out.append(f"ceased   {c.istat_code} {c} on {when}{into}")
        return out


def _rows(name: str, data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _int(value: str) -> int | None:
    return int(value) if value else None


def _float(value: str) -> float | None:
    return float(value) if value else None


def _climate(code: str, official: dict[str, list[dict]], missing: dict[str, dict]) -> dict:
    rows = official.get(code, [])
    if len(rows) == 1:
        return {
            "climate_zone": rows[0]["zone"],
            "degree_days": int(rows[0]["degree_days"]),
            "climate_note": "",
        }
    if rows:
        note = "rows:" + ";".join(f"{r['zone']}/{r['degree_days']}/{r['altitude_m']}" for r in rows)
    else:
        note = f"new:{missing[code]['instituted']}" if code in missing else "new:"
    return {"climate_zone": "", "degree_days": None, "climate_note": note}


def bundled_comuni(data_dir: Path = DATA_DIR, provinces: set[str] | None = None) -> list[Comune]:
    """Today's comuni from the bundled files, as unsaved ``Comune`` objects."""
    province_names = {r["sigla"]: r["name"] for r in _rows("province.csv", data_dir)}
    population = {
        r["istat_code"]: int(r["population"]) for r in _rows("popolazione_2011.csv", data_dir)
    }
    official: dict[str, list[dict]] = defaultdict(list)
    for row in _rows("gradi_giorno.csv", data_dir):
        if row["status"] == "current":
            official[row["istat_code"]].append(row)
    missing = {r["istat_code"]: r for r in _rows("gradi_giorno_missing.csv", data_dir)}
    comuni = []
    for row in _rows("comuni.csv", data_dir):
        if provinces and row["province"] not in provinces:
            continue
        code = row["istat_code"]
        figure = population.get(code)
        comuni.append(
            Comune(
                istat_code=code,
                name=row["name"],
                name_full=row["name_full"] if row["name_full"] != row["name"] else "",
                province=row["province"],
                province_name=province_names.get(row["province"], row["province"]),
                region=row["region"],
                codice_catastale=row["codice_catastale"],
                lat=_float(row["lat"]),
                lon=_float(row["lon"]),
                population=figure,
                population_year=POPULATION_YEAR if figure is not None else None,
                altitude_m=_int(row["altitude_m"]),
                in_force=True,
                ceased_on=None,
                successor_id=None,
                **_climate(code, official, missing),
            )
        )
    return comuni


@transaction.atomic
def load_comuni(
    data_dir: Path = DATA_DIR, provinces: set[str] | None = None, *, dry_run: bool = False
) -> ComuniReport:
    """Bring the database to the bundled list (optionally only some provinces)."""
    report = ComuniReport()
    fresh = bundled_comuni(data_dir, provinces)
    codes = {c.istat_code for c in fresh}
    existing = Comune.objects.in_bulk(codes)
    for comune in fresh:
        before = existing.get(comune.istat_code)
        if before is None:
            report.added.append(comune)
        elif before.name != comune.name:
            report.renamed.append((comune, before.name))
        elif any(getattr(before, name) != getattr(comune, name) for name in FIELDS):
            report.updated += 1
        else:
            report.unchanged += 1
    gone = list(Comune.objects.exclude(istat_code__in=codes))
    if provinces:
        gone = [c for c in gone if c.province in provinces]
    ceased_rows = {r["istat_code"]: r for r in _rows("comuni_cessati.csv", data_dir)}
    known = {c.istat_code: c for c in fresh}
    for comune in gone:
        row = ceased_rows.get(comune.istat_code, {})
        if comune.in_force:
            report.ceased.append(comune)
        comune.in_force = False
        comune.ceased_on = dt.date.fromisoformat(row["ceased_on"]) if row.get("ceased_on") else None
        code = row.get("successor")
        comune.successor = (
            (known.get(code) or Comune.objects.filter(pk=code).first()) if code else None
        )
    if dry_run:
        transaction.set_rollback(True)
        return report
    Comune.objects.bulk_create(
        fresh,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["istat_code"],
        update_fields=FIELDS,
    )
    Comune.objects.bulk_update(gone, ["in_force", "ceased_on", "successor"], batch_size=1000)
    return report
