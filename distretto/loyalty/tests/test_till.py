"""A till movement's steps (till.py): what the plan asks of the database, what each
outcome leads to, the card's programme found by the database, and, on PostgreSQL,
``loyalty_till_post`` agreeing with the Python steps it stands for."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from distretto.core.errors import Conflict, DomainError, Invalid
from distretto.loyalty import ledger, services, till
from distretto.loyalty.ledger import Leg
from distretto.loyalty.models import (
    Account,
    Campaign,
    Entry,
    LedgerTransaction,
    Program,
    SettlementPeriod,
)
from distretto.loyalty.till import Outcome, Plan, SettingNeeded, TillRequest

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 14, 12, 0, tzinfo=ZoneInfo("Europe/Rome"))


def request_for(business, card, **fields) -> TillRequest:
    fields.setdefault("kind", "earn")
    if fields["kind"] == "earn":
        fields.setdefault("amount", Decimal("10.00"))
    return TillRequest(business=business, card=card.number, now=NOON, **fields)


def finish(steps, outcome: Outcome) -> dict:
    """The answer the steps return once sent ``outcome``."""
    with pytest.raises(StopIteration) as done:
        steps.send(outcome)
    return done.value.value


def first_plan(steps, setting) -> Plan:
    need = next(steps)
    assert need == SettingNeeded(setting.program.pk)
    return steps.send(setting)


def test_an_earn_is_planned_as_balanced_legs_with_the_answer_but_its_balance(actors, program, card):
    setting = till.setting_for(program.pk, actors.shop)
    plan = first_plan(till.movement(request_for(actors.shop, card), program.pk), setting)
    # 10.00 € × 1.00 point/€ = 10 points, charged to the shop
    assert (plan.card_points, [(leg.account, leg.points) for leg in plan.legs]) == (
        10,
        [(setting.issued, -10)],
    )
    assert plan.card_points + sum(leg.points for leg in plan.legs) == 0
    assert plan.period == "2026-03" and plan.expires_on.isoformat() == "2027-03-31"
    assert plan.response["balance"] is None and plan.response["points"] == 10
    assert plan.response["created_at"] == "2026-03-14T12:00:00+01:00"
    arguments = plan.arguments()
    assert len(arguments) == till.CALL.count("%s")
    assert arguments[8:11] == [None, None, None]  # no campaign legs, no capped campaigns


def test_each_outcome_leads_to_an_answer_a_new_plan_or_a_refusal(actors, program, card):
    setting = till.setting_for(program.pk, actors.shop)
    steps = till.movement(request_for(actors.shop, card), program.pk)
    plan = first_plan(steps, setting)
    # A concurrent request with the same key committed first: the same plan again.
    assert steps.send(Outcome("again")) == SettingNeeded(program.pk)
    assert steps.send(setting) == plan
    answer = finish(steps, Outcome("ok", 41, 510))
    assert answer == {"id": 41, **plan.response, "balance": 510}
    assert next(iter(answer)) == "id"

    steps = till.movement(request_for(actors.shop, card), program.pk)
    first_plan(steps, setting)
    stored = {"kind": "earn", "points": 10, "balance": 77}
    assert finish(steps, Outcome("replay", 12, None, json.dumps(stored))) == {"id": 12, **stored}

    steps = till.movement(request_for(actors.shop, card), program.pk)
    first_plan(steps, setting)
    with pytest.raises(Conflict) as refused:
        steps.send(Outcome("card_blocked", detail=json.dumps("lost")))
    assert (refused.value.code, refused.value.message) == ("card_blocked", "La carta è smarrita.")


def test_a_movement_that_never_settles_is_refused_as_busy(actors, program, card):
    setting = till.setting_for(program.pk, actors.shop)
    steps = till.movement(request_for(actors.shop, card), program.pk)
    first_plan(steps, setting)
    with pytest.raises(Conflict) as busy:
        for _attempt in range(till.ATTEMPTS):
            need = steps.send(Outcome("again"))
            if isinstance(need, SettingNeeded):
                steps.send(setting)
    assert busy.value.code == "card_busy"


def test_other_sums_today_make_the_plan_again(actors, program, card):
    from distretto.loyalty.models import Campaign

    campaign = Campaign.objects.create(
        program=program,
        name="Sabato in centro",
        starts_on=NOON.date(),
        ends_on=NOON.date(),
        bonus_points=40,
        cap_per_card_per_day=60,
    )
    setting = till.setting_for(program.pk, actors.shop)
    steps = till.movement(request_for(actors.shop, card), program.pk)
    plan = first_plan(steps, setting)
    assert (plan.capped, plan.awarded, plan.card_points) == ((campaign.pk,), (0,), 50)
    # The database found 45 points of the campaign on the card today: 15 are left.
    assert steps.send(Outcome("recompute", detail=json.dumps([45]))) == SettingNeeded(program.pk)
    again = steps.send(setting)
    assert (again.awarded, again.card_points) == ((45,), 10 + 15)


def test_a_too_long_idempotency_key_is_422_before_any_query(
    actors, program, card, django_assert_num_queries
):
    with django_assert_num_queries(0), pytest.raises(Invalid) as refused:
        next(till.movement(request_for(actors.shop, card, key="k" * 121), program.pk))
    assert refused.value.field == "Idempotency-Key"


@pytest.fixture
def second_program(actors):
    """A second programme of the Lodi district, at 2 points per euro, from 50 points."""
    return services.create_program(
        actors.district,
        {
            "name": "Carta Lodi Giovani",
            "point_value": Decimal("0.01"),
            "earn_rate": Decimal("2.00"),
            "min_redemption": 50,
        },
    )


def test_the_card_is_found_in_whichever_programme_of_the_district_it_is(
    actors, program, second_program, card
):
    young, _raw = services.issue_card(second_program)
    # Without the card, the till knows only its district: the database says which
    # programme, and the next card of the district is first tried in that one.
    first = services.till_movement(actors.shop, "earn", card.number, amount=Decimal("10.00"))
    other = services.till_movement(actors.shop, "earn", young.number, amount=Decimal("10.00"))
    again = services.till_movement(actors.shop, "earn", card.number, amount=Decimal("10.00"))
    assert (first["points"], other["points"], again["points"]) == (10, 20, 10)
    assert LedgerTransaction.objects.filter(program=second_program).count() == 1


def test_a_refusal_by_the_guessed_programme_is_checked_against_the_cards(
    actors, program, second_program, card_with_points
):
    young, _raw = services.issue_card(second_program)
    services.earn(young, actors.shop, Decimal("40.00"))  # 80 points at 2 per euro
    # The district's last card was of the first programme (minimum 100 points) ...
    services.till_movement(actors.shop, "earn", card_with_points.number, amount=Decimal("1"))
    # ... but 60 points are enough for a card of the second (minimum 50).
    spent = services.till_movement(actors.shop, "redeem", young.number, points=60)
    assert (spent["points"], spent["balance"]) == (60, 20)
    with pytest.raises(Invalid) as refused:
        services.till_movement(actors.shop, "redeem", card_with_points.number, points=60)
    assert refused.value.code == "below_minimum_redemption"


def test_a_guess_naming_a_programme_that_has_gone_is_dropped(actors, program, card):
    till._district_programs[actors.district.pk] = 999_999  # e.g. a database restored
    answer = services.till_movement(actors.shop, "earn", card.number, amount=Decimal("10"))
    assert answer["points"] == 10
    assert till._district_programs[actors.district.pk] == program.pk


def test_more_points_than_any_movement_moves_are_422(actors, card_with_points):
    too_many = ledger.MAX_POINTS + 1
    for call in (
        lambda: services.redeem(card_with_points, actors.shop, 10**19),
        lambda: services.adjust(card_with_points, too_many, "Errore di battitura"),
        lambda: services.adjust(card_with_points, -too_many, "Errore di battitura"),
        lambda: services.grant_points(card_with_points, too_many, "checkins", "1", "k-1"),
    ):
        with pytest.raises(Invalid) as refused:
            call()
        assert refused.value.field == "points"
    assert services.balance_of(card_with_points) == 1000


def test_only_a_taken_key_or_a_campaign_gone_makes_the_plan_again(actors, program, card):
    setting = till.setting_for(program.pk, actors.shop)
    plan = first_plan(till.movement(request_for(actors.shop, card), program.pk), setting)
    paid_by_gone = replace(plan, legs=(Leg(setting.promotion, -5, campaign_id=999_999),))

    def refusal_of(write) -> IntegrityError:
        with pytest.raises(IntegrityError) as raised, transaction.atomic():
            write()
        return raised.value

    def outcome_of(error: IntegrityError, plan: Plan = plan) -> str:
        return till.integrity_outcome(error, plan).outcome

    key = {"idempotency_scope": "business:1", "idempotency_key": "k-1"}
    row = {"program": program, "kind": "earn", "card": card, "points": 0, "period": "2026-03"}
    LedgerTransaction.objects.create(posted_at=NOON, **row, **key)
    taken = refusal_of(lambda: LedgerTransaction.objects.create(posted_at=NOON, **row, **key))
    assert outcome_of(taken) == "again"
    # Another unique constraint: the shop already has its account of points issued.
    twice = refusal_of(
        lambda: Account.objects.create(
            program=program, kind="merchant_issued", business=actors.shop
        )
    )
    with pytest.raises(IntegrityError):
        outcome_of(twice)

    if connection.vendor == "postgresql":  # foreign keys checked at once, named
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        tx = LedgerTransaction.objects.create(posted_at=NOON, **row)
        entry = {"transaction": tx, "account": setting.promotion, "points": 5}
        gone = refusal_of(lambda: Entry.objects.create(**entry, campaign_id=999_999))
        assert outcome_of(gone) == "stale"
        nowhere = refusal_of(lambda: Entry.objects.create(**entry | {"account_id": 999_999}))
        with pytest.raises(IntegrityError):
            outcome_of(nowhere)
    else:  # SQLite says only that some foreign key failed, at commit
        failed = IntegrityError("FOREIGN KEY constraint failed")
        failed.__cause__ = sqlite3.IntegrityError("FOREIGN KEY constraint failed")
        assert outcome_of(failed, paid_by_gone) == "stale"
        with pytest.raises(IntegrityError):
            outcome_of(failed, plan)


# --- PostgreSQL: the function and the Python steps agree ------------------------------------

# Movements (earn cents or redeem points, with a key or none) on the twin cards, and the
# changes of the world they meet: a card's status, the programme stopped, the month
# closed, the till's card of a second programme of the district or of another district.
steps_strategy = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 20_000), st.sampled_from(["", "a", "b"])),
        st.tuples(st.just("redeem"), st.integers(1, 600), st.sampled_from(["", "a", "c"])),
        st.tuples(st.just("status"), st.sampled_from(["active", "blocked", "lost"]), st.just("")),
        st.tuples(st.just("running"), st.booleans(), st.just("")),
        st.tuples(st.just("closed"), st.booleans(), st.just("")),
        st.tuples(st.just("card"), st.sampled_from(["own", "second", "foreign"]), st.just("")),
    ),
    min_size=1,
    max_size=14,
)


def outcome_of(call) -> tuple:
    """An answer or a refusal, without what differs between twins (ids, card, time)."""
    try:
        answer = call()
    except DomainError as refused:
        return ("refused", refused.code, refused.message)
    return ("answer", *(value for name, value in answer.items() if name not in {"id", "card"}))


@pytest.fixture
def world(actors, program, second_program):
    """A Saturday campaign capped per card and day (NOON is a Saturday), the twins'
    sibling cards in a second programme, and a card of another district."""
    Campaign.objects.create(
        program=program,
        name="Sabato in centro",
        starts_on=NOON.date(),
        ends_on=NOON.date(),
        weekdays=[5],
        multiplier=Decimal("2.00"),
        cap_per_card_per_day=150,
    )
    foreign = services.create_program(
        actors.foreign_shop.district,
        {"name": "Carta Cuneo", "point_value": Decimal("0.01"), "earn_rate": Decimal("1")},
    )
    return {"second": second_program, "foreign": services.issue_card(foreign)[0]}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps_strategy)
# Each refusal and each new plan at least once, whatever the random steps find:
@example(steps=[("earn", 10_000, ""), ("earn", 10_000, "a"), ("earn", 10_000, "a")])  # cap
@example(steps=[("earn", 30_000, ""), ("closed", True, ""), ("redeem", 100, "")])
@example(steps=[("running", False, ""), ("earn", 1_000, ""), ("redeem", 100, "")])
@example(steps=[("status", "lost", ""), ("earn", 1_000, ""), ("redeem", 700, "")])
@example(
    steps=[
        ("card", "second", ""),
        ("earn", 1_000, "b"),
        ("card", "foreign", ""),
        ("earn", 1_000, ""),
    ]
)
def test_postgresql_function_and_python_steps_agree(actors, program, world, steps):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass: elsewhere the Python steps are the only ones")
    Program.objects.filter(pk=program.pk).update(active=True)
    SettlementPeriod.objects.filter(program=program).delete()
    twins = {
        "own": [services.issue_card(program)[0] for _twin in range(2)],
        "second": [services.issue_card(world["second"])[0] for _twin in range(2)],
        "foreign": [world["foreign"]] * 2,
    }
    used = "own"
    drivers = [till.post_in_python, till.post_in_postgres]
    for number, (kind, value, key) in enumerate(steps):
        if kind == "running":
            Program.objects.filter(pk=program.pk).update(active=value)
        elif kind == "closed" and value:
            SettlementPeriod.objects.get_or_create(
                program=program, period="2026-03", defaults={"closed_at": NOON, "figures": {}}
            )
        elif kind == "closed":
            SettlementPeriod.objects.filter(program=program).delete()
        elif kind == "card":
            used = value
        elif kind == "status":
            for card in twins["own"]:
                services.set_card_status(card, value)
        else:
            results = []
            for card, driver in zip(twins[used], drivers, strict=True):
                request = TillRequest(
                    business=actors.shop,
                    kind=kind,
                    card=card.number,
                    amount=Decimal(value) / 100 if kind == "earn" else None,
                    points=value if kind == "redeem" else None,
                    key=f"{card.pk}-{key}" if key else "",
                    now=NOON,
                )
                with mock.patch.object(till, "post_plan", driver):
                    results.append(outcome_of(lambda request=request: till.post(request)))
            assert results[0] == results[1], (number, kind, value, key)
    for pair in twins.values():
        balances = Account.objects.filter(card__in=pair).values_list("balance", flat=True)
        assert len(set(balances)) == 1
