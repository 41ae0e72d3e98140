"""CSV import and export of typical products.

Columns: ``name``, ``category``, ``designation``, ``region`` (required) and
optionally ``confirmed`` (yes/no: whether the designation was checked against its
register; a PAT that is not confirmed is shown as a plain local product), ``source``
(the register and year, or the regional list), ``origin``, ``season_from``,
``season_to``, ``name_en``, ``name_fr``, ``name_de``, ``description``,
``description_en``, ``description_fr``,
``description_de``. Every row is validated first and each bad row reported with
its line (the header is line 1) and reason; nothing is written when a row is bad
unless the caller asks to skip bad rows. Rows match existing products by name
and region, and only the columns present in the file are compared, so importing
the same file twice (or an exported file) changes nothing.
"""

from __future__ import annotations

import csv
import io
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from distretto.catalog.models import Product
from distretto.territory.importing import ImportFileError, ImportReport, RowError, read_rows

__all__ = [
    "EXPORT_COLUMNS",
    "REGIONS",
    "ImportFileError",
    "ImportReport",
    "import_products",
    "products_csv",
]

REQUIRED_COLUMNS = ["name", "category", "designation", "region"]
TEXT_COLUMNS = [
    "origin",
    "source",
    "name_en",
    "name_fr",
    "name_de",
    "description",
    "description_en",
    "description_fr",
    "description_de",
]
MONTH_COLUMNS = ["season_from", "season_to"]
EXPORT_COLUMNS = [
    *REQUIRED_COLUMNS,
    "confirmed",
    "source",
    "origin",
    *MONTH_COLUMNS,
    *TEXT_COLUMNS[2:],
]
YES, NO = {"yes", "sì", "si", "true", "1"}, {"no", "false", "0"}

# The twenty Italian regions, as ISTAT names them.
REGIONS = [
    "Abruzzo",
    "Basilicata",
    "Calabria",
    "Campania",
    "Emilia-Romagna",
    "Friuli-Venezia Giulia",
    "Lazio",
    "Liguria",
    "Lombardia",
    "Marche",
    "Molise",
    "Piemonte",
    "Puglia",
    "Sardegna",
    "Sicilia",
    "Toscana",
    "Trentino-Alto Adige",
    "Umbria",
    "Valle d'Aosta",
    "Veneto",
]
# The PAT categories as the official list names them (DM 350/1999), short and long.
CATEGORY_ALIASES = {
    "bevande analcoliche, distillati e liquori": "beverages",
    "bevande": "beverages",
    "carni (e frattaglie) fresche e loro preparazione": "meat",
    "carni e preparazioni": "meat",
    "condimenti": "condiments",
    "formaggi": "cheese",
    "grassi (burro, margarina, oli)": "fats",
    "grassi": "fats",
    "paste fresche e prodotti della panetteria, della biscotteria, della pasticceria e della "
    "confetteria": "bakery",
    "paste fresche e prodotti da forno": "bakery",
    "piatti composti": "dishes",
    "preparazioni di pesci, molluschi e crostacei e tecniche particolari di allevamento degli "
    "stessi": "fish",
    "preparazioni di pesci, molluschi e crostacei": "fish",
    "prodotti della gastronomia": "gastronomy",
    "prodotti di origine animale (miele, prodotti lattiero caseari di vario tipo escluso il "
    "burro)": "animal_products",
    "prodotti di origine animale": "animal_products",
    "prodotti vegetali allo stato naturale o trasformati": "vegetables",
    "vini": "wine",
    "vino": "wine",
}
_REGION_KEYS = {name.lower().replace("-", " "): name for name in REGIONS}


def _choice(value: str, choices: type, name: str, aliases: dict | None = None) -> str:
    """A choice by its key, an alias, or its label in any of the site's languages."""
    lowered = " ".join(value.strip().lower().split())
    if aliases and lowered in aliases:
        return aliases[lowered]
    for key, label in choices.choices:
        if lowered == key.lower():
            return key
        for language, _language_name in settings.LANGUAGES:
            with translation.override(language):
                if lowered == str(label).lower():
                    return key
    valid = ", ".join(choices.values)
    raise ValidationError(
        {name: _("%(value)r is not one of: %(valid)s.") % {"value": value, "valid": valid}}
    )


