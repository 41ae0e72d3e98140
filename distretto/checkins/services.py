"""Check-in operations that the API, the pages, the demo and the benchmark call.

``check_in`` gathers what ``decision.decide`` needs under a lock on the card's
check-in state (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write
transactions are ``BEGIN IMMEDIATE``) and stores the attempt whatever the decision.
On acceptance it awards the badges the visit completes and grants the venue's
points through the loyalty ledger (``grant_points``, one idempotency key per
check-in), all in one database transaction.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from distretto.checkins import badges, codes, decision
from distretto.checkins.models import (
    Attempt,
    Badge,
    BadgeAward,
    CardCheckinState,
    CheckinPoint,
    Decision,
    Route,
)
from distretto.core.errors import Conflict, Invalid
from distretto.loyalty import services as loyalty
from distretto.loyalty.models import Card
from distretto.territory.models import Business, District
from distretto.territory.validators import validate_latitude, validate_longitude

SOURCE = "checkins"


def limits() -> decision.Limits:
    """The decision's thresholds, overridable in settings (``CHECKINS_*``)."""
    return decision.Limits(
        low_accuracy_m=settings.CHECKINS_LOW_ACCURACY_M,
        accuracy_allowance_cap_m=settings.CHECKINS_ACCURACY_CAP_M,
        max_speed_kmh=settings.CHECKINS_MAX_SPEED_KMH,
        max_attempts_per_hour=settings.CHECKINS_MAX_ATTEMPTS_PER_HOUR,
    )


# --- Venues ---------------------------------------------------------------------------------


def save_point(point: CheckinPoint) -> CheckinPoint:
    point.full_clean()
    point.save()
    return point


def create_point(business: Business, fields: dict) -> CheckinPoint:
    """A venue at ``business``; its position defaults to the business's."""
    fields = dict(fields)
    for name in ("lat", "lon"):
        if fields.get(name) is None:
            fields[name] = getattr(business, name)
            if fields[name] is None:
                raise Invalid(_("Give the venue's position."), field=name)
    return save_point(CheckinPoint(business=business, **fields))


def update_point(point: CheckinPoint, fields: dict) -> CheckinPoint:
    for name, value in fields.items():
        setattr(point, name, value)
    return save_point(point)


def local_zone(point: CheckinPoint) -> ZoneInfo:
    return ZoneInfo(point.business.district.time_zone)


def checkin_path(point: CheckinPoint, code: str | None = None) -> str:
    path = reverse("checkins:checkin", args=[point.pk])
    return f"{path}?code={code}" if code else path


def current_code(point: CheckinPoint, now: datetime | None = None) -> dict:
    """The code on the venue's screen now, until when, and the check-in path it opens."""
    shown = codes.current(point.code_secret, now or timezone.now())
    return {
        "code": shown.code,
        "valid_until": shown.valid_until.astimezone(local_zone(point)),
        "checkin_path": checkin_path(point, shown.code),
        "qr_path": f"{reverse('checkins:qr', args=[point.pk])}?code={shown.code}",
    }


# --- Check-in -------------------------------------------------------------------------------


class CheckinRejected(Invalid):
    """A rejected check-in: 422 whose ``code`` is the decision's reason."""


@dataclass
class CheckinResult:
    attempt: Attempt
    status: int  # 201 accepted, 422 rejected
    body: dict
    replayed: bool = False

    def raise_if_rejected(self) -> None:
        if self.status != 201:
            error = self.body["error"]
            raise CheckinRejected(error["message"], code=error["code"], field=error["field"])


