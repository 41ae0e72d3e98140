"""Is the visitor really at the venue? The check-in decision, as one pure function.

No database, no request: ``decide`` takes plain values and returns a ``Decision``.
The service (``services.check_in``) gathers those values under a lock on the card
and stores every attempt with the decision taken here.

The checks run in this order and the first that fails is the reason given:

1. ``point_inactive``    the venue is switched off or outside its active window.
2. ``rate_limited``      the card already made ``max_attempts_per_hour`` attempts in
                         the last hour (checked before the code, so that codes cannot
                         be guessed by brute force).
3. ``code_required``     the venue asks for its code and none was given.
4. ``invalid_code``      a code was given and it is not the venue's current one
                         (±1 step of 60 s).
5. ``low_accuracy``      the reported accuracy is worse than ``low_accuracy_m``
                         (default 150 m) — waived when a valid code is given. No
                         position at all counts as infinitely inaccurate.
6. ``too_far``           the distance to the venue is beyond its radius plus the
                         reported accuracy, the accuracy counted at most
                         ``accuracy_allowance_cap_m`` (100 m). Skipped only when no
                         position was sent and a valid code proved presence.
7. ``cooldown``          the card already has an accepted check-in at this venue
                         within ``cooldown_days`` calendar days in the district's
                         time zone (1: once per local day).
8. ``impossible_travel`` going from the card's previous accepted venue to this one
                         implies a speed above ``max_speed_kmh`` (default 150 km/h);
                         zero elapsed time over a non-zero distance is impossible.

Otherwise the check-in is ``accepted``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from distretto.territory import geo

ACCEPTED = "accepted"
POINT_INACTIVE = "point_inactive"
RATE_LIMITED = "rate_limited"
CODE_REQUIRED = "code_required"
INVALID_CODE = "invalid_code"
LOW_ACCURACY = "low_accuracy"
TOO_FAR = "too_far"
COOLDOWN = "cooldown"
IMPOSSIBLE_TRAVEL = "impossible_travel"


@dataclass(frozen=True)
class Limits:
    """Configurable thresholds (settings ``CHECKINS_*``, see ``services.limits``)."""

    low_accuracy_m: float = 150.0
    accuracy_allowance_cap_m: float = 100.0
    max_speed_kmh: float = 150.0
    max_attempts_per_hour: int = 20


@dataclass(frozen=True)
class Venue:
    lat: float
    lon: float
    radius_m: float
    requires_code: bool = False
    active: bool = True
    active_from: datetime | None = None
    active_until: datetime | None = None
    cooldown_days: int = 1
    time_zone: str = "Europe/Rome"


@dataclass(frozen=True)
class Attempt:
    """What the visitor sent, and the server's clock (client clocks are not trusted)."""

    lat: float | None
    lon: float | None
    accuracy_m: float | None
    code_valid: bool | None  # None: no code given
    at: datetime


@dataclass(frozen=True)
class PreviousCheckin:
    """The card's last accepted check-in (at any venue)."""

    lat: float
    lon: float
    at: datetime


@dataclass(frozen=True)
class History:
    """What the card did before this attempt."""

    previous: PreviousCheckin | None = None
    last_here_at: datetime | None = None  # last accepted check-in at this venue
    attempts_last_hour: int = 0


@dataclass(frozen=True)
class Decision:
    reason: str  # ACCEPTED or one of the rejection reasons above
    distance_m: float | None = None
    speed_kmh: float | None = None

    @property
    def accepted(self) -> bool:
        return self.reason == ACCEPTED


def implied_speed_kmh(distance_m: float, elapsed: timedelta) -> float:
    """Speed needed to cover ``distance_m`` in ``elapsed``; infinite when no time passed."""
    hours = elapsed.total_seconds() / 3600
    if hours <= 0:
        return math.inf if distance_m > 0 else 0.0
    return distance_m / 1000 / hours


def is_active(venue: Venue, at: datetime) -> bool:
    if not venue.active:
        return False
    if venue.active_from is not None and at < venue.active_from:
        return False
    return venue.active_until is None or at < venue.active_until


def in_cooldown(venue: Venue, last_here_at: datetime | None, at: datetime) -> bool:
    """True when the last accepted check-in here is fewer than ``cooldown_days`` local
    calendar days ago (midnight in the district's time zone starts a new day)."""
    if last_here_at is None:
        return False
    zone = ZoneInfo(venue.time_zone)
    days = (at.astimezone(zone).date() - last_here_at.astimezone(zone).date()).days
    return days < venue.cooldown_days


def decide(venue: Venue, attempt: Attempt, history: History, limits: Limits) -> Decision:
    """The decision on one check-in attempt (see the module docstring for the order)."""
    has_position = attempt.lat is not None and attempt.lon is not None
    distance = (
        geo.distance_m(attempt.lat, attempt.lon, venue.lat, venue.lon) if has_position else None
    )

    def reject(reason: str, speed: float | None = None) -> Decision:
        return Decision(reason, distance, speed)

    if not is_active(venue, attempt.at):
        return reject(POINT_INACTIVE)
    if history.attempts_last_hour >= limits.max_attempts_per_hour:
        return reject(RATE_LIMITED)
    if venue.requires_code and attempt.code_valid is None:
        return reject(CODE_REQUIRED)
    if attempt.code_valid is False:
        return reject(INVALID_CODE)
    accuracy = attempt.accuracy_m if has_position and attempt.accuracy_m is not None else math.inf
    if accuracy > limits.low_accuracy_m and not attempt.code_valid:
        return reject(LOW_ACCURACY)
    if distance is not None:
        allowance = min(max(accuracy, 0.0), limits.accuracy_allowance_cap_m)
        if distance > venue.radius_m + allowance:
            return reject(TOO_FAR)
    if in_cooldown(venue, history.last_here_at, attempt.at):
        return reject(COOLDOWN)
    speed = None
    if history.previous is not None:
        travelled = geo.distance_m(history.previous.lat, history.previous.lon, venue.lat, venue.lon)
        speed = implied_speed_kmh(travelled, attempt.at - history.previous.at)
        if speed > limits.max_speed_kmh:
            return reject(IMPOSSIBLE_TRAVEL, speed)
    return Decision(ACCEPTED, distance, speed)
