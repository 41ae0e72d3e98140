"""POST /checkups scores a questionnaire; drafts, rescoring, scoping and the PDF report."""

from __future__ import annotations

import copy
import io

import pytest
from pypdf import PdfReader

from distretto.accounts.models import Role
from distretto.accounts.scoping import Principal
from distretto.multiservice import scoring, services
from distretto.multiservice.models import Checkup, CheckupResult, ScoringModel
from distretto.testing import error_of, make_member

pytestmark = pytest.mark.usefixtures("catalogue")


def post_checkup(client, business, answers, **extra):
    return client.post(
        "multiservice/checkups", {"business": business.pk, "answers": answers, **extra}
    )


def test_an_assessor_scores_a_complete_questionnaire(api_as, actors, answers):
    response = post_checkup(api_as(actors.assessor), actors.shop, answers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["verdict"] == "feasible"
    assert body["model_version"] == 1
    assert float(body["score"]) > 65
    assert set(body["dimension_scores"]) == set(scoring.DIMENSIONS)
    assert body["dimension_scores"]["connectivity"] == "93.3"
    assert "pagopa_outlet" in [r["code"] for r in body["recommendations"]]  # no pagoPA yet
    assert "food-safety" in body["training_modules"]  # the owner asked for it
    assert Checkup.objects.get(pk=body["id"]).assessor == actors.assessor


def test_missing_and_out_of_range_answers_are_422_naming_each(api_as, actors, answers):
    del answers["residents"]
    del answers["broadband_available"]
    answers["over65_share"] = 120
    answers["staff"] = -1
    response = post_checkup(api_as(actors.assessor), actors.shop, answers)
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "answers.residents"
    for name in ("residents", "broadband_available", "over65_share", "staff"):
        assert name in error["message"]
    assert not Checkup.objects.exists()  # nothing half-stored


def test_answers_of_the_wrong_type_are_422_not_500(api_as, actors, answers):
    for wrong in ({**answers, "residents": "many"}, {**answers, "willingness": ["high"]}):
        response = post_checkup(api_as(actors.assessor), actors.shop, wrong)
        assert response.status_code == 422
    response = api_as(actors.assessor).post(
        "multiservice/checkups", {"business": actors.shop.pk, "answers": [1, 2]}
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "answers"


def test_a_draft_is_saved_step_by_step_then_submitted(api_as, actors, answers):
    client = api_as(actors.assessor)
    first = {key: answers[key] for key in ("residents", "over65_share", "tourist_presences")}
    response = post_checkup(client, actors.shop, first, draft=True)
    assert response.status_code == 201
    draft = response.json()
    assert draft["status"] == "draft" and draft["score"] is None
    assert "grocery_km" in draft["missing"]
    rest = {k: v for k, v in answers.items() if k not in first}
    response = client.patch(f"multiservice/checkups/{draft['id']}", {"answers": rest})
    assert response.status_code == 200
    assert response.json()["missing"] == []
    response = client.post(f"multiservice/checkups/{draft['id']}/submit", {})
    assert response.status_code == 200
    assert response.json()["verdict"] == "feasible"
    again = client.patch(f"multiservice/checkups/{draft['id']}", {"answers": {"staff": 1}})
    assert again.status_code == 409


def test_rescoring_with_a_new_version_keeps_both_results(api_as, actors, answers):
    checkup_id = post_checkup(api_as(actors.assessor), actors.shop, answers).json()["id"]
    stricter = copy.deepcopy(scoring.DEFAULT_MODEL)
    stricter["verdict"]["feasible"] = 95
    response = api_as(actors.operator).post(
        "multiservice/scoring-models",
        {"chamber": actors.chamber.pk, "name": "Più severo", "definition": stricter},
    )
    assert response.status_code == 201
    assert response.json()["version"] == 2
    response = api_as(actors.assessor).post(
        f"multiservice/checkups/{checkup_id}/rescore", {"model_version": 2}
    )
    assert response.status_code == 201
    assert response.json()["verdict"] == "feasible_with_conditions"
    body = api_as(actors.assessor).get(f"multiservice/checkups/{checkup_id}").json()
    assert [r["model_version"] for r in body["results"]] == [2, 1]
    assert CheckupResult.objects.filter(checkup=checkup_id).count() == 2
    # New check-ups of this chamber use its newest version.
    assert post_checkup(api_as(actors.assessor), actors.shop, answers).json()["model_version"] == 2


def test_only_the_chambers_operators_publish_models_and_bad_ones_are_422(api_as, actors):
    definition = copy.deepcopy(scoring.DEFAULT_MODEL)
    response = api_as(actors.manager).post(
        "multiservice/scoring-models",
        {"chamber": actors.chamber.pk, "name": "x", "definition": definition},
    )
    assert response.status_code == 404
    definition["dimensions"]["demand"]["weight"] = -1
    response = api_as(actors.operator).post(
        "multiservice/scoring-models",
        {"chamber": actors.chamber.pk, "name": "x", "definition": definition},
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "definition.dimensions.demand"


def test_scoping_of_checkups(api_as, actors, answers):
    """An assessor sees the check-ups assigned to them; a shopkeeper only its own shop's;
    the district's manager and the chamber's operator all of theirs."""
    other_assessor = make_member("assessor2", Role.ASSESSOR, district=actors.district)
    mine = services.assess(Principal(user=actors.assessor), actors.shop, answers).checkup
    theirs = services.assess(Principal(user=other_assessor), actors.other_shop, answers).checkup

    def visible(user) -> set[int]:
        body = api_as(user).get("multiservice/checkups").json()
        assert body["count"] == len(body["items"])
        return {item["id"] for item in body["items"]}

    assert visible(actors.assessor) == {mine.pk}
    assert visible(other_assessor) == {theirs.pk}
    assert visible(actors.merchant) == {mine.pk}  # the bakery's own
    assert visible(actors.manager) == {mine.pk, theirs.pk}
    assert visible(actors.operator) == {mine.pk, theirs.pk}
    assert visible(actors.outsider) == set()
    assert api_as(actors.assessor).get(f"multiservice/checkups/{theirs.pk}").status_code == 404
    assert api_as(actors.merchant).get(f"multiservice/checkups/{theirs.pk}").status_code == 404
    pdf = api_as(actors.outsider).get(f"multiservice/checkups/{mine.pk}/report.pdf")
    assert pdf.status_code == 404


def test_a_shopkeeper_cannot_run_a_checkup(api_as, actors, answers):
    response = post_checkup(api_as(actors.merchant), actors.shop, answers)
    assert response.status_code == 404
    response = post_checkup(api_as(actors.assessor), actors.foreign_shop, answers)
    assert response.status_code == 404


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_report_pdf_names_the_shop_the_verdict_and_the_plan(api_as, actors, answers, modules):
    answers = {**answers, "broadband_available": False, "broadband_mbps": 0}
    checkup_id = post_checkup(api_as(actors.assessor), actors.shop, answers).json()["id"]
    response = api_as(actors.merchant).get(f"multiservice/checkups/{checkup_id}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Panetteria Fanfulla" in text
    assert "Fattibile con condizioni" in text or "Feasible with conditions" in text
    assert "Servizi digitali e pubblici" in text  # the module connectivity calls for
    assert "assessor" in text  # who assessed


def test_the_report_of_a_draft_is_409(api_as, actors):
    draft = post_checkup(api_as(actors.assessor), actors.shop, {"staff": 1}, draft=True).json()
    response = api_as(actors.assessor).get(f"multiservice/checkups/{draft['id']}/report.pdf")
    assert response.status_code == 409


def test_comparison_over_time_shows_the_change(api_as, actors, answers):
    client = api_as(actors.assessor)
    post_checkup(client, actors.shop, {**answers, "broadband_available": False})
    post_checkup(client, actors.shop, answers)
    rows = client.get("multiservice/checkups/compare", {"business": actors.shop.pk}).json()
    assert len(rows) == 2
    assert rows[0]["change"] is None
    assert float(rows[1]["change"]) > 0
    assert float(rows[1]["score"]) - float(rows[0]["score"]) == pytest.approx(
        float(rows[1]["change"]), abs=0.05
    )


def test_the_default_model_is_readable_as_data(api_as, actors):
    body = api_as(actors.assessor).get("multiservice/scoring-models").json()
    assert [item["version"] for item in body["items"]] == [1]
    model = api_as(actors.assessor).get("multiservice/scoring-models/1").json()
    assert model["chamber"] is None
    assert model["definition"] == scoring.DEFAULT_MODEL
    assert api_as(actors.assessor).get("multiservice/scoring-models/9").status_code == 404


def test_a_manager_assigns_the_checkup_to_an_assessor_of_the_district(api_as, actors, answers):
    response = post_checkup(
        api_as(actors.manager), actors.shop, answers, assessor=actors.assessor.pk
    )
    assert response.status_code == 201
    assert response.json()["assessor"] == actors.assessor.pk
    mine = api_as(actors.assessor).get(f"multiservice/checkups/{response.json()['id']}")
    assert mine.status_code == 200
    wrong = post_checkup(api_as(actors.manager), actors.shop, answers, assessor=actors.merchant.pk)
    assert wrong.status_code == 422
    assert error_of(wrong)["field"] == "assessor"


def test_the_admin_rejects_a_malformed_model(client, actors):
    client.force_login(actors.admin)
    response = client.post(
        "/admin/multiservice/scoringmodel/add/",
        {"version": 5, "name": "rotto", "definition": '{"dimensions": {}}'},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "at least one dimension" in response.content.decode()
    assert not ScoringModel.objects.filter(version=5).exists()
