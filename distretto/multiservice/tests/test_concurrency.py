"""Shops racing for the last seats of an edition: real parallel clients, each with its
own database connection (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from distretto.multiservice.models import Enrolment, TrainingEdition

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_enrolments_never_exceed_the_capacity(api_as, actors, modules):
    today = timezone.localdate()
    edition = TrainingEdition.objects.create(
        module=modules["marketing"],
        district=actors.district,
        starts_on=today,
        ends_on=today + timedelta(days=2),
        capacity=3,
    )
    clients = [api_as(actors.assessor) for _i in range(2)]

    def enrol(index: int) -> int:
        try:
            response = clients[index % 2].post(
                f"multiservice/training/editions/{edition.pk}/enrolments",
                {"business": actors.shop.pk, "participant": f"Persona {index}"},
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(enrol, range(10)))
    assert sorted(statuses) == [201] * 3 + [409] * 7
    assert Enrolment.objects.filter(edition=edition).count() == 3
