"""Climate zone and degree days of a comune (DPR 412/93, Allegato A), and why one is missing.

The loader (``comuni.py``) stores the official value when the comune has exactly one
row in Allegato A. Otherwise it stores why not in ``Comune.climate_note``:
``new:YYYY-MM-DD`` for a comune instituted after the decree (no official value exists;
nothing is averaged from its predecessors), ``rows:E/2567/194;F/3001/431`` when the
decree gives more than one value (zone/GG/altitude), so the site's own altitude decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from distretto.territory.models import Comune


@dataclass(frozen=True)
class ClimateValue:
    zone: str
    degree_days: int
    altitude_m: int | None = None


def official_values(comune: Comune) -> list[ClimateValue]:
    """The Allegato A values of the comune: none, one, or several (by altitude)."""
    if comune.degree_days is not None:
        return [ClimateValue(comune.climate_zone, comune.degree_days, comune.altitude_m)]
    if not comune.climate_note.startswith("rows:"):
        return []
    values = []
    for part in comune.climate_note.removeprefix("rows:").split(";"):
        zone, degree_days, altitude = part.split("/")
        values.append(ClimateValue(zone, int(degree_days), int(altitude) if altitude else None))
    return values


def missing_reason(comune: Comune) -> str:
    """Why the comune has no single official figure, and what to enter instead."""
    note = comune.climate_note
    if note.startswith("rows:"):
        values = "; ".join(
            _("zone %(zone)s, %(gg)s GG at %(altitude)s m")
            % {
                "zone": v.zone,
                "gg": number_format(v.degree_days, force_grouping=True),
                "altitude": v.altitude_m,
            }
            for v in official_values(comune)
        )
        return _(
            "DPR 412/93 gives %(comune)s more than one value (%(values)s): enter the degree "
            "days and zone of the site's own altitude."
        ) % {"comune": comune.name, "values": values}
    if not note.startswith("new:"):
        return _("No degree days are recorded for %(comune)s: enter the degree days and zone.") % {
            "comune": comune.name
        }
    if note != "new:":
        instituted = date_format(dt.date.fromisoformat(note.removeprefix("new:")), "DATE_FORMAT")
        reason = _("it was instituted on %(date)s, after the decree") % {"date": instituted}
    else:
        reason = _("it was instituted after the decree")
    return _(
        "DPR 412/93 has no official degree days for %(comune)s: %(reason)s. Enter the degree "
        "days and zone from the comune's technical office or the building's energy "
        "performance certificate (APE); they are not averaged from other comuni."
    ) % {"comune": comune.name, "reason": reason}