def _region(value: str) -> str:
    region = _REGION_KEYS.get(value.strip().lower().replace("-", " "))
    if region is None:
        raise ValidationError(
            {"region": _("%(value)r is not an Italian region.") % {"value": value}}
        )
    return region


def _month(value: str, name: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise ValidationError({name: _("%(value)r is not a month (1-12).") % {"value": value}})
    return int(value)


def _errors_of(exc: ValidationError, line: int) -> list[RowError]:
    if hasattr(exc, "error_dict"):
        return [
            RowError(
                line, None if name == "__all__" else name, "; ".join(e.messages[0] for e in errs)
            )
            for name, errs in exc.error_dict.items()
        ]
    return [RowError(line, None, "; ".join(exc.messages))]


def unique_slug(name: str, region: str, exclude_pk: int | None = None) -> str:
    """A free slug for a product: name-region, numbered if taken."""
    base = slugify(f"{name} {region}")[:130] or "prodotto"
    slug, number = base, 2
    taken = Product.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _values(row: dict[str, Any], header: set[str]) -> dict[str, Any]:
    if not row["name"]:
        raise ValidationError({"name": _("the name is empty")})
    values: dict[str, Any] = {
        "name": row["name"],
        "category": _choice(row["category"], Product.Category, "category", CATEGORY_ALIASES),
        "designation": _choice(row["designation"], Product.Designation, "designation"),
        "region": _region(row["region"]),
    }
    for name in TEXT_COLUMNS:
        if name in header:
            values[name] = row.get(name, "")
    for name in MONTH_COLUMNS:
        if name in header:
            values[name] = _month(row.get(name, ""), name)
    if "confirmed" in header:
        answer = row.get("confirmed", "").strip().lower()
        if answer not in YES | NO:
            raise ValidationError({"confirmed": _("write yes or no")})
        values["designation_confirmed"] = answer in YES
    if (values.get("season_from") is None) != (values.get("season_to") is None):
        raise ValidationError({"season_to": _("give both months of the season, or neither")})
    return values


def import_products(source: bytes | str | IO, *, skip_bad: bool = False) -> ImportReport:
    """Validate every row, then write them all in one transaction (see the module doc)."""
    rows = read_rows(source, REQUIRED_COLUMNS)
    header = set(rows[0][1]) if rows else set()
    report = ImportReport()
    prepared: list[tuple[Product, bool, bool]] = []
    seen: set[tuple[str, str]] = set()
    # One query for all rows rather than one per row; the key matches ``seen``.
    known: dict[tuple[str, str], Product] = {}
    for product in Product.objects.order_by("name", "region", "pk"):
        known.setdefault((product.name.lower(), product.region), product)
    for line, row in rows:
        if "__extra__" in row:
            report.errors.append(RowError(line, None, _("more values than columns")))
            continue
        try:
            values = _values(row, header)
            key = (values["name"].lower(), values["region"])
            if key in seen:
                raise ValidationError(_("the same name and region appear twice in the file"))
            seen.add(key)
            existing = known.get(key)
            product = existing or Product()
            changed = existing is None or any(
                getattr(existing, name) != value for name, value in values.items()
            )
            for name, value in values.items():
                setattr(product, name, value)
            if existing is None:
                product.slug = "pending"
            product.full_clean(exclude=["slug"], validate_unique=False)
            prepared.append((product, existing is None, changed))
        except ValidationError as exc:
            report.errors.extend(_errors_of(exc, line))
    if report.errors and not skip_bad:
        return report
    with transaction.atomic():
        for product, created, changed in prepared:
            if created:
                product.slug = unique_slug(product.name, product.region)
                report.created += 1
            elif changed:
                report.updated += 1
            else:
                report.unchanged += 1
                continue
            product.save()
    report.written = True
    return report


def products_csv(products: QuerySet) -> str:
    """The products as CSV, in the columns ``import_products`` reads back."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for product in products:
        writer.writerow(
            [
                ("yes" if product.designation_confirmed else "no")
                if c == "confirmed"
                else ""
                if getattr(product, c) is None
                else getattr(product, c)
                for c in EXPORT_COLUMNS
            ]
        )
    return out.getvalue()
