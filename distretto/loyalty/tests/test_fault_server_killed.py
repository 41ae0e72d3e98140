"""Fault: the server is killed (SIGKILL) while 16 tills are selling, each retrying every
sale with its Idempotency-Key until it is answered; a new server takes over. Nothing
may be lost or posted twice, card balances must equal the sum of their movements, and
the ledger must stay balanced. The servers are processes of this test's own
(``testing.Server``), never a shared service; the replacement is started before the
kill (as an orchestrator keeps a spare), so that the tills' retries meet the killed
server's refused connections, then the new one, within seconds on a busy machine."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from decimal import Decimal

import httpx
import pytest
from django.db.models import Sum

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.loyalty import services
from distretto.loyalty.models import Account, Entry, LedgerTransaction
from distretto.loyalty.tests.test_concurrency import PATH, in_parallel

pytestmark = pytest.mark.django_db(transaction=True)

TILLS = 16
SALES_PER_TILL = 8
CARDS = 4


class RetryingTill:
    """A POS terminal that retries a sale with the same key until it is answered: on a
    refused connection, a dropped one, or a 503 (the server's "try again")."""

    def __init__(self, server: dict, business) -> None:
        self.server = server  # {"url": ...}: changes when the server is replaced
        raw = tokens.issue(kind=ApiToken.Kind.TERMINAL, name="cassa", business=business)[1]
        self.headers = {"Authorization": f"Bearer {raw}"}
        self.retries = 0

    def sell(self, body: dict, key: str) -> dict:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = httpx.post(
                    self.server["url"] + PATH,
                    json=body,
                    headers={**self.headers, "Idempotency-Key": key},
                    timeout=10,
                )
            except httpx.TransportError:
                self.retries += 1
                time.sleep(0.2)
                continue
            if response.status_code == 503:
                self.retries += 1
                time.sleep(0.2)
                continue
            assert response.status_code == 201, response.text
            return response.json()
        raise AssertionError(f"sale {key} was never answered")


def test_a_server_killed_under_16_retrying_tills_loses_and_duplicates_nothing(actors, start_server):
    program = services.create_program(
        actors.district,
        {"name": "Carta Lodi", "point_value": Decimal("0.01"), "earn_rate": Decimal("1.00")},
    )
    cards = [services.issue_card(program)[0] for _ in range(CARDS)]
    first, replacement = start_server(), start_server()
    server = {"url": first.url}
    shops = (actors.shop, actors.other_shop)
    tills = [RetryingTill(server, shops[i % 2]) for i in range(TILLS)]
    answers: list[tuple[str, int, int]] = []  # key, movement id, points
    lock = threading.Lock()

    def till_work(index: int):
        def work():
            for sale in range(SALES_PER_TILL):
                key = f"till-{index}-sale-{sale}"
                card = cards[(index + sale) % CARDS]
                amount = f"{1 + (index * 7 + sale) % 20}.00"
                answer = tills[index].sell(
                    {"card": card.number, "kind": "earn", "amount": amount}, key
                )
                with lock:
                    answers.append((key, answer["id"], answer["points"]))

        return work

    posted_before_kill = 0
    load = threading.Thread(target=lambda: in_parallel([till_work(i) for i in range(TILLS)], TILLS))
    load.start()
    try:
        while LedgerTransaction.objects.count() < TILLS * SALES_PER_TILL // 4:
            time.sleep(0.02)
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
        posted_before_kill = LedgerTransaction.objects.count()
        time.sleep(1.0)  # the tills' retries meet a refused connection meanwhile
        server["url"] = replacement.url
    finally:
        load.join(300)
    assert not load.is_alive()

    sales = TILLS * SALES_PER_TILL
    movements = LedgerTransaction.objects.filter(kind="earn")
    stored = Counter(movements.values_list("idempotency_key", flat=True))
    # Nothing lost: every sale is in the ledger; nothing duplicated: once each.
    assert len(answers) == sales
    assert set(stored) == {key for key, _id, _points in answers}
    assert max(stored.values()) == 1 and movements.count() == sales
    # Each till was told the movement that is in the ledger under its key.
    assert {(k, i) for k, i, _p in answers} == set(movements.values_list("idempotency_key", "id"))
    # Balances equal the sum of the movements, and the ledger is balanced.
    for card in cards:
        account = Account.objects.get(card=card)
        entries = Entry.objects.filter(account=account).aggregate(s=Sum("points"))["s"]
        answered = movements.filter(card=card).aggregate(s=Sum("points"))["s"]
        assert account.balance == entries == answered
    assert Entry.objects.aggregate(s=Sum("points"))["s"] == 0
    unbalanced = Entry.objects.values("transaction").annotate(s=Sum("points")).exclude(s=0).count()
    assert unbalanced == 0
    retries = sum(till.retries for till in tills)
    print(
        f"\nserver killed -9 under {TILLS} tills: {sales} sales, {posted_before_kill} posted "
        f"before the kill, {retries} retries, {movements.count()} in the ledger, "
        f"0 lost, 0 duplicated, ledger sum 0"
    )
    assert retries > 0, "the kill happened while the tills were selling"
