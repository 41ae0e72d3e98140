"""Issue 17 for the information point: the in-venue kiosk leads into no staff
session, and prices are written the Italian way."""

from __future__ import annotations

import pytest
from django.test import Client

from distretto.catalog.models import ServiceType


@pytest.mark.django_db
def test_the_kiosk_shows_nothing_leading_into_a_staff_session(actors, venue):
    client = Client()
    client.force_login(actors.merchant)
    body = client.get(f"/catalog/v/{venue.pk}/kiosk/").content.decode()
    assert "/dashboard/" not in body and "/accounts/" not in body and "logout" not in body
    assert "/admin/" not in body and "merchant" not in body


@pytest.mark.django_db
def test_service_costs_are_written_the_italian_way(service_types):
    service = ServiceType.objects.exclude(cost=None).exclude(cost=0).first()
    body = Client().get(f"/catalog/s/{service.code}/").content.decode()
    whole, cents = f"{service.cost:.2f}".split(".")
    assert f"€\u00a0{whole},{cents}" in body
