"""Service refusals speak the caller's language: Italian by default, English on request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from distretto.core.errors import Invalid
from distretto.energy import allocation_services, registry, services
from distretto.testing import error_of

pytestmark = pytest.mark.django_db


def test_api_error_follows_accept_language(actors, api_as, site, flat):
    api = api_as(actors.energy_manager)
    body = {"site": site.pk, "kind": "heat", "external_id": "DUP1"}
    assert api.post("energy/meters", body).status_code == 201

    italian = api.post("energy/meters", body, HTTP_ACCEPT_LANGUAGE="it")
    english = api.post("energy/meters", body, HTTP_ACCEPT_LANGUAGE="en")
    default = api.post("energy/meters", body)

    assert italian.status_code == english.status_code == default.status_code == 422
    assert error_of(italian) == {
        "code": "invalid",
        "field": "external_id",
        "message": "Questo complesso ha già un contatore con quell'id esterno.",
    }
    assert error_of(english) == {
        "code": "invalid",
        "field": "external_id",
        "message": "This site already has a meter with that external id.",
    }
    assert error_of(default) == error_of(italian)


def test_api_query_error_with_a_value_in_both_languages(actors, api_as, site):
    api = api_as(actors.energy_manager)
    url = f"energy/sites/{site.pk}/consumption"
    params = {"from": "2026-01-01", "to": "2026-02-01", "kind": "gas"}
    italian = error_of(api.get(url, params, HTTP_ACCEPT_LANGUAGE="it"))
    english = error_of(api.get(url, params, HTTP_ACCEPT_LANGUAGE="en"))
    kinds = "hca, heat, fuel, electricity, chp_electric, chp_thermal, water"
    assert italian == {"code": "invalid", "field": "kind", "message": f"kind è uno tra {kinds}."}
    assert english == {"code": "invalid", "field": "kind", "message": f"kind is one of {kinds}."}


def test_registry_csv_line_errors_are_translated(site):
    lines = ["type,name,kind,external_id\n", "meter,Nessuno,hca,X1\n"]
    for language, expected in (
        ("it", "Riga 2: nessuna unità 'Nessuno' in questo complesso."),
        ("en", "Line 2: no unit 'Nessuno' on this site."),
    ):
        with translation.override(language), pytest.raises(Invalid) as refused:
            registry.import_registry_csv(site, lines)
        assert (refused.value.message, refused.value.field) == (expected, "name")


def test_allocation_refusals_are_translated(site, flat):
    def refuse(**options):
        with pytest.raises(Invalid) as refused:
            allocation_services.gather_inputs(
                site, dt.date(2025, 10, 15), dt.date(2026, 4, 15), Decimal("100"), [], options
            )
        return refused.value

    with translation.override("it"):
        error = refuse(colour="blue")
        assert (error.message, error.field) == ("Opzione sconosciuta colour.", "options")
        error = refuse(degree_days="10000")
        assert error.message == "degree_days è compreso tra 0 e 9999."
    with translation.override("en"):
        assert refuse(colour="blue").message == "Unknown option colour."
        assert refuse(degree_days="10000").message == "degree_days is between 0 and 9999."


def test_site_refusal_names_the_comune_in_both_languages(actors):
    for language, expected in (
        ("it", "Nessun comune con codice ISTAT 999999."),
        ("en", "No comune with ISTAT code 999999."),
    ):
        with translation.override(language), pytest.raises(Invalid) as refused:
            services.create_site(actors.district, {"name": "X", "comune": "999999"})
        assert (refused.value.message, refused.value.field) == (expected, "comune")
