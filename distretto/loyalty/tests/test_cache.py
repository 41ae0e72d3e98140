"""The tills' per-worker cache (cache.py): what it keeps is dropped as soon as a
programme, a multiplier or a campaign changes in the worker, and nothing read by a
rolled-back transaction is kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from distretto.loyalty import cache, services, till
from distretto.loyalty.models import Account, Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def warm(actors, card, django_capture_on_commit_callbacks):
    """One committed earn: the worker now keeps the programme, its rules and accounts."""

    def earn(amount: str) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return services.earn(card, actors.shop, Decimal(amount))

    earn("1.00")
    return earn


def test_a_new_multiplier_applies_to_the_next_earn(warm, actors, program):
    assert warm("10.00")["points"] == 10
    services.set_merchant_rate(program, actors.shop, Decimal("2.00"))
    assert warm("10.00")["points"] == 20


def test_a_new_campaign_and_its_edits_apply_to_the_next_earn(warm, actors, program):
    campaign = services.save_campaign(
        Campaign(
            program=program,
            name="Sabato in centro",
            starts_on=date(2000, 1, 1),
            ends_on=date(2100, 1, 1),
            bonus_points=5,
        ),
        business_ids=[actors.other_shop.pk],
    )
    assert warm("10.00")["points"] == 10  # not for this shop
    services.save_campaign(campaign, business_ids=[actors.shop.pk])
    assert warm("10.00")["points"] == 15
    campaign.active = False
    services.save_campaign(campaign)
    assert warm("10.00")["points"] == 10


def test_a_programme_change_applies_to_the_next_till_movement(warm, program):
    assert warm("10.00")["points"] == 10
    services.update_program(program, {"earn_rate": Decimal("3.00")})
    assert warm("10.00")["points"] == 30


def test_the_till_keeps_the_programme_its_rules_and_accounts(warm, actors, program):
    setting = till.kept_setting(program.pk, actors.shop)
    assert setting is not None and setting.program == program
    assert setting.issued.business == actors.shop and setting.promotion.kind == "promotion"
    assert till.kept_setting(program.pk, actors.other_shop) is None
    services.update_program(program, {"earn_rate": Decimal("3.00")})
    assert till.kept_setting(program.pk, actors.shop) is None


def test_nothing_read_in_a_rolled_back_transaction_is_kept(
    actors, other_program, django_capture_on_commit_callbacks
):
    card, _raw = services.issue_card(other_program)
    with (
        django_capture_on_commit_callbacks(execute=True) as kept,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.earn(card, actors.foreign_shop, Decimal("10.00"))
        assert Account.objects.filter(business=actors.foreign_shop).exists()
        raise RuntimeError("roll back")
    assert kept == []
    # The shop's accounts created by the rolled-back earn are gone; the next earn makes
    # them again instead of pointing at rows that do not exist.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.earn(card, actors.foreign_shop, Decimal("10.00"))["balance"] == 10
    kinds = Account.objects.filter(business=actors.foreign_shop).values_list("kind", flat=True)
    assert sorted(kinds) == ["merchant_issued", "merchant_redeemed"]


@pytest.fixture
def other_program(actors):
    return services.create_program(
        actors.foreign_shop.district,
        {"name": "Carta Cuneo", "point_value": Decimal("0.01"), "earn_rate": Decimal("1.00")},
    )


def test_what_was_read_before_a_change_elsewhere_is_not_kept(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert cache.fresh("rules", 999_999, lambda: "old") == "old"
        cache.forget(999_999)  # another thread's change to the programme commits meanwhile
    assert cache.fresh("rules", 999_999, lambda: "new") == "new"


def test_what_a_change_made_during_the_read_is_not_kept(django_capture_on_commit_callbacks):
    def read_while_changed() -> str:
        cache.forget(999_998)  # another thread's change commits while this one reads
        return "old"

    with django_capture_on_commit_callbacks(execute=True):
        assert cache.fresh("rules", 999_998, read_while_changed) == "old"
    assert cache.fresh("rules", 999_998, lambda: "new") == "new"
