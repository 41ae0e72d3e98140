"""The POS API: earn, redeem, reverse, with every error and idempotent replays."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from distretto.core.errors import Conflict
from distretto.loyalty import cardnumbers, ledger, services
from distretto.loyalty.models import Account, Card, LedgerTransaction
from distretto.testing import error_of

pytestmark = pytest.mark.django_db


def earn(client, card, amount, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {"card": card if isinstance(card, str) else card.number, "kind": "earn"}
    if amount is not None:
        body["amount"] = amount
    return client.post("loyalty/transactions", body, **headers, **extra)


def redeem(client, card, points, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "loyalty/transactions", {"card": card.number, "kind": "redeem", "points": points}, **headers
    )


def test_earn_gives_one_point_per_euro_rounded_down(till, card):
    response = earn(till, card, "23.59", key="k1")
    assert response.status_code == 201, response.content
    body = response.json()
    # 23.59 € × 1.00 point/€ = 23.59 → 23 points
    assert body["kind"] == "earn"
    assert body["points"] == 23
    assert body["balance"] == 23
    assert body["discount"] is None
    assert body["applied_rules"] == [{"rule": "base", "rate": "1.00", "points": 23}]
    assert body["created_at"][-6:] in {"+01:00", "+02:00"}


def test_redeem_returns_the_discount_at_the_point_value(till, card_with_points):
    response = redeem(till, card_with_points, 300)
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["points"], body["discount"], body["balance"]) == (
        "redeem",
        300,
        "3.00",  # 300 × 0.01 €
        700,
    )


def test_mistyped_card_number_is_422_before_any_lookup(till, card, django_assert_max_num_queries):
    typo = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    response = earn(till, typo, "10.00")
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_card_number"
    assert error_of(response)["field"] == "card"


def test_unknown_valid_card_is_404(till, card):
    body = "99999999999"
    response = earn(till, body + cardnumbers.luhn_check_digit(body), "10.00")
    assert response.status_code == 404
    assert error_of(response)["code"] == "card_not_found"


def test_card_of_another_district_is_404(actors, program, api_as):
    from distretto.loyalty.tests.conftest import terminal_client

    foreign = terminal_client(actors.foreign_shop)
    card, _raw = services.issue_card(program)
    assert earn(foreign, card, "10.00").status_code == 404


@pytest.mark.parametrize("status", ["blocked", "lost"])
def test_blocked_or_lost_card_is_409(till, card, status):
    services.set_card_status(card, status)
    response = earn(till, card, "10.00")
    assert response.status_code == 409
    assert error_of(response)["code"] == "card_blocked"


def test_status_is_read_under_the_lock_not_from_the_callers_copy(actors, card):
    stale = Card.objects.get(pk=card.pk)
    services.set_card_status(card, "blocked")
    with pytest.raises(Conflict) as raised:
        services.earn(stale, actors.shop, Decimal("10.00"))
    assert raised.value.code == "card_blocked"
    assert services.balance_of(card) == 0


def test_earn_and_redeem_keep_to_their_query_budget(
    till, card_with_points, django_capture_on_commit_callbacks
):
    # A worker that has served the till before keeps its token, the programme, its
    # rules and its accounts (cache.py, after commit). Then on PostgreSQL a movement is
    # one call of loyalty_till_post; elsewhere (till.post_in_python) it looks up the
    # key, reads the card, locks its account (with the card status) and writes the
    # transaction with its answer (checking in the same INSERT that the period is
    # open), the entries and the balance. Savepoints stand for the transaction here.
    with django_capture_on_commit_callbacks(execute=True):
        assert earn(till, card_with_points, "1.00", key="warm-earn").status_code == 201
        assert redeem(till, card_with_points, 100, key="warm-redeem").status_code == 201
    for call in (
        lambda: earn(till, card_with_points, "10.00", key="budget-earn"),
        lambda: redeem(till, card_with_points, 100, key="budget-redeem"),
    ):
        with CaptureQueriesContext(connection) as captured:
            assert call().status_code == 201
        sql = [
            query["sql"]
            for query in captured.captured_queries
            if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        ]
        if connection.vendor == "postgresql":
            assert len(sql) == 1 and "loyalty_till_post(" in sql[0], sql
            continue
        assert len(sql) <= 6, sql
        # The card is read once, and its status again with the lock, not on its own ...
        assert sum('FROM "loyalty_card"' in q for q in sql) == 1, sql
        assert sum("JOIN loyalty_card" in q for q in sql) == 1, sql
        # ... with no capped campaign there is no per-day sum of campaign points ...
        assert not any("SUM(" in q for q in sql), sql
        # ... and the answer is written with the transaction, not by a second update.
        assert not any(q.startswith('UPDATE "loyalty_ledgertransaction"') for q in sql), sql
        assert not any('FROM "accounts_apitoken"' in q for q in sql), sql


def test_redeem_beyond_balance_is_409_and_changes_nothing(till, card_with_points):
    response = redeem(till, card_with_points, 1001)
    assert response.status_code == 409
    assert error_of(response)["code"] == "insufficient_points"
    assert services.balance_of(card_with_points) == 1000
    assert LedgerTransaction.objects.filter(kind="redeem").count() == 0


def test_redeem_below_the_programme_minimum_is_422(till, card_with_points):
    response = redeem(till, card_with_points, 99)
    assert response.status_code == 422
    assert error_of(response)["field"] == "points"


@pytest.mark.parametrize(
    "amount", [None, "-5.00", "0", "0.00", "5000.01", "12.345", "abc", "NaN", "Infinity"]
)
def test_bad_amounts_are_422_naming_the_field(till, card, amount):
    response = earn(till, card, amount)
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == "amount"
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize("points", [0, -10, "many"])
def test_bad_points_are_422(till, card_with_points, points):
    response = redeem(till, card_with_points, points)
    assert response.status_code == 422
    assert error_of(response)["field"] == "points"


def test_replay_with_the_same_key_returns_the_first_answer_and_posts_once(till, card):
    first = earn(till, card, "12.00", key="till-1-0001")
    second = earn(till, card, "12.00", key="till-1-0001")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert services.balance_of(card) == 12
    assert LedgerTransaction.objects.count() == 1


def test_replay_of_a_redemption_returns_the_first_answer_though_the_points_are_gone(
    till, card_with_points
):
    first = redeem(till, card_with_points, 1000, key="till-1-0003")
    again = redeem(till, card_with_points, 1000, key="till-1-0003")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert services.balance_of(card_with_points) == 0
    assert LedgerTransaction.objects.filter(kind="redeem").count() == 1


def test_replay_after_the_card_was_blocked_returns_the_first_answer(till, card):
    first = earn(till, card, "12.00", key="till-1-0004")
    services.set_card_status(card, "blocked")
    again = earn(till, card, "12.00", key="till-1-0004")
    assert again.status_code == 201
    assert again.json() == first.json()
    other = earn(till, card, "13.00", key="till-1-0004")
    assert other.status_code == 409
    assert error_of(other)["code"] == "idempotency_conflict"


def test_a_failed_request_leaves_its_key_free(till, card_with_points):
    refused = redeem(till, card_with_points, 2000, key="till-1-0005")
    assert error_of(refused)["code"] == "insufficient_points"
    assert redeem(till, card_with_points, 200, key="till-1-0005").status_code == 201
    assert services.balance_of(card_with_points) == 800


def test_same_key_with_another_body_is_409_idempotency_conflict(till, card):
    assert earn(till, card, "12.00", key="till-1-0002").status_code == 201
    response = earn(till, card, "13.00", key="till-1-0002")
    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_conflict"
    assert services.balance_of(card) == 12


def test_keys_of_different_shops_do_not_collide(till, other_till, card):
    assert earn(till, card, "12.00", key="0001").status_code == 201
    assert earn(other_till, card, "13.00", key="0001").status_code == 201
    assert services.balance_of(card) == 25


def test_reversing_a_redemption_gives_the_points_back(till, card_with_points):
    spent = redeem(till, card_with_points, 300).json()
    response = till.post(f"loyalty/transactions/{spent['id']}/reverse")
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["reverses"], body["balance"]) == ("reversal", spent["id"], 1000)


def test_a_second_reversal_is_409_already_reversed(till, card_with_points):
    spent = redeem(till, card_with_points, 300).json()
    assert till.post(f"loyalty/transactions/{spent['id']}/reverse").status_code == 201
    response = till.post(f"loyalty/transactions/{spent['id']}/reverse")
    assert response.status_code == 409
    assert error_of(response)["code"] == "already_reversed"
    assert services.balance_of(card_with_points) == 1000


def test_reversing_an_earn_whose_points_were_spent_is_409(till, card):
    earned = earn(till, card, "500.00").json()  # 500 points
    redeem(till, card, 400)
    response = till.post(f"loyalty/transactions/{earned['id']}/reverse")
    assert response.status_code == 409
    assert error_of(response)["code"] == "insufficient_points"
    assert services.balance_of(card) == 100


def test_another_shop_cannot_reverse_but_the_manager_can(till, other_till, card, actors, api_as):
    earned = earn(till, card, "5.00").json()
    assert other_till.post(f"loyalty/transactions/{earned['id']}/reverse").status_code == 404
    response = api_as(actors.manager).post(f"loyalty/transactions/{earned['id']}/reverse")
    assert response.status_code == 201
    assert response.json()["balance"] == 0


def test_terminal_reads_status_and_balance_only(till, card_with_points):
    response = till.get(f"loyalty/cards/{card_with_points.number}")
    assert response.status_code == 200
    assert response.json() == {
        "number": card_with_points.number,
        "status": "active",
        "balance": 1000,
    }


def test_entries_of_every_posting_sum_to_zero_and_balances_match(till, card_with_points):
    redeem(till, card_with_points, 300)
    for tx in LedgerTransaction.objects.all():
        assert sum(e.points for e in tx.entries.all()) == 0
    for account in Account.objects.all():
        assert account.current_balance() == sum(e.points for e in account.entries.all())


def test_merchant_person_uses_the_till_api_for_its_own_shop(actors, api_as, card):
    response = earn(api_as(actors.merchant), card, "7.00")
    assert response.status_code == 201
    assert LedgerTransaction.objects.get().business == actors.shop
    response = api_as(actors.merchant).post(
        f"loyalty/transactions?business={actors.other_shop.pk}",
        {"card": card.number, "kind": "earn", "amount": "7.00"},
    )
    assert response.status_code == 404


def test_a_movement_is_stored_as_the_orm_would_store_it(actors, till, card):
    # The posting writes its rows in plain SQL (ledger.py); read back through the ORM,
    # every field holds what the answer said.
    body = earn(till, card, "23.59", key="stored").json()
    tx = LedgerTransaction.objects.get(pk=body["id"])
    assert (tx.kind, tx.points, tx.amount) == ("earn", 23, Decimal("23.59"))
    assert (tx.card, tx.business, tx.idempotency_key) == (card, actors.shop, "stored")
    assert tx.posted_at == datetime.fromisoformat(body["created_at"])
    assert tx.period == body["created_at"][:7]
    assert tx.applied_rules == body["applied_rules"]
    assert {"id": tx.pk, **tx.response} == body
    earned_on = ledger.local_time(card.program, tx.posted_at).date()
    expires_on = ledger.expiry_date(earned_on, card.program.expiry_months)
    assert sorted(tx.entries.values_list("account__kind", "points", "expires_on")) == [
        ("card", 23, expires_on),
        ("merchant_issued", -23, None),
    ]


def test_an_earn_too_small_for_a_point_posts_no_entries(till, card):
    response = earn(till, card, "0.99")  # 0.99 € × 1 point/€ → 0 points
    assert response.status_code == 201
    assert (response.json()["points"], response.json()["balance"]) == (0, 0)
    assert not LedgerTransaction.objects.get().entries.exists()


def test_the_amount_may_be_a_json_number(till, card):
    response = till.post(
        "loyalty/transactions", {"card": card.number, "kind": "earn", "amount": 9.5}
    )
    assert response.status_code == 201
    assert response.json()["amount"] == "9.50"
    assert Decimal(response.json()["amount"]) == Decimal("9.5")
