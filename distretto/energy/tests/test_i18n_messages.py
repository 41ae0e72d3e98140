"""Refusals of the energy API and models speak the caller's language.

Italian is the default (no Accept-Language); ``Accept-Language: en`` gets English.
Codes and fields never change with the language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from distretto.core.errors import Conflict
from distretto.energy.allocation_models import AllocationRun, UnitAllocation
from distretto.testing import error_of

pytestmark = pytest.mark.django_db


def in_both_languages(send) -> tuple[dict, dict]:
    """The error of one request asked in Italian and in English; the default is Italian."""
    italian, english, default = (
        send(HTTP_ACCEPT_LANGUAGE="it"),
        send(HTTP_ACCEPT_LANGUAGE="en"),
        send(),
    )
    assert italian.status_code == english.status_code == default.status_code
    assert error_of(default) == error_of(italian)
    return error_of(italian), error_of(english)


@pytest.fixture
def closed_run(site, flat) -> AllocationRun:
    run = AllocationRun.objects.create(
        site=site,
        period_start=dt.date(2025, 10, 15),
        period_end=dt.date(2026, 4, 15),
        status=AllocationRun.Status.CLOSED,
        measure=AllocationRun.Measure.ALLOCATORS,
        involuntary_method=AllocationRun.InvoluntaryMethod.SHARE,
        involuntary_share=Decimal("0.25"),
        estimate_method=AllocationRun.EstimateMethod.AVERAGE,
        fuel_cost=Decimal("1000.00"),
        total=Decimal("1000.00"),
        inputs={},
    )
    UnitAllocation.objects.create(
        run=run,
        unit=flat,
        millesimi_heat=Decimal("600"),
        voluntary_quantity=Decimal("10"),
        components={"fuel": "1000.00"},
        total=Decimal("1000.00"),
    )
    return run


def test_a_unit_of_no_site_of_the_caller_is_refused_in_the_callers_language(actors, api_as, site):
    api = api_as(actors.energy_manager)
    body = {"site": site.pk, "kind": "heat", "external_id": "H1", "unit": 999999}

    italian, english = in_both_languages(lambda **lang: api.post("energy/meters", body, **lang))

    assert italian == {
        "code": "invalid",
        "field": "unit",
        "message": "Nessuna unità con id 999999 in questo sito.",
    }
    assert english == {
        "code": "invalid",
        "field": "unit",
        "message": "No unit with id 999999 on this site.",
    }


def test_a_period_that_ends_before_it_starts_is_refused_in_both_languages(actors, api_as, site):
    api = api_as(actors.energy_manager)
    url = f"energy/sites/{site.pk}/consumption"
    params = {"from": "2026-02-01", "to": "2026-01-01"}

    italian, english = in_both_languages(lambda **lang: api.get(url, params, **lang))

    assert (italian["field"], italian["message"]) == (
        "to",
        "Il periodo finisce prima di cominciare.",
    )
    assert (english["field"], english["message"]) == ("to", "The period ends before it starts.")


def test_a_date_that_is_not_iso_8601_is_named_in_both_languages(actors, api_as, site):
    api = api_as(actors.energy_manager)
    url = f"energy/sites/{site.pk}/consumption"

    italian, english = in_both_languages(lambda **lang: api.get(url, {"from": "ieri"}, **lang))

    assert (italian["field"], italian["message"]) == (
        "from",
        "'ieri' non è una data o un istante ISO 8601.",
    )
    assert english["message"] == "'ieri' is not an ISO 8601 date or timestamp."


def test_a_gateway_may_only_send_readings_in_both_languages(gateway_api):
    italian, english = in_both_languages(
        lambda **lang: gateway_api.post("energy/rejections/replay", {}, **lang)
    )

    assert italian == {
        "code": "role_forbidden",
        "field": None,
        "message": "I dispositivi possono solo inviare letture.",
    }
    assert english["message"] == "Devices may only send readings."


def test_a_body_that_is_not_json_is_refused_in_both_languages(gateway_api):
    italian, english = in_both_languages(
        lambda **lang: gateway_api.post("energy/readings", b"{not json", **lang)
    )

    assert italian == {
        "code": "malformed",
        "field": "body",
        "message": "Il corpo della richiesta non è JSON.",
    }
    assert english["message"] == "The body is not JSON."


def test_a_resident_editing_their_unit_is_told_only_managers_may(actors, api_as, flat):
    api = api_as(actors.cardholder)

    italian, english = in_both_languages(
        lambda **lang: api.patch(f"energy/units/{flat.pk}", {"name": "Attico"}, **lang)
    )

    assert (italian["code"], italian["message"]) == (
        "role_forbidden",
        "Solo i gestori del sito possono farlo.",
    )
    assert english["message"] == "Only the site's managers may do this."


def test_a_resident_asking_the_site_csv_gets_404_in_both_languages(
    actors, api_as, site, closed_run
):
    api = api_as(actors.cardholder)
    url = f"energy/sites/{site.pk}/allocations/{closed_run.pk}/statements.csv"

    italian, english = in_both_languages(lambda **lang: api.get(url, **lang))

    assert italian == {
        "code": "not_found",
        "field": None,
        "message": f"Nessun riparto con id {closed_run.pk}.",
    }
    assert english["message"] == f"No allocation with id {closed_run.pk}."


def test_a_closed_run_refuses_to_change_in_the_active_language(closed_run):
    closed_run.note = "ritoccata"
    for language, expected in (
        ("it", "Questo riparto è chiuso: fai invece una rettifica."),
        ("en", "This allocation is closed: make a correction instead."),
    ):
        with translation.override(language), pytest.raises(Conflict) as refused:
            closed_run.save()
        assert (refused.value.code, refused.value.message) == ("closed", expected)
        with translation.override(language), pytest.raises(Conflict) as refused:
            closed_run.delete()
        assert refused.value.message == expected
