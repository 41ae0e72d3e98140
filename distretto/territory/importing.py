"""CSV import and CSV/GeoJSON export of businesses and projects.

An import validates every row first. Each bad row is reported with its line number
(the header is line 1) and the reason. Nothing is written when any row is bad,
unless the caller asks to skip bad rows; then the good rows are written in one
transaction. Rows are matched to existing records (businesses by partita IVA and
name within the district, projects by title and year within the chamber), so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from distretto.territory.models import Business, Chamber, Comune, District, Project
from distretto.territory.services import ceased_message

BUSINESS_COLUMNS = [
    "name",
    "legal_name",
    "partita_iva",
    "ateco_code",
    "category",
    "address",
    "comune",
    "lat",
    "lon",
    "phone",
    "email",
    "website",
    "opening_hours",
]
PROJECT_COLUMNS = [
    "title",
    "comune",
    "axes",
    "year",
    "budget",
    "status",
    "description",
    "lat",
    "lon",
    "url",
]
MAX_ROWS = 20_000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, size)."""


@dataclass
class RowError:
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"line {self.line}{where}: {self.reason}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "written": self.written,
            "errors": [{"line": e.line, "field": e.field, "reason": e.reason} for e in self.errors],
        }


def read_rows(source: bytes | str | IO, required: Iterable[str]) -> list[tuple[int, dict]]:
    """Decode (UTF-8, else Latin-1 as Italian spreadsheets save), sniff , or ; and check
    the header. Returns (line number, row) pairs."""
    raw = source.read() if hasattr(source, "read") else source
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    else:
        text = raw
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFileError(
            _("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(_("More than %(max)d rows: split the file.") % {"max": MAX_ROWS})
        if None in row:
            rows.append((reader.line_num, {"__extra__": row.pop(None)}))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue
        rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    return rows


def _float(value: str, name: str) -> float | None:
    if not value:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise ValidationError({name: _("%(value)r is not a number.") % {"value": value}}) from None


def _amount(value: str, name: str) -> Decimal | None:
    """Euro amounts as 45000.50 or, as Italian spreadsheets write them, 45.000,50."""
    if not value:
        return None
    text = value.replace(".", "").replace(",", ".") if "," in value else value
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError({name: _("%(value)r is not an amount.") % {"value": value}}) from None


def _comune(value: str) -> Comune | None:
    """A comune in force by ISTAT code or by name; a ceased one is refused with its successor."""
    if not value:
        return None
    comune = Comune.objects.filter(pk=value.zfill(6)).first() if value.isdigit() else None
    if comune is None:
        matches = list(Comune.objects.in_force().filter(name__iexact=value)[:2])
        if len(matches) == 1:
            comune = matches[0]
        elif len(matches) > 1:
            raise ValidationError(
                {"comune": _("%(value)r is ambiguous: give the ISTAT code.") % {"value": value}}
            )
    if comune is None:
        ceased = Comune.objects.filter(name__iexact=value, in_force=False).first()
        if ceased is not None:
            raise ValidationError({"comune": ceased_message(ceased)})
        raise ValidationError({"comune": _("No comune %(value)r.") % {"value": value}})
    if not comune.in_force:
        raise ValidationError({"comune": ceased_message(comune)})
    return comune


def _choice(value: str, choices: type, name: str) -> str:
    """A choice by its key or by its label in any of the site's languages."""
    lowered = value.strip().lower()
    for key, label in choices.choices:
        if lowered == key:
            return key
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                if lowered == str(label).lower():
                    return key
    valid = ", ".join(choices.values)
    raise ValidationError(
        {name: _("%(value)r is not one of: %(valid)s.") % {"value": value, "valid": valid}}
    )


def _errors_of(exc: ValidationError, line: int) -> list[RowError]:
    if hasattr(exc, "error_dict"):
        return [
            RowError(
                line, None if name == "__all__" else name, "; ".join(e.messages[0] for e in errs)
            )
            for name, errs in exc.error_dict.items()
        ]
    return [RowError(line, None, "; ".join(exc.messages))]


def _same(obj, values: dict) -> bool:
    return all(getattr(obj, name) == value for name, value in values.items())


def _run(rows, build, skip_bad: bool) -> ImportReport:
    """Validate all rows with ``build(line, row) -> (instance, created, changed)``."""
    report = ImportReport()
    prepared = []
    for line, row in rows:
        if "__extra__" in row:
            report.errors.append(RowError(line, None, _("more values than columns")))
            continue
        try:
            prepared.append(build(row))
        except ValidationError as exc:
            report.errors.extend(_errors_of(exc, line))
    if report.errors and not skip_bad:
        return report
    with transaction.atomic():
        for instance, created, changed in prepared:
            if created:
                report.created += 1
            elif changed:
                report.updated += 1
            else:
                report.unchanged += 1
                continue
            instance.save()
    report.written = True
    return report


def import_businesses(source, district: District, *, skip_bad: bool = False) -> ImportReport:
    rows = read_rows(source, ["name", "partita_iva", "category"])
    seen: set[tuple[str, str]] = set()

    def build(row: dict[str, Any]):
        values: dict[str, Any] = {
            "name": row["name"],
            "legal_name": row.get("legal_name", ""),
            "partita_iva": row["partita_iva"].replace(" ", ""),
            "ateco_code": row.get("ateco_code", ""),
            "category": _choice(row["category"], Business.Category, "category"),
            "address": row.get("address", ""),
            "comune": _comune(row.get("comune", "")) or district.comune,
            "lat": _float(row.get("lat", ""), "lat"),
            "lon": _float(row.get("lon", ""), "lon"),
            "phone": row.get("phone", ""),
            "email": row.get("email", ""),
            "website": row.get("website", ""),
        }
        if row.get("opening_hours"):
            try:
                values["opening_hours"] = json.loads(row["opening_hours"])
            except json.JSONDecodeError:
                raise ValidationError({"opening_hours": _("not valid JSON")}) from None
        key = (values["partita_iva"], values["name"])
        if key in seen:
            raise ValidationError(_("the same partita IVA and name appear twice in the file"))
        seen.add(key)
        existing = Business.objects.filter(
            district=district, partita_iva=values["partita_iva"], name=values["name"]
        ).first()
        instance = existing or Business(district=district)
        changed = existing is None or not _same(existing, values)
        for name, value in values.items():
            setattr(instance, name, value)
        instance.full_clean(validate_unique=existing is None)
        return instance, existing is None, changed

    return _run(rows, build, skip_bad)


def import_projects(source, chamber: Chamber, *, skip_bad: bool = False) -> ImportReport:
    rows = read_rows(source, ["title", "axes", "year"])
    seen: set[tuple[str, int]] = set()

    def build(row: dict[str, Any]):
        try:
            year = int(row["year"])
        except ValueError:
            raise ValidationError(
                {"year": _("%(value)r is not a year.") % {"value": row["year"]}}
            ) from None
        values: dict[str, Any] = {
            "title": row["title"],
            "comune": _comune(row.get("comune", "")),
            "year": year,
            "budget": _amount(row.get("budget", ""), "budget"),
            "status": _choice(row["status"], Project.Status, "status")
            if row.get("status")
            else Project.Status.PLANNED,
            "description": row.get("description", ""),
            "lat": _float(row.get("lat", ""), "lat"),
            "lon": _float(row.get("lon", ""), "lon"),
            "url": row.get("url", ""),
        }
        axes = [a.strip() for a in row["axes"].replace(",", ";").split(";") if a.strip()]
        key = (values["title"], year)
        if key in seen:
            raise ValidationError(_("the same title and year appear twice in the file"))
        seen.add(key)
        existing = Project.objects.filter(chamber=chamber, title=values["title"], year=year).first()
        instance = existing or Project(chamber=chamber)
        before_axes = instance.axes
        instance.set_axes([_choice(a, Project.Axis, "axes") for a in axes])
        changed = existing is None or not _same(existing, values) or before_axes != instance.axes
        for name, value in values.items():
            setattr(instance, name, value)
        instance.full_clean()
        return instance, existing is None, changed

    return _run(rows, build, skip_bad)


# --- Export -----------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False) if value else ""
    if isinstance(value, Comune):
        return value.istat_code
    return str(value)


def businesses_csv(businesses: QuerySet) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = BUSINESS_COLUMNS.copy()
    columns.insert(columns.index("ateco_code") + 1, "ateco_description")
    writer.writerow(["id", "district", *columns, "active"])
    for b in businesses.select_related("district", "comune"):
        writer.writerow([b.pk, b.district.slug, *(_cell(getattr(b, c)) for c in columns), b.active])
    return out.getvalue()


def projects_csv(projects: QuerySet) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "chamber", *PROJECT_COLUMNS, "active"])
    for p in projects.select_related("chamber", "comune"):
        cells = [";".join(p.axes) if c == "axes" else _cell(getattr(p, c)) for c in PROJECT_COLUMNS]
        writer.writerow([p.pk, p.chamber.code, *cells, p.active])
    return out.getvalue()


def _feature(lat: float | None, lon: float | None, properties: dict) -> dict:
    geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def businesses_geojson(businesses: QuerySet) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(
                b.lat,
                b.lon,
                {
                    "id": b.pk,
                    "name": b.name,
                    "category": b.category,
                    "category_label": str(b.get_category_display()),
                    "address": b.address,
                    "district": b.district_id,
                    "active": b.active,
                },
            )
            for b in businesses
        ],
    }


def projects_geojson(projects: QuerySet) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(
                p.lat,
                p.lon,
                {
                    "id": p.pk,
                    "title": p.title,
                    "axes": p.axes,
                    "year": p.year,
                    "status": p.status,
                    "comune": p.comune.name if p.comune else None,
                    "budget": f"{p.budget:.2f}" if p.budget is not None else None,
                    "url": p.url,
                },
            )
            for p in projects
        ],
    }
