"""The feasibility scoring model: pure functions on answers, no database."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distretto.core.errors import Invalid
from distretto.multiservice import scoring
from distretto.multiservice.questionnaire import clean_answers
from distretto.multiservice.tests.conftest import GOOD_ANSWERS

MODEL = scoring.DEFAULT_MODEL
CODES = {"tourist_info", "pagopa_payments", "parcel_pickup", "postal_counter"}


def score(answers: dict) -> scoring.Result:
    return scoring.score(MODEL, clean_answers(answers, complete=True, service_codes=CODES))


def test_the_default_model_is_a_valid_definition():
    scoring.validate_definition(MODEL)
    assert set(MODEL["dimensions"]) == {
        "demand",
        "isolation",
        "premises",
        "connectivity",
        "capacity",
        "institutional",
    }


def test_connectivity_worked_example(answers):
    # broadband available: 100 with weight 2; 30 Mbit/s: 80 with weight 1
    # (100*2 + 80*1) / 3 = 93.3
    assert score(answers).dimension_scores["connectivity"] == Decimal("93.3")


def test_overall_score_is_the_weighted_mean_of_the_dimensions(answers):
    result = score(answers)
    weights = {name: d["weight"] for name, d in MODEL["dimensions"].items()}
    expected = sum(float(result.dimension_scores[n]) * w for n, w in weights.items())
    assert abs(float(result.score) - expected / sum(weights.values())) < 0.1


# (answer, worse value, better value, dimension that must rise)
DIRECTIONS = [
    ("residents", 50, 900, "demand"),
    ("over65_share", 12, 38, "demand"),
    ("tourist_presences", 0, 15000, "demand"),
    ("grocery_km", 1, 15, "isolation"),
    ("grocery_minutes", 3, 40, "isolation"),
    ("pharmacy_km", 1, 14, "isolation"),
    ("post_office_minutes", 2, 35, "isolation"),
    ("bank_km", 0, 12, "isolation"),
    ("public_transport", "regular", "none", "isolation"),
    ("floor_area_m2", 25, 140, "premises"),
    ("service_space_m2", 0, 12, "premises"),
    ("step_free_access", False, True, "premises"),
    ("broadband_available", False, True, "connectivity"),
    ("broadband_mbps", 4, 90, "connectivity"),
    ("years_active", 1, 9, "capacity"),
    ("weekly_opening_hours", 20, 50, "capacity"),
    ("staff", 0, 3, "capacity"),
    ("turnover_band", "under_50k", "over_300k", "capacity"),
    ("succession", "none", "assured", "capacity"),
    ("willingness", "low", "high", "capacity"),
    ("comune_premises", False, True, "institutional"),
    ("comune_contribution_eur", 0, 15000, "institutional"),
]


@pytest.mark.parametrize(("answer", "worse", "better", "dimension"), DIRECTIONS)
def test_each_answer_moves_its_dimension_the_right_way(answers, answer, worse, better, dimension):
    low = score({**answers, answer: worse})
    high = score({**answers, answer: better})
    assert high.dimension_scores[dimension] > low.dimension_scores[dimension]
    assert high.score >= low.score


def test_more_isolation_means_more_need(answers):
    near = {**answers, "grocery_km": 0.5, "grocery_minutes": 2, "public_transport": "regular"}
    far = {**answers, "grocery_km": 20, "grocery_minutes": 45, "public_transport": "none"}
    assert score(far).dimension_scores["isolation"] > score(near).dimension_scores["isolation"]


@given(
    st.floats(min_value=0, max_value=300, allow_nan=False),
    st.floats(min_value=0, max_value=300, allow_nan=False),
)
def test_isolation_never_falls_as_the_grocery_gets_farther(km_a, km_b):
    near, far = sorted((km_a, km_b))
    near_result = score({**GOOD_ANSWERS, "grocery_km": near})
    far_result = score({**GOOD_ANSWERS, "grocery_km": far})
    assert far_result.dimension_scores["isolation"] >= near_result.dimension_scores["isolation"]
    assert Decimal(0) <= far_result.score <= Decimal(100)


def test_verdicts(answers):
    assert score(answers).verdict == "feasible"
    weak = {
        **answers,
        "residents": 40,
        "tourist_presences": 0,
        "grocery_km": 1,
        "grocery_minutes": 3,
        "public_transport": "regular",
        "comune_premises": False,
        "comune_contribution_eur": 0,
        "willingness": "medium",
        "weekly_opening_hours": 30,
    }
    assert score(weak).verdict == "feasible_with_conditions"
    hopeless = {
        **weak,
        "broadband_available": False,
        "broadband_mbps": 0,
        "service_space_m2": 0,
        "succession": "none",
        "willingness": "low",
        "staff": 0,
    }
    assert score(hopeless).verdict == "not_feasible"


def test_a_critical_dimension_below_its_floor_blocks_feasible(answers):
    # Strong everywhere, but no broadband: connectivity 0 < floor 40.
    result = score({**answers, "broadband_available": False, "broadband_mbps": 0})
    assert result.dimension_scores["connectivity"] == Decimal("0.0")
    assert result.score >= Decimal(45)
    assert result.verdict == "feasible_with_conditions"


def codes(result: scoring.Result) -> list[str]:
    return [r["code"] for r in result.recommendations]


def test_no_broadband_recommends_connectivity_first_with_its_module(answers):
    result = score({**answers, "broadband_available": False, "broadband_mbps": 0})
    assert "connectivity_first" in codes(result)
    assert "faster_broadband" not in codes(result)
    assert "digital-public-services" in result.training_modules
    text = next(r["text"] for r in result.recommendations if r["code"] == "connectivity_first")
    assert text == str(scoring.RECOMMENDATION_TEXTS["connectivity_first"])


def test_slow_broadband_recommends_a_faster_line(answers):
    assert "faster_broadband" in codes(score({**answers, "broadband_mbps": 8}))
    assert "faster_broadband" not in codes(score({**answers, "broadband_mbps": 50}))


def test_no_dedicated_space_recommends_reorganising_the_layout(answers):
    assert "reorganise_layout" in codes(score({**answers, "service_space_m2": 0}))
    assert "reorganise_layout" not in codes(score(answers))


def test_a_tourist_office_is_recommended_only_where_tourists_come_and_none_exists(answers):
    many = {**answers, "tourist_presences": 12000, "services_offered": []}
    assert "tourist_office" in codes(score(many))
    assert "tourist_office" not in codes(score({**many, "services_offered": ["tourist_info"]}))
    assert "tourist_office" not in codes(score({**many, "tourist_presences": 800}))


def test_pagopa_outlet_only_when_the_shop_does_not_collect_payments(answers):
    assert "pagopa_outlet" in codes(score(answers))
    paying = {**answers, "services_offered": ["pagopa_payments"]}
    assert "pagopa_outlet" not in codes(score(paying))


def test_training_modules_come_from_recommendations_and_stated_needs(answers):
    many_tourists = {**answers, "tourist_presences": 9000, "services_offered": []}
    result = score({**many_tourists, "training_needs": ["marketing"]})
    assert "tourist-hospitality" in result.training_modules  # many tourists
    assert "pagopa-operations" in result.training_modules  # no pagoPA yet
    assert "marketing" in result.training_modules  # asked for by the owner
    assert "food-safety" not in result.training_modules
    assert len(result.training_modules) == len(set(result.training_modules))


def test_another_model_version_can_weigh_things_differently(answers):
    connectivity_only = copy.deepcopy(MODEL)
    for name, dimension in connectivity_only["dimensions"].items():
        dimension["weight"] = 1 if name == "connectivity" else 0.0001
    scoring.validate_definition(connectivity_only)
    cleaned = clean_answers(answers, complete=True, service_codes=CODES)
    assert scoring.score(connectivity_only, cleaned).score == Decimal("93.3")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda m: m.pop("dimensions"), "definition.dimensions"),
        (lambda m: m["dimensions"]["demand"].update(weight=0), "definition.dimensions.demand"),
        (
            lambda m: m["dimensions"]["demand"]["criteria"][0].update(answer="shoe_size"),
            "definition.dimensions.demand",
        ),
        (
            lambda m: m["dimensions"]["demand"]["criteria"][0].update(points=[[5, 0], [1, 9]]),
            "definition.dimensions.demand",
        ),
        (
            lambda m: m["dimensions"]["premises"]["criteria"][2].update(function="linear"),
            "definition.dimensions.premises",
        ),
        (lambda m: m["verdict"].update(feasible="high"), "definition.verdict"),
        (
            lambda m: m["recommendations"][0]["when"].update(op="lt", value="x"),
            "definition.recommendations",
        ),
    ],
)
def test_malformed_models_are_rejected_naming_where(mutate, field):
    definition = copy.deepcopy(MODEL)
    mutate(definition)
    with pytest.raises(Invalid) as error:
        scoring.validate_definition(definition)
    assert error.value.field == field


def test_missing_and_out_of_range_answers_are_all_named(answers):
    del answers["residents"]
    del answers["willingness"]
    answers["over65_share"] = 140
    with pytest.raises(Invalid) as error:
        clean_answers(answers, complete=True, service_codes=CODES)
    assert error.value.field == "answers.residents"
    for key in ("residents", "willingness", "over65_share"):
        assert key in error.value.message


def test_a_draft_may_leave_answers_out_but_not_give_wrong_ones():
    assert clean_answers({"residents": "350"}, complete=False) == {"residents": 350}
    with pytest.raises(Invalid) as error:
        clean_answers({"staff": 2.5}, complete=False)
    assert error.value.field == "answers.staff"


def test_services_offered_must_be_catalogue_codes(answers):
    answers["services_offered"] = ["tourist_info", "teleportation"]
    with pytest.raises(Invalid) as error:
        clean_answers(answers, complete=True, service_codes=CODES)
    assert "teleportation" in error.value.message


def test_service_space_cannot_exceed_the_floor_area(answers):
    with pytest.raises(Invalid) as error:
        clean_answers({**answers, "service_space_m2": 200}, complete=True, service_codes=CODES)
    assert error.value.field == "answers.service_space_m2"


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "12", "1,5", "true", "on", "high", "none", "tourist_info", "x"])
)
json_values = scalars | st.lists(scalars, max_size=3) | st.just({"nested": 1})


@given(st.dictionaries(st.sampled_from(sorted(GOOD_ANSWERS)), json_values, max_size=6))
def test_any_json_answers_are_either_accepted_or_invalid_never_a_crash(changes):
    try:
        cleaned = clean_answers({**GOOD_ANSWERS, **changes}, complete=True, service_codes=CODES)
    except Invalid as error:
        assert error.field.startswith("answers.")
    else:
        result = scoring.score(MODEL, cleaned)
        assert Decimal(0) <= result.score <= Decimal(100)
