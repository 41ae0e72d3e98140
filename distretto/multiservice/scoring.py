"""Feasibility scoring: a model stored as data applied to a check-up's answers.

A model definition is JSON::

    {
      "dimensions": {
        "<dimension>": {
          "weight": 0.2,
          "criteria": [
            {"answer": "grocery_km", "weight": 2, "function": "linear",
             "points": [[0, 0], [3, 50], [10, 100]]},
            {"answer": "public_transport", "function": "map",
             "values": {"none": 100, "rare": 60, "regular": 20}},
            {"answer": "broadband_available", "function": "bool",
             "true": 100, "false": 0}
          ]
        }, ...
      },
      "verdict": {"feasible": 65, "conditional": 45,
                  "critical": {"connectivity": 40, "capacity": 40}},
      "recommendations": [
        {"code": "connectivity_first",
         "when": {"answer": "broadband_available", "op": "eq", "value": false},
         "modules": ["digital-public-services"]},
        {"code": "faster_broadband", "when": [<condition>, <condition>], ...}, ...
      ],
      "training_needs_modules": {"food_safety": "food-safety", ...}
    }

Scoring functions give 0–100 per answer: ``linear`` interpolates between the
points (flat beyond the ends), ``map`` looks the answer up, ``bool`` picks one of
two values. A dimension's score is the weighted mean of its criteria; the overall
score the weighted mean of the dimensions. The verdict is *feasible* when the
overall score reaches ``feasible`` and every critical dimension reaches its floor,
*feasible with conditions* when the overall score reaches ``conditional``, and
*not feasible now* otherwise.

The default model (``DEFAULT_MODEL``, stored as version 1 with no chamber) scores six
dimensions, each 0–100, with these weights in the overall score:

============== ====== ==========================================================
dimension      weight higher when
============== ====== ==========================================================
demand         0.20   more residents (2×), larger share over 65, more tourists
isolation      0.20   farther and slower to grocery (3×, 2×), pharmacy, post
                      office and bank; poorer public transport (2×): more need
premises       0.15   more floor area, more space for services (2×), step-free
connectivity   0.15   broadband available (2×) and faster (30 Mbit/s ≈ 80)
capacity       0.20   years of activity, opening hours, staff, turnover band,
                      succession assured, the owner's willingness (2×)
institutional  0.10   premises offered by the comune, the comune's contribution
============== ====== ==========================================================

Verdict: *feasible* from 65 with connectivity and capacity both at least 40;
*feasible with conditions* from 45; *not feasible now* below. Recommendations (each
with the training modules it calls for): no broadband → connectivity upgrade first;
broadband under 30 Mbit/s → a faster line; under 5 m² for services → reorganise the
layout; no step-free access → remove barriers; under 36 opening hours a week → extend
them; no successor → succession plan; no premises from the comune → involve the
comune; 5,000 tourist presences or more and no tourist information yet → open one; no pagoPA
payments yet → become a pagoPA outlet; post office 5 km or more away and no postal
counter → postal and parcel services; low willingness → a consulting visit first.
The training needs the owner states add their modules too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.utils.translation import gettext_lazy as _

from distretto.core.errors import Invalid
from distretto.multiservice.questionnaire import QUESTIONS

DIMENSIONS: dict[str, object] = {
    "demand": _("Demand"),
    "isolation": _("Isolation and need"),
    "premises": _("Premises"),
    "connectivity": _("Connectivity"),
    "capacity": _("Entrepreneurial capacity"),
    "institutional": _("Institutional support"),
}

VERDICT_LABELS: dict[str, object] = {
    "feasible": _("Feasible"),
    "feasible_with_conditions": _("Feasible with conditions"),
    "not_feasible": _("Not feasible now"),
}

# The text of each recommendation a model may emit; a chamber's model may add
# codes of its own with a ``text`` in the rule.
RECOMMENDATION_TEXTS: dict[str, object] = {
    "connectivity_first": _(
        "Upgrade connectivity first: without broadband no digital public service can start."
    ),
    "faster_broadband": _(
        "Ask for a faster broadband line (at least 30 Mbit/s) before adding online services."
    ),
    "reorganise_layout": _(
        "Reorganise the layout to free a dedicated corner (at least 5 m²) for the services."
    ),
    "step_free_access": _("Remove the barriers at the entrance for people with reduced mobility."),
    "extend_hours": _("Extend the opening hours: services need at least 36 hours a week."),
    "succession_plan": _("Plan the succession of the business before investing."),
    "involve_comune": _(
        "Involve the comune: ask for premises or a contribution and the certificate that the "
        "service is missing."
    ),
    "tourist_office": _(
        "Tourists come here: open a tourist information point with local marketing."
    ),
    "pagopa_outlet": _("Become a pagoPA payment outlet through a payment provider."),
    "postal_services": _("The post office is far: offer postal and parcel pick-up services."),
    "motivate_owner": _("The owner is hesitant: start with a consulting visit before committing."),
}


def _rule(code: str, answer: str, op: str, value: object, modules: list[str]) -> dict:
    return {"code": code, "when": {"answer": answer, "op": op, "value": value}, "modules": modules}


DEFAULT_MODEL: dict = {
    "dimensions": {
        "demand": {
            "weight": 0.2,
            "criteria": [
                {
                    "answer": "residents",
                    "weight": 2,
                    "function": "linear",
                    "points": [[0, 0], [150, 40], [500, 80], [1500, 100]],
                },
                {
                    "answer": "over65_share",
                    "weight": 1,
                    "function": "linear",
                    "points": [[10, 20], [25, 70], [40, 100]],
                },
                {
                    "answer": "tourist_presences",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 10], [5000, 70], [20000, 100]],
                },
            ],
        },
        "isolation": {
            "weight": 0.2,
            "criteria": [
                {
                    "answer": "grocery_km",
                    "weight": 3,
                    "function": "linear",
                    "points": [[0, 0], [3, 50], [10, 100]],
                },
                {
                    "answer": "grocery_minutes",
                    "weight": 2,
                    "function": "linear",
                    "points": [[0, 0], [10, 50], [30, 100]],
                },
                {
                    "answer": "pharmacy_km",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [5, 50], [15, 100]],
                },
                {
                    "answer": "pharmacy_minutes",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [15, 50], [40, 100]],
                },
                {
                    "answer": "post_office_km",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [5, 50], [15, 100]],
                },
                {
                    "answer": "post_office_minutes",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [15, 50], [40, 100]],
                },
                {
                    "answer": "bank_km",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [5, 50], [15, 100]],
                },
                {
                    "answer": "bank_minutes",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [15, 50], [40, 100]],
                },
                {
                    "answer": "public_transport",
                    "weight": 2,
                    "function": "map",
                    "values": {"none": 100, "rare": 60, "regular": 15},
                },
            ],
        },
        "premises": {
            "weight": 0.15,
            "criteria": [
                {
                    "answer": "floor_area_m2",
                    "weight": 1,
                    "function": "linear",
                    "points": [[20, 20], [60, 70], [150, 100]],
                },
                {
                    "answer": "service_space_m2",
                    "weight": 2,
                    "function": "linear",
                    "points": [[0, 0], [5, 50], [15, 100]],
                },
                {
                    "answer": "step_free_access",
                    "weight": 1,
                    "function": "bool",
                    "true": 100,
                    "false": 30,
                },
            ],
        },
        "connectivity": {
            "weight": 0.15,
            "criteria": [
                {
                    "answer": "broadband_available",
                    "weight": 2,
                    "function": "bool",
                    "true": 100,
                    "false": 0,
                },
                {
                    "answer": "broadband_mbps",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [7, 40], [30, 80], [100, 100]],
                },
            ],
        },
        "capacity": {
            "weight": 0.2,
            "criteria": [
                {
                    "answer": "years_active",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 20], [3, 60], [10, 100]],
                },
                {
                    "answer": "weekly_opening_hours",
                    "weight": 1,
                    "function": "linear",
                    "points": [[10, 0], [36, 70], [55, 100]],
                },
                {
                    "answer": "staff",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [1, 50], [2, 80], [3, 100]],
                },
                {
                    "answer": "turnover_band",
                    "weight": 1,
                    "function": "map",
                    "values": {"under_50k": 30, "50k_150k": 60, "150k_300k": 85, "over_300k": 100},
                },
                {
                    "answer": "succession",
                    "weight": 1,
                    "function": "map",
                    "values": {"assured": 100, "uncertain": 50, "none": 10},
                },
                {
                    "answer": "willingness",
                    "weight": 2,
                    "function": "map",
                    "values": {"high": 100, "medium": 60, "low": 10},
                },
            ],
        },
        "institutional": {
            "weight": 0.1,
            "criteria": [
                {
                    "answer": "comune_premises",
                    "weight": 1,
                    "function": "bool",
                    "true": 100,
                    "false": 20,
                },
                {
                    "answer": "comune_contribution_eur",
                    "weight": 1,
                    "function": "linear",
                    "points": [[0, 0], [5000, 70], [20000, 100]],
                },
            ],
        },
    },
    "verdict": {
        "feasible": 65,
        "conditional": 45,
        "critical": {"connectivity": 40, "capacity": 40},
    },
    "recommendations": [
        _rule(
            "connectivity_first", "broadband_available", "eq", False, ["digital-public-services"]
        ),
        {
            "code": "faster_broadband",
            "when": [
                {"answer": "broadband_available", "op": "eq", "value": True},
                {"answer": "broadband_mbps", "op": "lt", "value": 30},
            ],
            "modules": [],
        },
        _rule("reorganise_layout", "service_space_m2", "lt", 5, []),
        _rule("step_free_access", "step_free_access", "eq", False, []),
        _rule("extend_hours", "weekly_opening_hours", "lt", 36, []),
        _rule("succession_plan", "succession", "eq", "none", []),
        _rule("involve_comune", "comune_premises", "eq", False, []),
        {
            "code": "tourist_office",
            "when": [
                {"answer": "tourist_presences", "op": "gte", "value": 5000},
                {"answer": "services_offered", "op": "lacks", "value": "tourist_info"},
            ],
            "modules": ["tourist-hospitality"],
        },
        _rule(
            "pagopa_outlet", "services_offered", "lacks", "pagopa_payments", ["pagopa-operations"]
        ),
        {
            "code": "postal_services",
            "when": [
                {"answer": "post_office_km", "op": "gte", "value": 5},
                {"answer": "services_offered", "op": "lacks", "value": "postal_counter"},
            ],
            "modules": ["digital-public-services"],
        },
        _rule("motivate_owner", "willingness", "eq", "low", ["marketing"]),
    ],
    "training_needs_modules": {
        "digital_public_services": "digital-public-services",
        "pagopa": "pagopa-operations",
        "tourist_hospitality": "tourist-hospitality",
        "food_safety": "food-safety",
        "marketing": "marketing",
    },
}

FUNCTIONS = {"linear", "map", "bool"}
NUMERIC_OPERATORS = {"lt", "lte", "gt", "gte"}
OPERATORS = {"eq", "ne", "lacks", "has"} | NUMERIC_OPERATORS


@dataclass(frozen=True)
class Result:
    score: Decimal
    dimension_scores: dict[str, Decimal]
    verdict: str
    recommendations: list[dict]
    training_modules: list[str]


def _one_decimal(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def linear(points: list[list[float]], x: float) -> float:
    """Piecewise-linear interpolation through ``points`` (sorted by x), flat outside."""
    if x <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in pairwise(points):
        if x <= x1:
            return float(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return float(points[-1][1])


def criterion_score(criterion: dict, value: object) -> float:
    function = criterion["function"]
    if function == "linear":
        return linear(criterion["points"], float(value))
    if function == "map":
        return float(criterion["values"].get(str(value), 0))
    return float(criterion["true"] if value else criterion["false"])


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Which scoring functions fit which kind of question.
FUNCTION_KINDS = {"linear": {"int", "decimal"}, "map": {"choice"}, "bool": {"bool"}}


def _check_criterion(name: str, criterion: object, questions: dict) -> None:
    where = f"definition.dimensions.{name}"
    if not isinstance(criterion, dict) or criterion.get("answer") not in questions:
        raise Invalid(f"A criterion of {name} names no question.", field=where)
    answer, function = criterion["answer"], criterion.get("function")
    if function not in FUNCTIONS:
        raise Invalid(f"Criterion {answer} of {name} has an unknown function.", field=where)
    if questions[answer].kind not in FUNCTION_KINDS[function]:
        raise Invalid(f"Criterion {answer} of {name} cannot use {function}.", field=where)
    weight = criterion.get("weight", 1)
    if not _number(weight) or weight <= 0:
        raise Invalid(f"Criterion {answer} of {name} needs a positive weight.", field=where)
    if function == "linear":
        points = criterion.get("points")
        if (
            not isinstance(points, list)
            or len(points) < 2
            or any(
                not isinstance(p, list) or len(p) != 2 or not all(map(_number, p)) for p in points
            )
            or any(b[0] <= a[0] for a, b in pairwise(points))
        ):
            raise Invalid(
                f"Criterion {answer} of {name} needs points [x, score] with growing x.",
                field=where,
            )
    elif function == "map":
        values = criterion.get("values")
        if not isinstance(values, dict) or not all(map(_number, values.values())):
            raise Invalid(f"Criterion {answer} of {name} needs numeric values.", field=where)
    elif not (_number(criterion.get("true")) and _number(criterion.get("false"))):
        raise Invalid(f"Criterion {answer} of {name} needs true and false scores.", field=where)


def validate_definition(definition: object) -> None:
    """Reject a model definition that could not score every check-up."""
    if not isinstance(definition, dict) or not isinstance(definition.get("dimensions"), dict):
        raise Invalid("A model needs its dimensions.", field="definition.dimensions")
    if not definition["dimensions"]:
        raise Invalid("A model needs at least one dimension.", field="definition.dimensions")
    for name, dimension in definition["dimensions"].items():
        where = f"definition.dimensions.{name}"
        if not isinstance(dimension, dict) or not isinstance(dimension.get("criteria"), list):
            raise Invalid(f"Dimension {name} has no criteria.", field=where)
        if not dimension["criteria"]:
            raise Invalid(f"Dimension {name} has no criteria.", field=where)
        if not _number(dimension.get("weight")) or dimension["weight"] <= 0:
            raise Invalid(f"Dimension {name} needs a positive weight.", field=where)
        for criterion in dimension["criteria"]:
            _check_criterion(name, criterion, QUESTIONS)
    verdict = definition.get("verdict")
    if (
        not isinstance(verdict, dict)
        or not _number(verdict.get("feasible"))
        or not _number(verdict.get("conditional"))
        or not isinstance(verdict.get("critical", {}), dict)
        or not all(map(_number, verdict.get("critical", {}).values()))
    ):
        raise Invalid("A model needs numeric verdict thresholds.", field="definition.verdict")
    where = "definition.recommendations"
    rules = definition.get("recommendations", [])
    if not isinstance(rules, list):
        raise Invalid("Recommendations must be a list of rules.", field=where)
    for rule in rules:
        if not isinstance(rule, dict) or not rule.get("code") or "when" not in rule:
            raise Invalid("A recommendation rule needs a code and a condition.", field=where)
        conditions = _conditions(rule)
        for when in conditions:
            if (
                not isinstance(when, dict)
                or when.get("answer") not in QUESTIONS
                or when.get("op") not in OPERATORS
                or "value" not in when
                or (when["op"] in NUMERIC_OPERATORS and not _number(when["value"]))
            ):
                raise Invalid(
                    f"Recommendation {rule['code']} has a malformed condition.", field=where
                )
        modules = rule.get("modules", [])
        if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
            raise Invalid(f"Recommendation {rule['code']} needs a list of modules.", field=where)
    needs = definition.get("training_needs_modules", {})
    if not isinstance(needs, dict) or not all(isinstance(m, str) for m in needs.values()):
        raise Invalid("training_needs_modules maps topics to module codes.", field="definition")


def _matches(when: dict, answers: dict) -> bool:
    value = answers.get(when["answer"])
    expected = when["value"]
    op = when["op"]
    if op in ("lacks", "has"):
        present = expected in (value or [])
        return present if op == "has" else not present
    if value is None:
        return False
    if op == "eq":
        return value == expected
    if op == "ne":
        return value != expected
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return {
        "lt": value < expected,
        "lte": value <= expected,
        "gt": value > expected,
        "gte": value >= expected,
    }[op]


def _conditions(rule: dict) -> list[dict]:
    """A rule's ``when`` is one condition or a list of conditions that must all hold."""
    return rule["when"] if isinstance(rule["when"], list) else [rule["when"]]


