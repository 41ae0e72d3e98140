"""Changes to the meter registry: edits, meter replacement, CSV import of units and meters."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.core.errors import Invalid
from distretto.energy import services
from distretto.energy.models import Meter, Site, Unit


def update(obj: Model, fields: dict) -> Model:
    """Apply ``fields`` to a unit or meter, validated as a whole."""
    for name, value in fields.items():
        setattr(obj, name, value)
    try:
        obj.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise Invalid(messages[0], field=field) from None
    obj.save()
    return obj


def replace_meter(old: Meter, new: Meter) -> None:
    """Record that ``new`` replaced ``old``: the old one stops, its history stays."""
    if old.site_id != new.site_id:
        raise Invalid(_("A meter is replaced by one of the same site."), field="replaces")
    if old.kind != new.kind:
        # Allocation reads a site's consumption by kind: another kind would lose the history.
        raise Invalid(
            _("A meter is replaced by one of the same kind, not a “%(old)s” by a “%(new)s”.")
            % {"old": old.get_kind_display(), "new": new.get_kind_display()},
            field="replaces",
        )
    old.replaced_by = new
    old.removed_at = old.removed_at or new.installed_at or timezone.now()
    old.save(update_fields=["replaced_by", "removed_at"])
    if new.unit_id is None and old.unit_id is not None:
        new.unit_id = old.unit_id
        new.save(update_fields=["unit"])


def _decimal(row: dict, name: str, line: int, default: str | None = None) -> Decimal | None:
    raw = (row.get(name) or "").strip().replace(",", ".")
    if not raw:
        return None if default is None else Decimal(default)
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise Invalid(
            _("Line %(line)d: %(name)s '%(value)s' is not a number.")
            % {"line": line, "name": name, "value": raw},
            field=name,
        ) from None


def import_registry_csv(site: Site, lines: Iterable[str]) -> dict:
    """Create or update units and meters of ``site`` from one CSV.

    Columns: ``type`` (unit | meter), ``name`` (unit name; for a meter, its unit or
    empty), ``kind``, ``area_m2``, ``millesimi_heat``, ``millesimi_property``,
    ``external_id``, ``kq``, ``kc``, ``role``, ``description``. Units come first
    in the file. All or nothing: one bad line changes nothing and names the line.
    """
    rows = list(csv.DictReader(lines))
    counts = {"units": 0, "meters": 0}
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            kind = row.get("type", "")
            try:
                if kind == "unit":
                    _import_unit(site, row, line)
                    counts["units"] += 1
                elif kind == "meter":
                    _import_meter(site, row, line)
                    counts["meters"] += 1
                else:
                    raise Invalid(
                        _("Line %(line)d: type is unit or meter.") % {"line": line}, field="type"
                    )
            except ValidationError as error:
                field, messages = next(iter(error.message_dict.items()))
                raise Invalid(
                    _("Line %(line)d: %(message)s") % {"line": line, "message": messages[0]},
                    field=field,
                ) from None
    return counts


def _import_unit(site: Site, row: dict, line: int) -> None:
    if not row.get("name"):
        raise Invalid(_("Line %(line)d: a unit needs a name.") % {"line": line}, field="name")
    unit, _created = Unit.objects.get_or_create(site=site, name=row["name"])
    unit.kind = row.get("kind") or unit.kind
    unit.area_m2 = _decimal(row, "area_m2", line, "0")
    unit.millesimi_heat = _decimal(row, "millesimi_heat", line, "0")
    unit.millesimi_property = _decimal(row, "millesimi_property", line, "0")
    unit.full_clean()
    unit.save()


def _import_meter(site: Site, row: dict, line: int) -> None:
    if not row.get("external_id"):
        raise Invalid(
            _("Line %(line)d: a meter needs an external_id.") % {"line": line},
            field="external_id",
        )
    unit = None
    if row.get("name"):
        unit = Unit.objects.filter(site=site, name=row["name"]).first()
        if unit is None:
            raise Invalid(
                _("Line %(line)d: no unit '%(name)s' on this site.")
                % {"line": line, "name": row["name"]},
                field="name",
            )
    meter = Meter.objects.filter(site=site, external_id=row["external_id"]).first()
    if meter is None:
        meter = Meter(site=site, external_id=row["external_id"])
    meter.unit = unit
    meter.kind = row.get("kind") or meter.kind
    meter.role = row.get("role") or meter.role
    meter.description = row.get("description", meter.description)
    meter.kq = _decimal(row, "kq", line, "1")
    meter.kc = _decimal(row, "kc", line, "1")
    if not meter.pk:
        meter.unit_of_measure = services.DEFAULT_UNITS.get(meter.kind, "kWh")
    meter.full_clean()
    meter.save()
