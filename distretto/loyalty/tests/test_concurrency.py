"""Many tills at once on one card: real parallel clients, each with its own database
connection (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite): through Django's
handler, and over HTTP to the application under uvicorn, where the tills' fast path
answers them."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from django.db import connection

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.loyalty import services
from distretto.loyalty.models import Account, LedgerTransaction
from distretto.loyalty.tests.conftest import terminal_client

PATH = "/api/v1/loyalty/transactions"

pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(calls, workers: int = 12) -> list:
    def run(call):
        try:
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls))


def test_parallel_redemptions_never_overdraw_and_add_up_exactly(actors, program, card):
    services.earn(card, actors.shop, Decimal("1000.00"))  # 1000 points
    tills = [terminal_client(shop) for shop in (actors.shop, actors.other_shop)]
    wanted = [random.Random(seed).randint(100, 300) for seed in range(24)]

    def redeem(index: int):
        def call():
            response = tills[index % 2].post(
                "loyalty/transactions",
                {"card": card.number, "kind": "redeem", "points": wanted[index]},
                HTTP_IDEMPOTENCY_KEY=f"parallel-{index}",
            )
            return response.status_code, response.json()

        return call

    results = in_parallel([redeem(i) for i in range(len(wanted))])
    accepted = [body["points"] for status, body in results if status == 201]
    refused = [body["error"]["code"] for status, body in results if status != 201]
    refused_wanted = [
        w for w, (status, _body) in zip(wanted, results, strict=True) if status != 201
    ]
    assert set(refused) <= {"insufficient_points"}
    assert accepted and refused
    balance = services.balance_of(card)
    assert balance >= 0
    assert sum(accepted) == 1000 - balance
    assert LedgerTransaction.objects.filter(kind="redeem").count() == len(accepted)
    # the balance only falls, so each refusal means what is left is below what was asked
    assert balance < min(refused_wanted)


def test_parallel_retries_with_one_key_post_once(actors, program, card):
    till = terminal_client(actors.shop)

    def call():
        response = till.post(
            "loyalty/transactions",
            {"card": card.number, "kind": "earn", "amount": "42.00"},
            HTTP_IDEMPOTENCY_KEY="offline-retry-1",
        )
        return response.status_code, response.json()["id"]

    results = in_parallel([call] * 10)
    assert {status for status, _id in results} == {201}
    assert len({tx_id for _status, tx_id in results}) == 1
    assert services.balance_of(card) == 42
    assert Account.objects.get(kind="merchant_issued").current_balance() == -42


class HttpTill:
    """A POS terminal talking HTTP to a running server, one connection per request."""

    def __init__(self, url: str, business) -> None:
        self.url = url + PATH
        raw = tokens.issue(kind=ApiToken.Kind.TERMINAL, name="cassa", business=business)[1]
        self.headers = {"Authorization": f"Bearer {raw}"}

    def post(self, body: dict, key: str) -> tuple[int, dict]:
        response = httpx.post(
            self.url, json=body, headers={**self.headers, "Idempotency-Key": key}, timeout=30
        )
        return response.status_code, response.json()


def test_parallel_redemptions_over_http_never_overdraw(actors, program, card, start_server):
    services.earn(card, actors.shop, Decimal("1000.00"))  # 1000 points
    server = start_server()
    tills = [HttpTill(server.url, shop) for shop in (actors.shop, actors.other_shop)]
    wanted = [random.Random(seed).randint(100, 300) for seed in range(32)]

    def redeem(index: int):
        body = {"card": card.number, "kind": "redeem", "points": wanted[index]}
        return lambda: tills[index % 2].post(body, f"http-{index}")

    results = in_parallel([redeem(i) for i in range(len(wanted))], workers=16)
    accepted = [body["points"] for status, body in results if status == 201]
    refused = [body["error"]["code"] for status, body in results if status != 201]
    assert set(refused) == {"insufficient_points"}
    balance = services.balance_of(card)
    assert balance >= 0 and sum(accepted) == 1000 - balance
    assert LedgerTransaction.objects.filter(kind="redeem").count() == len(accepted)
    assert sorted(
        -p for p in card.account.entries.filter(points__lt=0).values_list("points", flat=True)
    ) == sorted(accepted)


def test_parallel_retries_over_http_with_one_key_post_once(actors, program, card, start_server):
    server = start_server()
    till = HttpTill(server.url, actors.shop)
    body = {"card": card.number, "kind": "earn", "amount": "42.00"}
    results = in_parallel([lambda: till.post(body, "offline-retry-http")] * 12, workers=12)
    assert {status for status, _body in results} == {201}
    assert len({answer["id"] for _status, answer in results}) == 1
    assert services.balance_of(card) == 42
    assert LedgerTransaction.objects.count() == 1
