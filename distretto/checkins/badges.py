"""Which badges a card's accepted check-ins earn: pure rules, no database.

- ``first_checkin``: at least ``threshold`` (normally 1) accepted check-ins.
- ``distinct_venues``: check-ins at ``threshold`` different venues.
- ``route``: a stamp at every venue of the route (the valley's "passport").
- ``distinct_months``: check-ins in ``threshold`` different calendar months.
- ``seasonal``: ``threshold`` check-ins in the season's months of one calendar year.

Dates are local dates in the district's time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Rule:
    badge_id: int
    kind: str
    threshold: int = 1
    route_points: frozenset[int] = field(default_factory=frozenset)
    months: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Visit:
    point_id: int
    local_date: date


def satisfied(rule: Rule, visits: list[Visit]) -> bool:
    if rule.kind == "first_checkin":
        return len(visits) >= rule.threshold
    if rule.kind == "distinct_venues":
        return len({v.point_id for v in visits}) >= rule.threshold
    if rule.kind == "route":
        return bool(rule.route_points) and rule.route_points <= {v.point_id for v in visits}
    if rule.kind == "distinct_months":
        return len({(v.local_date.year, v.local_date.month) for v in visits}) >= rule.threshold
    if rule.kind == "seasonal":
        per_year = Counter(v.local_date.year for v in visits if v.local_date.month in rule.months)
        return any(count >= rule.threshold for count in per_year.values())
    return False


def earned(rules: Iterable[Rule], visits: Iterable[Visit]) -> list[int]:
    """Ids of the badges whose rule ``visits`` satisfy, in the order of ``rules``."""
    visits = list(visits)
    return [rule.badge_id for rule in rules if satisfied(rule, visits)]
