"""ATECO codes (ISTAT's classification of economic activities) against the edition in force.

The classification and its Italian descriptions come from the ``ateco`` package (ISTAT's
2007, 2022 and 2025 editions and the 2025-2022 correspondence table as data; ISTAT,
CC BY 4.0), read offline. ATECO 2025 is in force since 2025: a new or changed code must
be a 2025 code; codes stored before keep working and ``legacy_codes`` finds them with
the 2025 codes ISTAT's correspondence table gives for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import ateco as istat
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EDITION = "2025"
OLDER_EDITIONS = ("2022", "2007")  # "ATECO 2007 aggiornamento 2022", then ATECO 2007


@dataclass(frozen=True)
class Suggestion:
    code: str
    description: str
    whole: bool  # the old code maps entirely onto this one ("TOTALE" in ISTAT's table)


def description(code: str) -> str | None:
    """The ATECO 2025 Italian description of ``code``, or None if it is not a 2025 code."""
    if not code:
        return None
    node = istat.lookup(code, edition=EDITION)
    return node.title if node is not None else None


def edition_of(code: str) -> str | None:
    """The newest edition that has ``code``: "2025", "2022", "2007", or None."""
    for edition in (EDITION, *OLDER_EDITIONS):
        if istat.lookup(code, edition=edition) is not None:
            return edition
    return None


def suggestions(code: str) -> list[Suggestion]:
    """The 2025 codes ISTAT's correspondence table gives for an older code.

    The table links the 2022 update of ATECO 2007 to ATECO 2025; a 2007 code that the
    2022 update kept is read as that 2022 code.
    """
    if istat.lookup(code, edition="2022") is None:
        return []
    mapped = istat.map_code(code, "2022", EDITION)
    return [
        Suggestion(target, description(target) or "", coverage == "TOTALE")
        for target, coverage in zip(mapped.targets, mapped.coverages, strict=True)
    ]


def validate_current(code: str) -> None:
    """Refuse a code that is not in ATECO 2025, naming it and what it became."""
    if not code or description(code) is not None:
        return
    edition = edition_of(code)
    if edition is None:
        raise ValidationError(
            _("%(code)s is not an ATECO 2025 code."), params={"code": code}, code="ateco_unknown"
        )
    options = "; ".join(f"{s.code} {s.description}" for s in suggestions(code))
    raise ValidationError(
        _(
            "%(code)s is an ATECO %(edition)s code, no longer in force: "
            "use an ATECO 2025 code%(hint)s."
        ),
        params={
            "code": code,
            "edition": "2007" if edition == "2022" else edition,
            "hint": f" ({options})" if options else "",
        },
        code="ateco_obsolete",
    )
