"""Parallel writers on the configured database: nothing lost, nothing 'locked'.

SQLite runs in WAL mode with IMMEDIATE transactions and a busy timeout, so writers
queue; PostgreSQL takes the row lock of ``select_for_update``. Either way a
read-modify-write done by many threads at once loses no update.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection, transaction

from distretto.territory.models import Business, Comune
from distretto.testing import BusinessFactory, ComuneFactory, DistrictFactory, valid_partita_iva

THREADS = 8
ROUNDS = 25


def _increment(istat_code: str) -> None:
    try:
        for _ in range(ROUNDS):
            with transaction.atomic():
                comune = Comune.objects.select_for_update().get(pk=istat_code)
                comune.population += 1
                comune.save(update_fields=["population"])
    finally:
        close_old_connections()
        connection.close()


def _create_businesses(district_id: int, worker: int) -> None:
    try:
        for n in range(ROUNDS):
            BusinessFactory.create(
                district_id=district_id,
                name=f"Parallela {worker}-{n}",
                partita_iva=valid_partita_iva(worker * 1000 + n),
            )
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_parallel_read_modify_write_loses_no_update():
    comune = ComuneFactory(population=0)
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(_increment, [comune.pk] * THREADS))
    comune.refresh_from_db()
    assert comune.population == THREADS * ROUNDS


@pytest.mark.django_db(transaction=True)
def test_parallel_inserts_all_land():
    district = DistrictFactory()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(_create_businesses, [district.pk] * THREADS, range(THREADS)))
    assert Business.objects.filter(district=district).count() == THREADS * ROUNDS
