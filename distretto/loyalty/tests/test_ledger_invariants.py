"""Hypothesis drives random sequences of movements; after every step the ledger's
invariants hold: each transaction's entries sum to zero, each balance equals the sum
of its entries, no card is negative, and every period's settlement reconciles."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from distretto.core.errors import DomainError
from distretto.loyalty import services, settlement
from distretto.loyalty.models import Account, Campaign, Entry, LedgerTransaction
from distretto.testing import BusinessFactory

ROME = ZoneInfo("Europe/Rome")
_programmes = count()


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, district) -> None:
        super().__init__()
        self.now = datetime(2025, 1, 1, 9, tzinfo=ROME)
        self.program = services.create_program(
            district,
            {
                "name": f"Programma {next(_programmes)}",
                "point_value": Decimal("0.01"),
                "earn_rate": Decimal("1.00"),
                "expiry_months": 1,
            },
        )
        Campaign.objects.create(
            program=self.program,
            name="Weekend",
            starts_on=self.now.date(),
            ends_on=self.now.date() + timedelta(days=400),
            weekdays=[5, 6],
            multiplier=Decimal("2"),
            cap_per_card_per_day=150,
        )
        self.shops = [BusinessFactory(district=district) for _i in range(2)]
        self.cards = [services.issue_card(self.program)[0] for _i in range(3)]
        self.keys = count()

    def tick(self, hours: int) -> datetime:
        self.now += timedelta(hours=hours)
        return self.now

    def live_card(self, index: int):
        card = self.cards[index % len(self.cards)]
        card.refresh_from_db()
        return card

    @rule(
        card=st.integers(0, 2),
        shop=st.integers(0, 1),
        cents=st.integers(1, 50_000),
        hours=st.integers(0, 100),
    )
    def earn(self, card, shop, cents, hours):
        services.earn(
            self.live_card(card), self.shops[shop], Decimal(cents) / 100, now=self.tick(hours)
        )

    @rule(card=st.integers(0, 2), shop=st.integers(0, 1), points=st.integers(1, 400))
    def redeem(self, card, shop, points):
        try:
            services.redeem(self.live_card(card), self.shops[shop], points, now=self.tick(1))
        except DomainError as error:
            assert error.code in {"insufficient_points", "card_blocked"}

    @rule(choice=st.integers(0, 10_000))
    def reverse(self, choice):
        candidates = list(
            LedgerTransaction.objects.filter(program=self.program, kind__in=["earn", "redeem"])
        )
        if not candidates:
            return
        try:
            services.reverse(candidates[choice % len(candidates)], now=self.tick(1))
        except DomainError as error:
            assert error.code in {"already_reversed", "insufficient_points"}

    @rule(card=st.integers(0, 2), points=st.integers(1, 200))
    def grant(self, card, points):
        try:
            services.grant_points(
                self.live_card(card),
                points,
                "checkins",
                "r",
                f"{self.program.pk}-{next(self.keys)}",
                now=self.tick(1),
            )
        except DomainError as error:
            assert error.code == "card_blocked"

    @rule(card=st.integers(0, 2), points=st.integers(-300, 300).filter(bool))
    def adjust(self, card, points):
        try:
            services.adjust(self.live_card(card), points, "correzione", now=self.tick(1))
        except DomainError as error:
            assert error.code == "insufficient_points"

    @rule(card=st.integers(0, 2))
    def replace(self, card):
        index = card % len(self.cards)
        new_card, _raw = services.replace_card(self.live_card(index), now=self.tick(1))
        self.cards[index] = new_card

    @rule(days=st.integers(1, 70))
    def expire(self, days):
        self.tick(24 * days)
        services.expire(self.program, today=self.now.date())

    @invariant()
    def every_transaction_sums_to_zero(self):
        unbalanced = (
            Entry.objects.filter(transaction__program=self.program)
            .values("transaction")
            .annotate(total=Sum("points"))
            .exclude(total=0)
        )
        assert not unbalanced.exists()

    @invariant()
    def balances_equal_their_entries_and_cards_are_not_negative(self):
        for account in Account.objects.filter(program=self.program):
            total = account.entries.aggregate(s=Sum("points"))["s"] or 0
            assert account.current_balance() == total, account
            if account.kind == Account.Kind.CARD:
                assert account.balance == total >= 0, account

    @invariant()
    def settlement_reconciles(self):
        periods = set(
            LedgerTransaction.objects.filter(program=self.program).values_list("period", flat=True)
        )
        for period in periods:
            district = settlement.district_statement(self.program, period)
            assert district["reconciles"], (period, district)


@pytest.mark.django_db
def test_ledger_invariants_hold_under_random_movements(actors):
    run_state_machine_as_test(
        lambda: LedgerMachine(actors.district),
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
