"""Training: editions with a capacity, enrolments, attendance, certificates, the plan."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from distretto.accounts.scoping import Principal
from distretto.core.errors import Conflict
from distretto.multiservice import services
from distretto.multiservice.models import Enrolment, TrainingEdition
from distretto.testing import BusinessFactory, error_of


@pytest.fixture
def edition(actors, modules):
    today = timezone.localdate()
    return TrainingEdition.objects.create(
        module=modules["pagopa-operations"],  # 8 hours
        district=actors.district,
        starts_on=today,
        ends_on=today + timedelta(days=10),
        capacity=2,
        location="Sala civica",
    )


def enrol(client, edition, business, participant="Anna"):
    return client.post(
        f"multiservice/training/editions/{edition.pk}/enrolments",
        {"business": business.pk, "participant": participant},
    )


def test_enrolments_stop_at_the_capacity(api_as, actors, edition):
    trainer = api_as(actors.assessor)
    assert enrol(trainer, edition, actors.shop, "Anna").status_code == 201
    assert enrol(trainer, edition, actors.other_shop, "Bruno").status_code == 201
    full = enrol(trainer, edition, actors.other_shop, "Carla")
    assert full.status_code == 409
    assert error_of(full)["code"] == "edition_full"
    assert edition.enrolments.count() == 2


def test_a_cancelled_enrolment_frees_its_seat(api_as, actors, edition):
    trainer = api_as(actors.assessor)
    first = enrol(trainer, edition, actors.shop, "Anna").json()
    enrol(trainer, edition, actors.other_shop, "Bruno")
    cancel = api_as(actors.merchant).post(f"multiservice/training/enrolments/{first['id']}/cancel")
    assert cancel.status_code == 200
    assert enrol(trainer, edition, actors.other_shop, "Carla").status_code == 201
    listed = trainer.get("multiservice/training/editions").json()["items"][0]
    assert listed["seats_taken"] == 2 and listed["capacity"] == 2


def test_the_same_person_cannot_enrol_twice(api_as, actors, edition):
    assert enrol(api_as(actors.merchant), edition, actors.shop).status_code == 201
    again = enrol(api_as(actors.merchant), edition, actors.shop)
    assert again.status_code == 409
    assert error_of(again)["code"] == "already_enrolled"


def test_a_shopkeeper_enrols_its_own_shop_only(api_as, actors, edition):
    assert enrol(api_as(actors.merchant), edition, actors.shop).status_code == 201
    assert enrol(api_as(actors.merchant), edition, actors.other_shop).status_code == 404
    assert enrol(api_as(actors.outsider), edition, actors.shop).status_code == 404


def test_an_edition_that_is_over_takes_no_enrolment(api_as, actors, edition):
    TrainingEdition.objects.filter(pk=edition.pk).update(
        starts_on=edition.starts_on - timedelta(days=30),
        ends_on=edition.starts_on - timedelta(days=20),
    )
    response = enrol(api_as(actors.merchant), edition, actors.shop)
    assert response.status_code == 409
    assert error_of(response)["code"] == "edition_over"


def test_attending_all_the_hours_completes_with_a_certificate(api_as, actors, edition):
    enrolment_id = enrol(api_as(actors.merchant), edition, actors.shop, "Anna Negoziante").json()[
        "id"
    ]
    trainer = api_as(actors.assessor)
    url = f"multiservice/training/enrolments/{enrolment_id}/attendance"
    first = trainer.post(url, {"attended_on": str(edition.starts_on), "hours": "4"})
    assert first.status_code == 201
    assert first.json()["status"] == "enrolled"
    certificate_url = f"multiservice/training/enrolments/{enrolment_id}/certificate.pdf"
    assert api_as(actors.merchant).get(certificate_url).status_code == 409
    day_two = str(edition.starts_on + timedelta(days=1))
    second = trainer.post(url, {"attended_on": day_two, "hours": "4"})  # 4 + 4 = 8 hours
    assert second.json()["status"] == "completed"
    assert second.json()["hours_attended"] == "8.0"
    code = second.json()["certificate_code"]
    response = api_as(actors.merchant).get(certificate_url)
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Anna Negoziante" in text
    assert "pagoPA" in text and code in text


def test_only_trainers_record_attendance_within_the_edition(api_as, actors, edition):
    enrolment_id = enrol(api_as(actors.merchant), edition, actors.shop).json()["id"]
    url = f"multiservice/training/enrolments/{enrolment_id}/attendance"
    body = {"attended_on": str(edition.starts_on), "hours": "4"}
    assert api_as(actors.merchant).post(url, body).status_code == 403
    outside = {"attended_on": str(edition.ends_on + timedelta(days=1)), "hours": "4"}
    response = api_as(actors.assessor).post(url, outside)
    assert response.status_code == 422
    assert error_of(response)["field"] == "attended_on"


def test_the_shopkeepers_plan_follows_its_checkup_and_progress(
    api_as, actors, edition, answers, catalogue
):
    # No broadband and no pagoPA yet: digital services and pagoPA modules are recommended.
    answers = {**answers, "broadband_available": False, "services_offered": []}
    services.assess(Principal(user=actors.assessor), actors.shop, answers)
    enrol(api_as(actors.merchant), edition, actors.shop)
    plan = (
        api_as(actors.merchant)
        .get("multiservice/training/plan", {"business": actors.shop.pk})
        .json()
    )
    status = {item["module"]: item["status"] for item in plan["items"]}
    assert status["digital-public-services"] == "to_enrol"
    assert status["pagopa-operations"] == "enrolled"
    assert plan["completed"] == 0 and plan["total"] == len(plan["items"])
    other = BusinessFactory(district=actors.other_district)
    response = api_as(actors.merchant).get("multiservice/training/plan", {"business": other.pk})
    assert response.status_code == 404


def test_enrolment_is_serialised_on_the_edition_row(actors, edition):
    """Two enrolments one after the other never exceed the capacity, even through the
    service layer directly."""
    principal = Principal(user=actors.assessor)
    for name in ("A", "B"):
        services.enrol(principal, edition, actors.shop, name)
    with pytest.raises(Conflict):
        services.enrol(principal, edition, actors.other_shop, "C")
    assert Enrolment.objects.filter(edition=edition).count() == 2


def test_the_lists_count_seats_and_hours_in_a_fixed_number_of_queries(
    api_as, actors, edition, modules
):
    """Seats taken and hours attended come with the list query, not one query per row."""
    trainer = api_as(actors.assessor)
    first = enrol(trainer, edition, actors.shop, "Anna").json()["id"]
    trainer.post(
        f"multiservice/training/enrolments/{first}/attendance",
        {"attended_on": str(edition.starts_on), "hours": "2.5"},
    )

    def queries(path: str) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            body = trainer.get(path).json()
        return len(captured), body

    editions_before, _body = queries("multiservice/training/editions")
    enrolments_before, _body = queries("multiservice/training/enrolments")
    other = TrainingEdition.objects.create(
        module=modules["marketing"],
        district=actors.district,
        starts_on=edition.starts_on,
        ends_on=edition.ends_on,
        capacity=5,
    )
    enrol(trainer, other, actors.shop, "Bruno")
    enrol(trainer, other, actors.other_shop, "Carla")
    editions_after, editions = queries("multiservice/training/editions")
    enrolments_after, enrolments = queries("multiservice/training/enrolments")
    assert editions_after == editions_before
    assert enrolments_after == enrolments_before
    seats = {item["id"]: item["seats_taken"] for item in editions["items"]}
    assert seats == {edition.pk: 1, other.pk: 2}
    hours = {item["participant"]: item["hours_attended"] for item in enrolments["items"]}
    assert hours == {"Anna": "2.5", "Bruno": "0.0", "Carla": "0.0"}
