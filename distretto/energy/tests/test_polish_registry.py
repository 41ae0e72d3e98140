"""Registry gaps closed: a meter is replaced only by one of its kind; a unit's occupant by page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from distretto.core.errors import Invalid
from distretto.energy import registry
from distretto.energy.models import Meter, Unit
from distretto.energy.tests.conftest import make_meter
from distretto.testing import UserFactory, error_of

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Replacement by a meter of another kind ----------------------------------------------------


def test_replacing_a_meter_by_one_of_another_kind_is_refused(site, flat, hca):
    heat = make_meter(site, flat, kind="heat", external_id="H1")
    with translation.override("en"), pytest.raises(Invalid) as refused:
        registry.replace_meter(hca, heat)
    assert refused.value.field == "replaces"
    assert refused.value.message == (
        "A meter is replaced by one of the same kind, "
        "not a “Heat cost allocator” by a “Heat meter”."
    )
    hca.refresh_from_db()
    assert (hca.replaced_by_id, hca.removed_at) == (None, None)


def test_api_refuses_another_kind_with_a_422_and_creates_nothing(actors, api_as, site, hca):
    api = api_as(actors.energy_manager)
    body = {"site": site.pk, "kind": "heat", "external_id": "NEWHEAT", "replaces": hca.pk}

    response = api.post("energy/meters", body, HTTP_ACCEPT_LANGUAGE="it")

    assert response.status_code == 422
    error = error_of(response)
    assert (error["code"], error["field"]) == ("invalid", "replaces")
    assert "«Ripartitore di calore» con un «Contatore di calore»" in error["message"], error
    # The new meter was created in the same transaction: refused, it is not kept.
    assert not Meter.objects.filter(external_id="NEWHEAT").exists()
    hca.refresh_from_db()
    assert hca.replaced_by_id is None

    same_kind = {**body, "kind": "hca", "external_id": "NEWHCA"}
    response = api.post("energy/meters", same_kind)
    assert response.status_code == 201, response.content
    hca.refresh_from_db()
    assert hca.replaced_by.external_id == "NEWHCA"


def test_registry_page_shows_the_kind_refusal_on_the_form(actors, site, flat):
    old = make_meter(site, flat, kind="heat", external_id="OLD1")
    response = client_for(actors.manager).post(
        f"/energy/sites/{site.pk}/registry/",
        {
            "action": "meter",
            "meter-kind": "water",
            "meter-external_id": "NEW1",
            "meter-role": "consumption",
            "meter-reading_type": "cumulative",
            "meter-expected_interval_minutes": "60",
            "meter-replaces": old.pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["meter_form"].errors["replaces"] == [
        "A meter is replaced by one of the same kind, not a “Heat meter” by a “Water meter”."
    ]
    assert not Meter.objects.filter(external_id="NEW1").exists()


# --- A unit's occupant by page -----------------------------------------------------------------


def test_manager_sets_changes_and_clears_the_occupant(actors, site, shop):
    resident = UserFactory(username="rosa", email="Rosa.Residente@example.org")
    client = client_for(actors.energy_manager)
    url = f"/energy/units/{shop.pk}/edit/"
    form = {
        "name": shop.name,
        "area_m2": "60",
        "millesimi_heat": "400",
        "millesimi_property": "450",
    }
    assert client.get(url).context["form"]["occupant"].value() == ""

    response = client.post(url, {**form, "occupant": "rosa"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.occupant == resident
    assert client.get(url).context["form"]["occupant"].value() == "rosa"
    # The resident now sees the unit; the registry lists who lives there.
    assert client_for(resident).get(f"/energy/units/{shop.pk}/").status_code == 200
    assert "<td>rosa</td>" in client.get(f"/energy/sites/{site.pk}/registry/").content.decode()

    # By e-mail, whatever its case.
    client.post(url, {**form, "occupant": "rosa.residente@EXAMPLE.org"})
    shop.refresh_from_db()
    assert shop.occupant == resident

    client.post(url, {**form, "occupant": ""})
    shop.refresh_from_db()
    assert shop.occupant is None
    assert client_for(resident).get(f"/energy/units/{shop.pk}/").status_code == 404


def test_unknown_or_ambiguous_occupant_is_shown_and_nothing_changes(actors, flat):
    UserFactory(username="twin1", email="twins@example.org")
    UserFactory(username="twin2", email="twins@example.org")
    UserFactory(username="gone", is_active=False)
    client = client_for(actors.manager)
    url = f"/energy/units/{flat.pk}/edit/"
    form = {
        "name": "Rinominato",
        "area_m2": "80",
        "millesimi_heat": "600",
        "millesimi_property": "550",
    }
    for who in ("nobody", "twins@example.org", "gone"):
        response = client.post(url, {**form, "occupant": who}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert response.context["form"].errors["occupant"] == [
            f"No single user has the username or e-mail “{who}”."
        ]
    flat.refresh_from_db()
    assert (flat.name, flat.occupant) == ("Interno 1", actors.cardholder)

    response = client.post(url, {**form, "occupant": "nobody"})
    assert "Nessun utente univoco ha il nome utente o l&#x27;e-mail «nobody»." in (
        response.content.decode()
    )


def test_only_the_sites_managers_edit_the_occupant(actors, flat):
    url = f"/energy/units/{flat.pk}/edit/"
    form = {"name": "X", "area_m2": "1", "millesimi_heat": "1", "millesimi_property": "1"}
    for user in (actors.outsider, actors.cardholder, actors.merchant):
        response = client_for(user).post(url, {**form, "occupant": user.username})
        assert response.status_code == 404
    assert Unit.objects.get(pk=flat.pk).occupant == actors.cardholder
