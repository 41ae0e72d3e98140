"""POST /api/v1/checkins with the card's token: accepted, each rejection over HTTP,
every attempt stored, points through the loyalty ledger exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from distretto.checkins import codes, services
from distretto.checkins.models import Attempt
from distretto.checkins.tests.conftest import at_venue, check_in
from distretto.loyalty import services as loyalty
from distretto.loyalty import settlement
from distretto.loyalty.models import LedgerTransaction
from distretto.territory.models import Business
from distretto.testing import ApiClient, BusinessFactory, error_of

pytestmark = pytest.mark.django_db


def test_checking_in_at_the_venue_earns_its_points_on_the_card(visitor, venue, card):
    response = visitor.post("checkins", at_venue(venue))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["points_awarded"], body["balance"]) == ("accepted", 10, 10)
    assert body["badges_earned"] == []
    assert loyalty.balance_of(card) == 10
    attempt = Attempt.objects.get()
    assert attempt.decision == "accepted" and attempt.distance_m == 0
    grant = LedgerTransaction.objects.get(kind="grant")
    assert (grant.source, grant.points, grant.card) == ("checkins", 10, card)
    assert grant.reference == services.grant_key(card, venue, attempt.local_date)


def test_the_points_are_district_funded_and_spendable_at_any_district_shop(
    actors, visitor, venue, card, program
):
    visitor.post("checkins", at_venue(venue))
    loyalty.redeem(card, actors.other_shop, 10)  # spent at another shop of the district
    assert loyalty.balance_of(card) == 0
    period = timezone.localdate().strftime("%Y-%m")
    district = settlement.statement(program, period, Business.objects.none())["district"]
    assert district["promotion_points"] == 10  # paid by the district's promotion budget


def test_every_rejection_is_422_with_its_reason_a_hint_and_a_stored_attempt(visitor, venue):
    far = at_venue(venue, lat=venue.lat + 0.01)  # about 1.1 km north
    response = visitor.post("checkins", far)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "too_far"
    assert "75" in error["message"]  # tells how close to come
    attempt = Attempt.objects.get()
    assert attempt.decision == "too_far"
    assert attempt.distance_m == pytest.approx(1112, abs=2)
    assert attempt.accuracy_m == 12 and attempt.points_awarded == 0


def test_low_accuracy_is_rejected_unless_the_venue_code_is_given(visitor, venue):
    blurry = at_venue(venue, accuracy_m=400)
    assert error_of(visitor.post("checkins", blurry))["code"] == "low_accuracy"
    code = codes.code_at(venue.code_secret, timezone.now())
    response = visitor.post("checkins", {**blurry, "code": code})
    assert response.status_code == 201, response.content


def a_wrong_code(secret: str) -> str:
    """A code that is none of the three accepted right now."""
    now = timezone.now()
    valid = {codes.code_at(secret, now + timedelta(seconds=60 * step)) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def test_a_venue_requiring_its_code(visitor, venue):
    services.update_point(venue, {"requires_code": True})
    missing = visitor.post("checkins", at_venue(venue))
    assert error_of(missing)["code"] == "code_required"
    assert error_of(missing)["field"] == "code"
    wrong = visitor.post("checkins", at_venue(venue, code=a_wrong_code(venue.code_secret)))
    assert error_of(wrong)["code"] == "invalid_code"
    right = codes.code_at(venue.code_secret, timezone.now())
    assert visitor.post("checkins", at_venue(venue, code=right)).status_code == 201


def test_a_code_two_steps_old_is_invalid_and_one_step_old_is_fine(venue, card):
    venue.code_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    venue.save()
    now = datetime(2026, 7, 14, 10, 0, 30, tzinfo=UTC)
    two_steps_old = codes.code_at(venue.code_secret, now - timedelta(seconds=120))
    one_step_old = codes.code_at(venue.code_secret, now - timedelta(seconds=60))
    assert check_in(card, venue, code=two_steps_old, now=now).status == 422
    assert Attempt.objects.get().decision == "invalid_code"
    assert check_in(card, venue, code=one_step_old, now=now).status == 201


def test_a_second_check_in_the_same_day_is_cooldown(visitor, venue, card):
    assert visitor.post("checkins", at_venue(venue)).status_code == 201
    response = visitor.post("checkins", at_venue(venue))
    assert error_of(response)["code"] == "cooldown"
    assert loyalty.balance_of(card) == 10
    assert list(Attempt.objects.values_list("decision", flat=True)) == ["cooldown", "accepted"]


def test_impossible_travel_from_a_far_venue_moments_ago(actors, visitor, venue, card):
    far_shop = BusinessFactory(district=actors.district, name="Bistrot di Codogno")
    codogno = services.create_point(far_shop, {"lat": 45.1603, "lon": 9.7024})  # 23 km away
    check_in(card, codogno, now=timezone.now() - timedelta(minutes=5))
    response = visitor.post("checkins", at_venue(venue))
    assert error_of(response)["code"] == "impossible_travel"
    assert Attempt.objects.filter(decision="impossible_travel").get().speed_kmh > 150


def test_too_many_attempts_in_an_hour_are_rate_limited(visitor, venue, settings):
    settings.CHECKINS_MAX_ATTEMPTS_PER_HOUR = 3
    far = at_venue(venue, lat=venue.lat + 0.01)
    for _i in range(3):
        assert error_of(visitor.post("checkins", far))["code"] == "too_far"
    assert error_of(visitor.post("checkins", at_venue(venue)))["code"] == "rate_limited"
    assert Attempt.objects.count() == 4


def test_an_inactive_venue(visitor, venue):
    services.update_point(venue, {"active": False})
    assert error_of(visitor.post("checkins", at_venue(venue)))["code"] == "point_inactive"


def test_a_venue_of_another_district_is_refused_with_a_clear_code(actors, visitor, program):
    foreign = services.create_point(actors.foreign_shop, {"lat": 44.3893, "lon": 7.5478})
    response = visitor.post("checkins", at_venue(foreign))
    assert response.status_code == 422
    assert error_of(response)["code"] == "point_not_in_card_district"
    assert not Attempt.objects.exists()


def test_a_blocked_card_cannot_check_in(visitor, venue, card):
    services.block_card(card)
    response = visitor.post("checkins", at_venue(venue))
    assert response.status_code == 409 and error_of(response)["code"] == "card_blocked"


def test_without_the_card_token_it_is_401_and_a_personal_token_is_not_a_card(actors, api_as, venue):
    assert ApiClient().post("checkins", at_venue(venue)).status_code == 401
    assert api_as(actors.cardholder).post("checkins", at_venue(venue)).status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"accuracy_m": -1}, "accuracy_m"),
        ({"lon": None}, "lon"),
        ({"point": 999999}, None),
    ],
)
def test_bad_input_is_422_or_404_never_500(visitor, venue, change, field):
    response = visitor.post("checkins", {**at_venue(venue), **change})
    if field is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 422
        assert error_of(response)["field"] == field
    assert not Attempt.objects.exists()


def test_a_replay_with_the_same_key_returns_the_first_answer_and_grants_once(visitor, venue, card):
    first = visitor.post("checkins", at_venue(venue), HTTP_IDEMPOTENCY_KEY="k-1")
    again = visitor.post("checkins", at_venue(venue), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Attempt.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="grant").count() == 1
    assert loyalty.balance_of(card) == 10
    other = visitor.post("checkins", at_venue(venue, accuracy_m=30), HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_conflict"


def test_the_grant_is_idempotent_per_check_in(venue, card):
    result = check_in(card, venue)
    key = services.grant_key(card, venue, result.attempt.local_date)
    first = LedgerTransaction.objects.get(kind="grant")
    assert first.idempotency_key == key
    again = loyalty.grant_points(card, 10, "checkins", key, key)
    assert again.pk == first.pk
    assert loyalty.balance_of(card) == 10


def test_a_closed_settlement_month_refuses_the_grant_and_stores_nothing(venue, card, program):
    from distretto.loyalty.models import SettlementPeriod

    SettlementPeriod.objects.create(
        program=program,
        period=timezone.localdate().strftime("%Y-%m"),
        closed_at=timezone.now(),
        figures={},
    )
    with pytest.raises(Exception) as caught:
        check_in(card, venue)
    assert getattr(caught.value, "code", "") == "period_closed"
    assert not Attempt.objects.exists()
    assert Decimal(loyalty.balance_of(card)) == 0


def test_the_cooldown_ends_at_midnight_in_rome_with_the_local_day_stored(venue, card):
    late = datetime(2026, 7, 14, 23, 50, tzinfo=ZoneInfo("Europe/Rome"))  # 21:50 UTC
    assert check_in(card, venue, now=late).status == 201
    assert check_in(card, venue, now=late + timedelta(minutes=5)).body["error"]["code"] == (
        "cooldown"
    )
    assert check_in(card, venue, now=late + timedelta(minutes=20)).status == 201  # 00:10
    days = Attempt.objects.filter(decision="accepted").order_by("created_at")
    assert [a.local_date.isoformat() for a in days] == ["2026-07-14", "2026-07-15"]
    assert loyalty.balance_of(card) == 20