def rejection_message(reason: str, point: CheckinPoint, verdict: decision.Decision) -> str:
    """A sentence telling the visitor what to do next."""
    if reason == decision.POINT_INACTIVE:
        return _("This venue is not taking check-ins right now: try again when it is open.")
    if reason == decision.RATE_LIMITED:
        return _("Too many attempts in the last hour: wait a while before trying again.")
    if reason == decision.CODE_REQUIRED:
        return _("This venue asks for its code: type the 6-digit code shown at the counter.")
    if reason == decision.INVALID_CODE:
        return _("The code is wrong or has expired: type the code the venue shows now.")
    if reason == decision.LOW_ACCURACY:
        return _(
            "Your position is too imprecise: step outside or near a window and try again, "
            "or type the code shown at the venue."
        )
    if reason == decision.TOO_FAR:
        metres = verdict.distance_m or 0
        if metres >= 1000:
            distance = f"{number_format(metres / 1000, 1)} km"
        else:
            distance = f"{round(metres)} m"
        return _(
            "You seem to be %(distance)s from the venue: come within %(radius)s m of it "
            "and try again."
        ) % {"distance": distance, "radius": point.radius_m}
    if reason == decision.COOLDOWN:
        if point.cooldown_days == 1:
            return _("You have already checked in here today: come back tomorrow.")
        return _("You have already checked in here: come back in %(days)s days.") % {
            "days": point.cooldown_days
        }
    if reason == decision.IMPOSSIBLE_TRAVEL:
        return _(
            "This check-in comes too soon after your previous one at another venue: "
            "try again later, once you could really have travelled here."
        )
    return _("The check-in was not accepted.")


REASON_FIELDS = {
    decision.CODE_REQUIRED: "code",
    decision.INVALID_CODE: "code",
    decision.LOW_ACCURACY: "accuracy_m",
    decision.TOO_FAR: "lat",
    decision.POINT_INACTIVE: "point",
}


def _fingerprint(request: dict) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def _validate_position(lat, lon, accuracy_m) -> None:
    if (lat is None) != (lon is None):
        raise Invalid(_("Give both latitude and longitude."), field="lon" if lon is None else "lat")
    for name, value, validate in (
        ("lat", lat, validate_latitude),
        ("lon", lon, validate_longitude),
    ):
        if value is not None:
            try:
                validate(value)  # NaN and infinities fail its range check too
            except ValidationError as exc:
                raise Invalid(exc.messages[0], field=name) from exc
    if accuracy_m is not None and not (math.isfinite(accuracy_m) and accuracy_m >= 0):
        raise Invalid(_("The accuracy is a distance in metres, zero or more."), field="accuracy_m")


def _replay(card: Card, key: str, print_: str) -> CheckinResult | None:
    existing = Attempt.objects.filter(card=card, idempotency_key=key).first() if key else None
    if existing is None:
        return None
    if existing.request_fingerprint != print_:
        raise Conflict(
            _("This Idempotency-Key was used for another request."), code="idempotency_conflict"
        )
    stored = existing.response
    return CheckinResult(existing, stored["status"], stored["body"], replayed=True)


def _lock_state(card: Card) -> CardCheckinState:
    """The card's state row, locked until commit (``SELECT ... FOR UPDATE``; on SQLite
    the ``BEGIN IMMEDIATE`` transaction already holds the database's write lock)."""
    state = CardCheckinState.objects.select_for_update().filter(card=card).first()
    if state is None:
        CardCheckinState.objects.bulk_create([CardCheckinState(card=card)], ignore_conflicts=True)
        state = CardCheckinState.objects.select_for_update().get(card=card)
    return state


def _history(state: CardCheckinState, point: CheckinPoint, moment: datetime) -> decision.History:
    """What the decision needs to know of the card's past, in one query."""
    hour_ago = moment - timedelta(hours=1)
    # Cooldowns count local days: a day more than the cooldown covers any time zone.
    cooldown_start = moment - timedelta(days=point.cooldown_days + 1)
    row = Attempt.objects.filter(
        card_id=state.card_id, created_at__gt=min(hour_ago, cooldown_start)
    ).aggregate(
        recent=Count("id", filter=Q(created_at__gt=hour_ago)),
        last_here=Max("created_at", filter=Q(point=point, decision=Decision.ACCEPTED)),
    )
    previous = None
    if state.last_at is not None:
        previous = decision.PreviousCheckin(state.last_lat, state.last_lon, state.last_at)
    return decision.History(
        previous=previous, last_here_at=row["last_here"], attempts_last_hour=row["recent"]
    )


def grant_key(card: Card, point: CheckinPoint, local_date: date) -> str:
    """The loyalty idempotency key of a check-in: a card has at most one accepted
    check-in per venue and local day (the model's constraint), so this names it."""
    return f"checkin-{card.pk}-{point.pk}-{local_date.isoformat()}"


