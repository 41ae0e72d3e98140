"""Gateways by page: a site's managers list, add (token shown once) and revoke them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.energy.models import Gateway, Site
from distretto.testing import ApiClient

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url_of(site) -> str:
    return f"/energy/sites/{site.pk}/gateways/"


def test_list_shows_last_seen_and_token_prefix(actors, site, gateway):
    token, _raw = tokens.issue(kind=ApiToken.Kind.GATEWAY, name="gw", device=gateway)
    gateway.last_seen_at = timezone.make_aware(dt.datetime(2026, 1, 5, 10, 30))
    gateway.save()

    response = client_for(actors.energy_manager).get(url_of(site))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ricevitore scala A" in page
    assert f"<code>dst_{token.prefix}</code>" in page
    assert "05/01/2026 10:30" in page
    assert "Gateway del complesso" in page  # Italian by default
    assert (
        f'href="{url_of(site)}"'
        in client_for(actors.manager).get(f"/energy/sites/{site.pk}/").content.decode()
    )


def test_manager_adds_a_gateway_and_sees_its_token_once(actors, site):
    client = client_for(actors.manager)

    response = client.post(
        url_of(site),
        {"action": "create", "name": "Scala B", "serial": "WMB-7", "expected_interval_minutes": 15},
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    gateway = Gateway.objects.get(site=site, name="Scala B")
    assert (gateway.serial, gateway.expected_interval_minutes) == ("WMB-7", 15)
    page = response.content.decode()
    raw = re.search(r'<code class="secret" id="gateway-token"[^>]*>([^<]+)</code>', page)[1]
    assert "Copia ora questo token: non verrà più mostrato." in page
    # The token is the gateway's own: it sends readings for this site.
    token = tokens.authenticate(raw)
    assert (token.kind, token.device, token.user) == ("gateway", gateway, actors.manager)
    assert ApiClient(raw_token=raw).post("energy/readings", []).status_code == 200
    # Never shown again.
    again = client.get(url_of(site)).content.decode()
    assert raw not in again and f"dst_{token.prefix}" in again


def test_a_refused_gateway_is_shown_on_the_form(actors, site):
    response = client_for(actors.manager).post(
        url_of(site),
        {"action": "create", "name": "Scala C", "expected_interval_minutes": 0},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response.context["form"].errors["expected_interval_minutes"] == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert response.context["created"] is None
    assert not Gateway.objects.filter(name="Scala C").exists()


def test_revoking_stops_the_gateway_and_its_token(actors, site, gateway):
    token, raw = tokens.issue(kind=ApiToken.Kind.GATEWAY, name="gw", device=gateway)
    api = ApiClient(raw_token=raw)
    assert api.post("energy/readings", []).status_code == 200

    response = client_for(actors.energy_manager).post(
        url_of(site), {"action": "revoke", "gateway": gateway.pk}
    )

    assert response.status_code == 302 and response["Location"] == url_of(site)
    gateway.refresh_from_db()
    token.refresh_from_db()
    assert not gateway.active and token.revoked_at is not None
    assert api.post("energy/readings", []).status_code == 401
    page = client_for(actors.energy_manager).get(url_of(site)).content.decode()
    assert "revocato" in page and f"dst_{token.prefix}" not in page


def test_only_the_sites_managers_reach_the_page(actors, site, gateway):
    for user in (actors.outsider, actors.cardholder, actors.merchant, actors.assessor):
        client = client_for(user)
        assert client.get(url_of(site)).status_code == 404
        assert (
            client.post(url_of(site), {"action": "revoke", "gateway": gateway.pk}).status_code
            == 404
        )
        assert client.post(url_of(site), {"action": "create", "name": "X"}).status_code == 404
    gateway.refresh_from_db()
    assert gateway.active and Gateway.objects.count() == 1
    assert Client().get(url_of(site)).status_code == 302  # to the login page


def test_revoking_a_gateway_of_another_site_is_404(actors, site, gateway):
    other = Site.objects.create(district=actors.district, name="Altro")
    client = client_for(actors.manager)
    response = client.post(url_of(other), {"action": "revoke", "gateway": gateway.pk})
    assert response.status_code == 404
    assert client.post(url_of(site), {"action": "revoke", "gateway": "abc"}).status_code == 404
    gateway.refresh_from_db()
    assert gateway.active
