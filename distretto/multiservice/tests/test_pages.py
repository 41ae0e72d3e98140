"""The pages, through Django's test client: who sees what, and the forms behind them."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from distretto.accounts.scoping import Principal
from distretto.catalog.models import ServiceDelivery
from distretto.multiservice import scoring, services
from distretto.multiservice.models import (
    Checkup,
    Enrolment,
    ScoringModel,
    TrainingEdition,
    TrainingModule,
)
from distretto.multiservice.questionnaire import STEPS

pytestmark = pytest.mark.usefixtures("catalogue")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_answer_by_role(actors, network_shop, answers):
    checkup = services.assess(Principal(user=actors.assessor), actors.shop, answers).checkup
    expectations = {
        "/multiservice/checkups/": {"assessor": 200, "merchant": 200, "cardholder": 200},
        f"/multiservice/checkups/{checkup.pk}/": {
            "assessor": 200,
            "merchant": 200,
            "manager": 200,
            "outsider": 404,
        },
        f"/multiservice/checkups/{checkup.pk}/report.pdf": {"merchant": 200, "outsider": 404},
        f"/multiservice/compare/{actors.shop.pk}/": {"merchant": 200, "outsider": 404},
        "/multiservice/training/": {"assessor": 200, "manager": 200, "merchant": 404},
        "/multiservice/my-training/": {"merchant": 200, "assessor": 404},
        "/multiservice/record/": {"merchant": 200, "manager": 200, "assessor": 404},
        "/multiservice/impact/": {"operator": 200, "merchant": 200, "cardholder": 404},
    }
    for url, by_role in expectations.items():
        for role, status in by_role.items():
            response = signed_in(getattr(actors, role)).get(url)
            assert response.status_code == status, (url, role, response.status_code)


def test_the_checkup_list_shows_only_the_callers(actors, answers):
    services.assess(Principal(user=actors.assessor), actors.shop, answers)
    assert (
        "Panetteria Fanfulla"
        in signed_in(actors.merchant).get("/multiservice/checkups/").content.decode()
    )
    outsider_page = signed_in(actors.outsider).get("/multiservice/checkups/").content.decode()
    assert "Panetteria Fanfulla" not in outsider_page


def test_the_checkup_list_and_comparison_make_no_query_per_checkup(actors, answers):
    """The newest result of each check-up comes from the prefetched results."""
    principal = Principal(user=actors.assessor)
    services.assess(principal, actors.shop, answers)
    client = signed_in(actors.assessor)
    pages = ("/multiservice/checkups/", f"/multiservice/compare/{actors.shop.pk}/")

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = [queries(url) for url in pages]
    for _round in range(3):
        services.assess(principal, actors.shop, answers)
    assert [queries(url) for url in pages] == before


def test_the_questionnaire_saves_each_step_and_submits(actors, network_shop, answers):
    client = signed_in(actors.assessor)
    response = client.post("/multiservice/checkups/", {"business": actors.shop.pk})
    checkup = Checkup.objects.get()
    assert response.url == f"/multiservice/checkups/{checkup.pk}/step/catchment/"
    assert checkup.answers["residents"] == 310  # the frazione served, from the registry
    assert checkup.answers["services_offered"] == ["pagopa_payments", "tourist_info"]
    for step in STEPS:
        form = {}
        for question in step.questions:
            value = answers[question.key]
            form[question.key] = (
                value if isinstance(value, list) else str(value).lower()  # True → "true"
            )
        response = client.post(
            f"/multiservice/checkups/{checkup.pk}/step/{step.key}/", {**form, "move": "next"}
        )
        assert response.status_code == 302, response.content.decode()[:500]
    assert response.url == f"/multiservice/checkups/{checkup.pk}/review/"
    checkup.refresh_from_db()
    assert checkup.status == "draft" and checkup.answers["broadband_mbps"] == 30
    response = client.post(f"/multiservice/checkups/{checkup.pk}/review/")
    assert response.url == f"/multiservice/checkups/{checkup.pk}/"
    checkup.refresh_from_db()
    assert checkup.status == "submitted"
    assert checkup.latest_result().verdict == "feasible"


def test_a_wrong_answer_keeps_the_step_and_says_why(actors):
    client = signed_in(actors.assessor)
    client.post("/multiservice/checkups/", {"business": actors.shop.pk})
    checkup = Checkup.objects.get()
    response = client.post(
        f"/multiservice/checkups/{checkup.pk}/step/catchment/",
        {"residents": "12", "over65_share": "250", "tourist_presences": "", "move": "next"},
    )
    assert response.status_code == 200
    assert "over65_share" in response.content.decode()
    checkup.refresh_from_db()
    assert "over65_share" not in checkup.answers


def test_only_the_assigned_assessor_edits_a_draft(actors):
    checkup = services.start_checkup(Principal(user=actors.assessor), actors.shop)
    url = f"/multiservice/checkups/{checkup.pk}/step/catchment/"
    assert signed_in(actors.merchant).get(url).status_code == 404
    assert signed_in(actors.manager).get(url).status_code == 200


def test_the_phone_page_records_a_delivery(actors, network_shop):
    today = timezone.localdate()
    response = signed_in(actors.merchant).post(
        "/multiservice/record/",
        {
            "shop": network_shop.pk,
            "service_type": "pagopa_payments",
            "count": "2",
            "people": "2",
            "date": today.isoformat(),
        },
    )
    assert response.status_code == 302
    delivery = ServiceDelivery.objects.get()
    assert (delivery.service_type.code, delivery.count, delivery.date) == (
        "pagopa_payments",
        2,
        today,
    )
    page = signed_in(actors.merchant).get(response.url).content.decode()
    assert "Pagamenti pagoPA" in page or "pagoPA payments" in page


def test_the_impact_page_exports_csv(actors, network_shop):
    from distretto.catalog import services as catalog

    catalog.record_delivery(
        venue=actors.shop, service_type="tourist_info", on=timezone.localdate(), count=4
    )
    client = signed_in(actors.operator)
    page = client.get("/multiservice/impact/")
    assert page.status_code == 200
    assert page.context["report"]["total_count"] == 4
    csv = client.get("/multiservice/impact/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[-1] == "total,,,4,0,8.00"


def test_the_trainer_enrols_and_records_attendance_on_the_edition_page(actors, modules):
    today = timezone.localdate()
    edition = TrainingEdition.objects.create(
        module=modules["food-safety"],
        district=actors.district,
        starts_on=today,
        ends_on=today + timedelta(days=3),
        capacity=1,
    )
    client = signed_in(actors.assessor)
    url = f"/multiservice/training/editions/{edition.pk}/"
    client.post(url, {"action": "enrol", "business": actors.shop.pk, "participant": "Anna"})
    enrolment = Enrolment.objects.get()
    full = client.post(
        url,
        {"action": "enrol", "business": actors.other_shop.pk, "participant": "Bea"},
        follow=True,
    )
    assert Enrolment.objects.count() == 1
    assert "full" in full.content.decode() or "complet" in full.content.decode()
    client.post(
        url,
        {
            "action": "attendance",
            "enrolment": enrolment.pk,
            "attended_on": today.isoformat(),
            "hours": "8",
        },
    )
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    certificate = signed_in(actors.merchant).get(
        f"/multiservice/training/enrolments/{enrolment.pk}/certificate.pdf"
    )
    assert certificate.status_code == 200
    assert certificate["Content-Type"] == "application/pdf"


def test_the_dashboard_links_the_pages_each_role_may_use(actors, network_shop):
    merchant = signed_in(actors.merchant).get("/dashboard/").content.decode()
    assert "/multiservice/my-training/" in merchant and "/multiservice/record/" in merchant
    assert "/multiservice/training/" not in merchant
    assessor = signed_in(actors.assessor).get("/dashboard/").content.decode()
    assert "/multiservice/training/" in assessor and "/multiservice/checkups/" in assessor


def test_a_shop_that_is_not_multiservice_sees_no_link_to_recording(actors):
    merchant = signed_in(actors.merchant).get("/dashboard/").content.decode()
    assert "/multiservice/record/" not in merchant and "/multiservice/impact/" not in merchant
    admin = signed_in(actors.admin).get("/dashboard/").content.decode()
    assert "/multiservice/my-training/" not in admin  # no shop of their own


def test_trainers_add_training_modules_from_a_page(actors, modules):
    trainer = signed_in(actors.assessor)
    page = trainer.get("/multiservice/training/modules/").content.decode()
    assert "Servizi digitali e pubblici" in page
    response = trainer.post(
        "/multiservice/training/modules/",
        {
            "title": "Vendita online",
            "code": "online-sales",
            "topic": "marketing",
            "hours": "6,5",
            "format": "classroom",
        },
    )
    assert response.status_code == 302
    assert TrainingModule.objects.get(code="online-sales").hours == Decimal("6.5")
    duplicate = trainer.post(
        "/multiservice/training/modules/",
        {
            "title": "Altro",
            "code": "online-sales",
            "topic": "marketing",
            "hours": "2",
            "format": "classroom",
        },
        follow=True,
    )
    assert "Esiste già un modulo con questo codice" in duplicate.content.decode()
    assert signed_in(actors.merchant).get("/multiservice/training/modules/").status_code == 404


def test_chamber_operators_publish_a_scoring_model_version_from_a_page(actors):
    operator = signed_in(actors.operator)
    page = operator.get("/multiservice/scoring-models/").content.decode()
    assert "v1" in page and "Pubblica una nuova versione" in page
    definition = json.dumps(scoring.DEFAULT_MODEL)
    bad = operator.post(
        "/multiservice/scoring-models/",
        {"chamber": actors.chamber.pk, "name": "Rotto", "definition": "{"},
        follow=True,
    )
    assert "non è un JSON valido" in bad.content.decode()
    response = operator.post(
        "/multiservice/scoring-models/",
        {"chamber": actors.chamber.pk, "name": "Più peso alla domanda", "definition": definition},
    )
    assert response.status_code == 302
    assert ScoringModel.objects.filter(chamber=actors.chamber, version=2).exists()
    assessor_page = signed_in(actors.assessor).get("/multiservice/scoring-models/")
    assert assessor_page.status_code == 200
    assert "Pubblica una nuova versione" not in assessor_page.content.decode()