def venue_of(point: CheckinPoint) -> decision.Venue:
    return decision.Venue(
        lat=point.lat,
        lon=point.lon,
        radius_m=point.radius_m,
        requires_code=point.requires_code,
        active=point.active and point.business.active,
        active_from=point.active_from,
        active_until=point.active_until,
        cooldown_days=point.cooldown_days,
        time_zone=point.business.district.time_zone,
    )


def check_in(
    card: Card,
    point: CheckinPoint,
    *,
    lat: float | None,
    lon: float | None,
    accuracy_m: float | None,
    code: str | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> CheckinResult:
    """Decide, store and (when accepted) reward one check-in attempt of ``card``.

    Raises ``Invalid`` for malformed input or a venue outside the card's district,
    ``Conflict("card_blocked")`` for a card that is not active, and
    ``Conflict("idempotency_conflict")`` for a reused key; otherwise returns the
    result, 201 or 422, already stored (and returned again for the same key).
    """
    district = point.business.district
    if district.pk != card.program.district_id:
        raise Invalid(
            _("This venue is not part of your card's district."),
            code="point_not_in_card_district",
            field="point",
        )
    _validate_position(lat, lon, accuracy_m)
    code = (code or "").strip() or None
    key = key or ""
    if len(key) > 120:
        raise Invalid(_("The Idempotency-Key is too long."), field="Idempotency-Key")
    request = {"point": point.pk, "lat": lat, "lon": lon, "accuracy_m": accuracy_m, "code": code}
    print_ = _fingerprint(request)
    if replayed := _replay(card, key, print_):
        return replayed
    for _try in range(2):
        try:
            with transaction.atomic():
                return _decide_and_store(card, point, request, key, print_, now)
        except IntegrityError:
            # A parallel request with the same key, or the same card's accepted check-in
            # committed under us: the second pass replays it or decides on the new state.
            if replayed := _replay(card, key, print_):
                return replayed
    raise Conflict(_("Please try again."), code="retry")


def _decide_and_store(
    card: Card, point: CheckinPoint, request: dict, key: str, print_: str, now: datetime | None
) -> CheckinResult:
    state = _lock_state(card)  # parallel attempts of this card queue here
    if replayed := _replay(card, key, print_):  # the same key won the lock before us
        return replayed
    if card.status != Card.Status.ACTIVE:
        raise Conflict(
            _("The card is %(status)s.") % {"status": card.get_status_display().lower()},
            code="card_blocked",
        )
    moment = now or timezone.now()
    local_date = moment.astimezone(local_zone(point)).date()
    code = request["code"]
    code_valid = None if code is None else codes.verify(point.code_secret, code, moment)
    attempt_in = decision.Attempt(
        lat=request["lat"],
        lon=request["lon"],
        accuracy_m=request["accuracy_m"],
        code_valid=code_valid,
        at=moment,
    )
    verdict = decision.decide(venue_of(point), attempt_in, _history(state, point, moment), limits())
    if verdict.accepted:
        state.last_lat, state.last_lon, state.last_at = point.lat, point.lon, moment
        state.save(update_fields=["last_lat", "last_lon", "last_at"])
    attempt = Attempt.objects.create(
        point=point,
        card=card,
        created_at=moment,
        local_date=local_date,
        lat=request["lat"],
        lon=request["lon"],
        accuracy_m=request["accuracy_m"],
        distance_m=None if verdict.distance_m is None else round(verdict.distance_m, 1),
        code_given=code is not None,
        code_valid=code_valid,
        speed_kmh=_finite(verdict.speed_kmh),
        decision=verdict.reason,
        points_awarded=point.reward_points if verdict.accepted else 0,
        idempotency_key=key,
        request_fingerprint=print_,
    )
    if verdict.accepted:
        earned = award_badges(card, point.business.district, attempt)
        # The grant comes last, with nothing written after it: it locks the district's
        # promotion-budget account, which every reward of the district shares, and
        # that lock is held until the commit.
        key_ = grant_key(card, point, local_date)
        tx = loyalty.grant_points(card, point.reward_points, SOURCE, key_, key_, now=moment)
        status, body = (
            201,
            {
                "status": "accepted",
                "attempt": attempt.pk,
                "point": point.pk,
                "points_awarded": point.reward_points,
                "balance": tx.response["balance"],
                "badges_earned": earned,
                "distance_m": attempt.distance_m,
                "created_at": moment.astimezone(local_zone(point)).isoformat(),
            },
        )
    else:
        status, body = (
            422,
            {
                "error": {
                    "code": verdict.reason,
                    "message": rejection_message(verdict.reason, point, verdict),
                    "field": REASON_FIELDS.get(verdict.reason),
                }
            },
        )
    if key:  # kept only where a replay may ask for it
        attempt.response = {"status": status, "body": body}
        attempt.save(update_fields=["response"])
    return CheckinResult(attempt, status, body)


def _finite(value: float | None) -> float | None:
    """Infinite speeds (no time elapsed) are stored as unknown: databases and JSON
    disagree on infinity."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, 1)


# --- Badges and passport --------------------------------------------------------------------


def _rule(badge: Badge) -> badges.Rule:
    route_points = frozenset()
    if badge.route_id:
        route_points = frozenset(p.pk for p in badge.route.points.all())
    return badges.Rule(
        badge_id=badge.pk,
        kind=badge.kind,
        threshold=badge.threshold,
        route_points=route_points,
        months=frozenset(badge.months or []),
    )


def visits_of(card: Card, district: District) -> list[badges.Visit]:
    rows = Attempt.objects.filter(
        card=card, decision=Decision.ACCEPTED, point__business__district=district
    ).values_list("point_id", "local_date")
    return [badges.Visit(point_id, day) for point_id, day in rows]


def award_badges(card: Card, district: District, attempt: Attempt | None = None) -> list[dict]:
    """Award the badges the card's accepted check-ins now satisfy; return the new ones."""
    pending = list(
        Badge.objects.filter(district=district, active=True)
        .exclude(awards__card=card)
        .select_related("route")
        .prefetch_related("route__points")
        .order_by("id")
    )
    if not pending:
        return []
    new_ids = set(badges.earned([_rule(b) for b in pending], visits_of(card, district)))
    moment = attempt.created_at if attempt else timezone.now()
    new = [badge for badge in pending if badge.pk in new_ids]
    BadgeAward.objects.bulk_create(
        [BadgeAward(badge=badge, card=card, attempt=attempt, awarded_at=moment) for badge in new]
    )
    return [{"id": b.pk, "name": b.name, "kind": b.kind} for b in new]


def _visits_by_point(card: Card) -> dict[int, dict]:
    """The card's accepted check-ins per venue: how many and the last one."""
    rows = (
        Attempt.objects.filter(card=card, decision=Decision.ACCEPTED)
        .values("point_id")
        .annotate(count=Count("id"), last=Max("created_at"))
    )
    return {row["point_id"]: row for row in rows}


def stamped_venues(card: Card, visits: dict[int, dict] | None = None) -> list[dict]:
    """Every active venue of the card's district, with the card's visits there."""
    if visits is None:
        visits = _visits_by_point(card)
    points = (
        CheckinPoint.objects.filter(business__district=card.program.district_id, active=True)
        .select_related("business__comune")
        .order_by("business__name")
    )
    return [
        {
            "id": point.pk,
            "name": point.name,
            "comune": point.business.comune.name if point.business.comune_id else "",
            "lat": point.lat,
            "lon": point.lon,
            "stamped": point.pk in visits,
            "visits": visits.get(point.pk, {}).get("count", 0),
            "last_visit": visits.get(point.pk, {}).get("last"),
        }
        for point in points
    ]


def passport(card: Card) -> dict:
    """The visitor's stamps: every venue of the district with visits, the routes with
    their progress, and the badges earned."""
    district = card.program.district
    visits = _visits_by_point(card)
    venues = stamped_venues(card, visits)
    routes = []
    for route in Route.objects.filter(district=district, active=True).prefetch_related("points"):
        ids = [p.pk for p in route.points.all()]
        routes.append(
            {
                "id": route.pk,
                "name": route.name,
                "description": route.description,
                "venues": ids,
                "stamped": sum(1 for pk in ids if pk in visits),
                "total": len(ids),
            }
        )
    awards = BadgeAward.objects.filter(card=card).select_related("badge").order_by("awarded_at")
    return {
        "card": card.number,
        "district": district.name,
        "checkins": sum(row["count"] for row in visits.values()),
        "venues": venues,
        "routes": routes,
        "badges": [
            {
                "id": award.badge_id,
                "name": award.badge.name,
                "description": award.badge.description,
                "kind": award.badge.kind,
                "awarded_at": award.awarded_at,
            }
            for award in awards
        ],
    }


def _require_unique_name(model, obj) -> None:
    twins = model.objects.filter(district=obj.district_id, name=obj.name).exclude(pk=obj.pk)
    if twins.exists():
        raise Conflict(_("The district already has one with this name."), field="name")


def save_route(route: Route, point_ids: list[int] | None = None) -> Route:
    _require_unique_name(Route, route)
    route.full_clean()
    if point_ids is not None:
        points = list(
            CheckinPoint.objects.filter(pk__in=point_ids, business__district=route.district_id)
        )
        if len(points) != len(set(point_ids)):
            raise Invalid(_("Unknown venue for this district."), field="points")
    with transaction.atomic():
        route.save()
        if point_ids is not None:
            route.points.set(points)
    return route


def save_badge(badge: Badge) -> Badge:
    _require_unique_name(Badge, badge)
    badge.full_clean()
    badge.save()
    return badge


# --- Manager view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SuspicionLimits:
    window_days: int = 30
    min_rejections: int = 5
    min_rejected_share: float = 0.5
    min_impossible_travel: int = 2


def suspicious_cards(
    districts, *, now: datetime | None = None, limits_: SuspicionLimits | None = None
) -> list[dict]:
    """Cards with many rejections or repeated impossible travel in the last window, the
    worst first."""
    limits_ = limits_ or SuspicionLimits()
    since = (now or timezone.now()) - timedelta(days=limits_.window_days)
    rejected = ~Q(decision=Decision.ACCEPTED)
    rows = (
        Attempt.objects.filter(point__business__district__in=districts, created_at__gte=since)
        .values("card_id", "card__number", "card__status")
        .annotate(
            attempts=Count("id"),
            rejected=Count("id", filter=rejected),
            impossible_travel=Count("id", filter=Q(decision=Decision.IMPOSSIBLE_TRAVEL)),
            invalid_code=Count("id", filter=Q(decision=Decision.INVALID_CODE)),
            too_far=Count("id", filter=Q(decision=Decision.TOO_FAR)),
            last_attempt=Max("created_at"),
        )
    )
    flagged = []
    for row in rows:
        reasons = []
        if (
            row["rejected"] >= limits_.min_rejections
            and row["rejected"] >= limits_.min_rejected_share * row["attempts"]
        ):
            reasons.append("many_rejections")
        if row["impossible_travel"] >= limits_.min_impossible_travel:
            reasons.append("repeated_impossible_travel")
        if reasons:
            flagged.append(
                {
                    "card": row["card__number"],
                    "status": row["card__status"],
                    "attempts": row["attempts"],
                    "rejected": row["rejected"],
                    "impossible_travel": row["impossible_travel"],
                    "invalid_code": row["invalid_code"],
                    "too_far": row["too_far"],
                    "last_attempt": row["last_attempt"],
                    "reasons": reasons,
                }
            )
    flagged.sort(key=lambda r: (-r["impossible_travel"], -r["rejected"], r["card"]))
    return flagged


def block_card(card: Card) -> Card:
    """Block a card found cheating: it can no longer check in, earn or redeem."""
    return loyalty.set_card_status(card, Card.Status.BLOCKED)


def daily_counts(districts, *, days: int = 14, today: date | None = None) -> list[dict]:
    """Accepted and rejected check-ins per venue and local day, the newest day first."""
    today = today or timezone.localdate()
    rows = (
        Attempt.objects.filter(
            point__business__district__in=districts,
            local_date__gt=today - timedelta(days=days),
        )
        .values("point_id", "point__business__name", "local_date")
        .annotate(
            accepted=Count("id", filter=Q(decision=Decision.ACCEPTED)),
            rejected=Count("id", filter=~Q(decision=Decision.ACCEPTED)),
        )
        .order_by("-local_date", "point__business__name")
    )
    return [
        {
            "point": row["point_id"],
            "venue": row["point__business__name"],
            "day": row["local_date"],
            "accepted": row["accepted"],
            "rejected": row["rejected"],
        }
        for row in rows
    ]


def reason_counts(districts, *, days: int = 30, today: date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    labels = dict(Decision.choices)
    rows = (
        Attempt.objects.filter(
            point__business__district__in=districts,
            local_date__gt=today - timedelta(days=days),
        )
        .exclude(decision=Decision.ACCEPTED)
        .values("decision")
        .annotate(count=Count("id"))
        .order_by("-count", "decision")
    )
    return [
        {"reason": row["decision"], "label": str(labels[row["decision"]]), "count": row["count"]}
        for row in rows
    ]


def venue_totals(districts, *, days: int = 30, today: date | None = None) -> list[dict]:
    """Each venue with its accepted and rejected check-ins over ``days`` (for the map)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    points = (
        CheckinPoint.objects.filter(business__district__in=districts)
        .annotate(
            accepted=Count(
                "attempts",
                filter=Q(attempts__decision=Decision.ACCEPTED, attempts__local_date__gt=since),
            ),
            rejected=Count(
                "attempts",
                filter=~Q(attempts__decision=Decision.ACCEPTED) & Q(attempts__local_date__gt=since),
            ),
        )
        .select_related("business")
        .order_by("business__name")
    )
    return [
        {
            "id": p.pk,
            "name": p.name,
            "lat": p.lat,
            "lon": p.lon,
            "radius_m": p.radius_m,
            "active": p.active,
            "accepted": p.accepted,
            "rejected": p.rejected,
        }
        for p in points
    ]


# --- Personal data (used by the privacy app) ------------------------------------------------


def attempts_of(cards) -> list[dict]:
    """Every check-in attempt of ``cards``, oldest first, with what is kept of its
    position (nothing once reduced to the venue and the decision)."""
    rows = (
        Attempt.objects.filter(card__in=cards)
        .select_related("card", "point__business")
        .order_by("created_at", "id")
    )
    return [
        {
            "card": attempt.card.number,
            "venue": attempt.point.business.name,
            "at": attempt.created_at.isoformat(),
            "lat": attempt.lat,
            "lon": attempt.lon,
            "accuracy_m": attempt.accuracy_m,
            "distance_m": attempt.distance_m,
            "decision": attempt.decision,
            "points_awarded": attempt.points_awarded,
        }
        for attempt in rows
    ]


def badges_of(cards) -> list[dict]:
    rows = BadgeAward.objects.filter(card__in=cards).select_related("badge", "card")
    return [
        {"card": a.card.number, "badge": a.badge.name, "awarded_at": a.awarded_at.isoformat()}
        for a in rows.order_by("awarded_at", "id")
    ]


POSITION_FIELDS = ("lat", "lon", "accuracy_m", "distance_m", "speed_kmh")


def reduce_positions(*, before: datetime | None = None, cards=None) -> int:
    """Keep only the venue and the decision of the attempts made before ``before``
    (and/or of ``cards``): position, accuracy, distance and implied speed are removed,
    also from the answer kept for an idempotent replay. Returns how many were reduced.
    Run daily by ``distretto privacy-retention``; the privacy erasure calls it too."""
    attempts = Attempt.objects.filter(
        Q(lat__isnull=False)
        | Q(accuracy_m__isnull=False)
        | Q(distance_m__isnull=False)
        | Q(speed_kmh__isnull=False)
    )
    if before is not None:
        attempts = attempts.filter(created_at__lt=before)
    if cards is not None:
        attempts = attempts.filter(card__in=cards)
    with transaction.atomic():
        for attempt in attempts.filter(response__isnull=False).only("pk", "response"):
            body = attempt.response.get("body", {})
            if "distance_m" in body:
                body["distance_m"] = None
                attempt.save(update_fields=["response"])
        return attempts.update(**dict.fromkeys(POSITION_FIELDS))