def dimension_label(name: str) -> str:
    return str(DIMENSIONS.get(name, name.replace("_", " ").capitalize()))


def recommendation_text(rule: dict) -> str:
    return str(rule.get("text") or RECOMMENDATION_TEXTS.get(rule["code"], rule["code"]))


def score(definition: dict, answers: dict) -> Result:
    """Score complete, cleaned answers with a model definition."""
    dimension_scores: dict[str, Decimal] = {}
    overall = 0.0
    total_weight = 0.0
    for name, dimension in definition["dimensions"].items():
        weighted = 0.0
        weights = 0.0
        for criterion in dimension["criteria"]:
            value = answers.get(criterion["answer"])
            if value is None:
                continue  # an optional question left blank does not count
            weight = float(criterion.get("weight", 1))
            weighted += weight * criterion_score(criterion, value)
            weights += weight
        dimension_score = weighted / weights if weights else 0.0
        dimension_scores[name] = _one_decimal(dimension_score)
        overall += float(dimension["weight"]) * dimension_score
        total_weight += float(dimension["weight"])
    overall_score = _one_decimal(overall / total_weight)
    thresholds = definition["verdict"]
    critical_ok = all(
        dimension_scores.get(name, Decimal(0)) >= Decimal(str(floor))
        for name, floor in thresholds.get("critical", {}).items()
    )
    if overall_score >= Decimal(str(thresholds["feasible"])) and critical_ok:
        verdict = "feasible"
    elif overall_score >= Decimal(str(thresholds["conditional"])):
        verdict = "feasible_with_conditions"
    else:
        verdict = "not_feasible"
    recommendations = []
    modules: list[str] = []
    for rule in definition.get("recommendations", []):
        if not all(_matches(when, answers) for when in _conditions(rule)):
            continue
        rule_modules = rule.get("modules", [])
        recommendations.append(
            {"code": rule["code"], "text": recommendation_text(rule), "modules": rule_modules}
        )
        modules.extend(m for m in rule_modules if m not in modules)
    needs = definition.get("training_needs_modules", {})
    for topic in answers.get("training_needs", []):
        module = needs.get(topic)
        if module and module not in modules:
            modules.append(module)
    return Result(overall_score, dimension_scores, verdict, recommendations, modules)
