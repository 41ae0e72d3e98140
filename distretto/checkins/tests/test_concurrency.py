"""One card, many phones at once: real parallel clients, each with its own database
connection. Only one check-in per venue and day may pass the cooldown."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from distretto.checkins.models import Attempt
from distretto.checkins.tests.conftest import at_venue
from distretto.loyalty import services as loyalty
from distretto.loyalty.models import LedgerTransaction

pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(calls, workers: int = 8) -> list:
    def run(call):
        try:
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


def test_parallel_check_ins_of_one_card_at_one_venue_pass_the_cooldown_once(visitor, venue, card):
    def call():
        response = visitor.post("checkins", at_venue(venue))
        return response.status_code, response.json()

    results = in_parallel([call] * 8)
    accepted = [body for status, body in results if status == 201]
    refused = [body["error"]["code"] for status, body in results if status != 201]
    assert len(accepted) == 1
    assert refused == ["cooldown"] * 7
    assert loyalty.balance_of(card) == 10
    assert LedgerTransaction.objects.filter(kind="grant").count() == 1
    assert Attempt.objects.filter(decision="accepted").count() == 1
    assert Attempt.objects.count() == 8  # every attempt is kept


def test_parallel_retries_with_one_key_check_in_once(visitor, venue, card):
    def call():
        response = visitor.post("checkins", at_venue(venue), HTTP_IDEMPOTENCY_KEY="phone-retry")
        return response.status_code, response.json()["attempt"]

    results = in_parallel([call] * 6)
    assert {status for status, _attempt in results} == {201}
    assert len({attempt for _status, attempt in results}) == 1
    assert Attempt.objects.count() == 1
    assert loyalty.balance_of(card) == 10
