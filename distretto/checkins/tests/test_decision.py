"""The pure decision: one test per reason, the boundaries, and the documented order."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distretto.checkins.decision import (
    Attempt,
    History,
    Limits,
    PreviousCheckin,
    Venue,
    decide,
)
from distretto.territory.geo import EARTH_RADIUS_M, distance_m

NOW = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
VENUE = Venue(lat=44.4000, lon=7.3000, radius_m=75)  # a bistro in Valle Grana
LIMITS = Limits()
METRES_PER_DEGREE_LAT = 2 * math.pi * EARTH_RADIUS_M / 360  # ≈ 111,195 m


def north_of(venue: Venue, metres: float) -> tuple[float, float]:
    return venue.lat + metres / METRES_PER_DEGREE_LAT, venue.lon


def attempt(metres: float = 0, accuracy: float | None = 10, code_valid=None, at=NOW) -> Attempt:
    lat, lon = north_of(VENUE, metres)
    return Attempt(lat=lat, lon=lon, accuracy_m=accuracy, code_valid=code_valid, at=at)


NO_HISTORY = History()


def reason(venue=VENUE, attempt_=None, history=NO_HISTORY, limits=LIMITS) -> str:
    return decide(venue, attempt_ or attempt(), history, limits).reason


def test_haversine_one_degree_of_latitude_is_about_111_km():
    assert distance_m(44.0, 7.0, 45.0, 7.0) == pytest.approx(111_195, abs=1)
    # Cuneo (44.3904, 7.5480) to Dronero (44.4667, 7.3667): about 16.6 km
    assert distance_m(44.3904, 7.5480, 44.4667, 7.3667) == pytest.approx(16_600, rel=0.01)


def test_at_the_venue_with_a_good_fix_is_accepted_with_the_distance():
    verdict = decide(VENUE, attempt(metres=20), History(), LIMITS)
    assert verdict.accepted
    assert verdict.distance_m == pytest.approx(20, abs=0.01)


# --- too_far: radius plus reported accuracy, accuracy counted at most 100 m ------------------


def test_exactly_radius_plus_accuracy_is_accepted_and_one_metre_more_is_too_far():
    # 75 m radius + 10 m accuracy = 85 m allowance
    assert reason(attempt_=attempt(metres=84.9, accuracy=10)) == "accepted"
    assert reason(attempt_=attempt(metres=86, accuracy=10)) == "too_far"


def test_accuracy_counts_at_most_100_m_towards_the_allowance():
    # accuracy 140 m (under the 150 m limit) but only 100 count: 75 + 100 = 175 m
    assert reason(attempt_=attempt(metres=174, accuracy=140)) == "accepted"
    assert reason(attempt_=attempt(metres=180, accuracy=140)) == "too_far"


def test_a_valid_code_does_not_excuse_being_far_away():
    assert reason(attempt_=attempt(metres=2_000, accuracy=10, code_valid=True)) == "too_far"


# --- low_accuracy ----------------------------------------------------------------------------


def test_accuracy_worse_than_150_m_is_low_accuracy_and_150_exactly_is_not():
    assert reason(attempt_=attempt(metres=10, accuracy=150)) == "accepted"
    assert reason(attempt_=attempt(metres=10, accuracy=150.5)) == "low_accuracy"


def test_a_valid_code_waives_low_accuracy_but_the_allowance_stays_capped():
    assert reason(attempt_=attempt(metres=150, accuracy=900, code_valid=True)) == "accepted"
    assert reason(attempt_=attempt(metres=200, accuracy=900, code_valid=True)) == "too_far"


def test_the_accuracy_limit_is_configurable():
    strict = replace(LIMITS, low_accuracy_m=50)
    assert reason(attempt_=attempt(accuracy=60), limits=strict) == "low_accuracy"


def test_no_position_at_all_needs_a_valid_code():
    blind = Attempt(lat=None, lon=None, accuracy_m=None, code_valid=None, at=NOW)
    assert reason(attempt_=blind) == "low_accuracy"
    assert reason(attempt_=replace(blind, code_valid=True)) == "accepted"


# --- codes -----------------------------------------------------------------------------------


def test_a_venue_requiring_its_code_rejects_without_one_and_with_a_wrong_one():
    coded = replace(VENUE, requires_code=True)
    assert reason(venue=coded, attempt_=attempt()) == "code_required"
    assert reason(venue=coded, attempt_=attempt(code_valid=False)) == "invalid_code"
    assert reason(venue=coded, attempt_=attempt(code_valid=True)) == "accepted"


def test_a_wrong_code_is_rejected_even_where_the_code_is_optional():
    assert reason(attempt_=attempt(code_valid=False)) == "invalid_code"


# --- cooldown: one accepted check-in per venue per local day ---------------------------------


def rome(year, month, day, hour, minute) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Rome"))


def test_cooldown_the_same_local_day():
    history = History(last_here_at=rome(2026, 7, 14, 9, 0))
    later = attempt(at=rome(2026, 7, 14, 18, 0))
    assert reason(attempt_=later, history=history) == "cooldown"


def test_cooldown_ends_at_midnight_in_europe_rome_not_in_utc():
    # 23:30 and 00:10 in Rome (CEST, UTC+2) are 21:30 and 22:10 of the same UTC day.
    history = History(last_here_at=rome(2026, 7, 14, 23, 30))
    just_after_midnight = attempt(at=rome(2026, 7, 15, 0, 10))
    assert just_after_midnight.at.astimezone(UTC).date() == history.last_here_at.date()
    assert reason(attempt_=just_after_midnight, history=history) == "accepted"


def test_cooldown_holds_across_utc_midnight_within_one_rome_day():
    # 00:30 and 01:30 in Rome (CET, UTC+1) in winter are 23:30 and 00:30 in UTC.
    history = History(last_here_at=rome(2026, 1, 10, 0, 30))
    later = attempt(at=rome(2026, 1, 10, 1, 30))
    assert later.at.astimezone(UTC).date() != history.last_here_at.astimezone(UTC).date()
    assert reason(attempt_=later, history=history) == "cooldown"


def test_a_cooldown_of_several_days_counts_local_calendar_days():
    weekly = replace(VENUE, cooldown_days=7)
    history = History(last_here_at=rome(2026, 7, 1, 12, 0))
    assert reason(venue=weekly, attempt_=attempt(at=rome(2026, 7, 7, 23, 59)), history=history) == (
        "cooldown"
    )
    assert reason(venue=weekly, attempt_=attempt(at=rome(2026, 7, 8, 0, 1)), history=history) == (
        "accepted"
    )


# --- impossible travel -----------------------------------------------------------------------


def previous_km_south(km: float, minutes_ago: float) -> History:
    lat, lon = north_of(VENUE, -km * 1000)
    return History(previous=PreviousCheckin(lat, lon, NOW - timedelta(minutes=minutes_ago)))


def test_30_km_in_10_minutes_is_impossible_travel():
    verdict = decide(VENUE, attempt(), previous_km_south(30, 10), LIMITS)  # 180 km/h
    assert verdict.reason == "impossible_travel"
    assert verdict.speed_kmh == pytest.approx(180, rel=0.001)


def test_30_km_in_15_minutes_is_fine():
    verdict = decide(VENUE, attempt(), previous_km_south(30, 15), LIMITS)  # 120 km/h
    assert verdict.accepted
    assert verdict.speed_kmh == pytest.approx(120, rel=0.001)


def test_no_elapsed_time_over_any_distance_is_impossible_and_over_none_is_fine():
    assert reason(history=previous_km_south(0.5, 0)) == "impossible_travel"
    assert reason(history=previous_km_south(0, 0)) == "accepted"


def test_the_speed_limit_is_configurable():
    fast = replace(LIMITS, max_speed_kmh=250)
    assert reason(history=previous_km_south(30, 10), limits=fast) == "accepted"


# --- rate limit, inactive venue, order -------------------------------------------------------


def test_more_than_the_hourly_attempts_is_rate_limited():
    assert reason(history=History(attempts_last_hour=19)) == "accepted"
    assert reason(history=History(attempts_last_hour=20)) == "rate_limited"


def test_a_switched_off_venue_or_one_outside_its_window_is_inactive():
    assert reason(venue=replace(VENUE, active=False)) == "point_inactive"
    assert reason(venue=replace(VENUE, active_from=NOW + timedelta(hours=1))) == "point_inactive"
    assert reason(venue=replace(VENUE, active_until=NOW)) == "point_inactive"
    assert reason(venue=replace(VENUE, active_until=NOW + timedelta(seconds=1))) == "accepted"


def test_reasons_come_in_the_documented_order():
    """Start with everything wrong; fixing one fault at a time reveals the next reason."""
    venue = replace(VENUE, active=False, requires_code=True)
    sent = attempt(metres=5_000, accuracy=400, code_valid=None)
    history = History(
        last_here_at=NOW - timedelta(hours=1),
        attempts_last_hour=50,
        previous=PreviousCheckin(40.0, 7.3, NOW - timedelta(minutes=1)),
    )
    seen = []
    fixes = [
        lambda v, a, h: (replace(v, active=True), a, h),
        lambda v, a, h: (v, a, replace(h, attempts_last_hour=0)),
        lambda v, a, h: (v, replace(a, code_valid=False), h),
        lambda v, a, h: (replace(v, requires_code=False), replace(a, code_valid=None), h),
        lambda v, a, h: (v, replace(a, accuracy_m=10), h),
        lambda v, a, h: (v, replace(a, lat=VENUE.lat, lon=VENUE.lon), h),
        lambda v, a, h: (v, a, replace(h, last_here_at=None)),
        lambda v, a, h: (v, a, replace(h, previous=None)),
    ]
    for fix in fixes:
        seen.append(decide(venue, sent, history, LIMITS).reason)
        venue, sent, history = fix(venue, sent, history)
    seen.append(decide(venue, sent, history, LIMITS).reason)
    assert seen == [
        "point_inactive",
        "rate_limited",
        "code_required",
        "invalid_code",
        "low_accuracy",
        "too_far",
        "cooldown",
        "impossible_travel",
        "accepted",
    ]


@given(
    metres=st.floats(min_value=0, max_value=1_000),
    accuracy=st.floats(min_value=0, max_value=150),
    radius=st.integers(min_value=5, max_value=500),
)
def test_within_radius_plus_capped_accuracy_is_accepted_and_beyond_is_too_far(
    metres, accuracy, radius
):
    venue = replace(VENUE, radius_m=radius)
    lat, lon = north_of(venue, metres)
    verdict = decide(venue, Attempt(lat, lon, accuracy, None, NOW), History(), LIMITS)
    allowance = radius + min(accuracy, 100)
    if verdict.distance_m <= allowance:
        assert verdict.reason == "accepted"
    else:
        assert verdict.reason == "too_far"
    assert verdict.distance_m == pytest.approx(metres, abs=0.01)
