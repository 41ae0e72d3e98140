"""The check-ins REST API: /api/v1/checkins/...

Managers (personal token or session) run venues, routes and badges and read the
fraud view; a venue's screen (manager, the venue's merchant or its terminal token)
reads the rotating code; the visitor checks in and reads the passport with the
card's own token (``loyalty.auth.card_auth``).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Query, Router, Status

from distretto.accounts.scoping import (
    businesses_for,
    districts_for,
    get_in_scope,
    require_write,
)
from distretto.checkins import services
from distretto.checkins.access import (
    attempts_for,
    badges_for,
    code_points_for,
    managed_districts,
    points_for,
    require_manager,
    routes_for,
)
from distretto.checkins.models import Badge, CheckinPoint, Route
from distretto.checkins.schemas import (
    AttemptPage,
    BadgeIn,
    BadgeOut,
    BadgePage,
    CardStatusOut,
    CheckinIn,
    CheckinOut,
    CodeOut,
    PassportOut,
    PointIn,
    PointOut,
    PointPage,
    PointPatch,
    RouteIn,
    RouteOut,
    RoutePage,
    StatsOut,
    SuspiciousCard,
)
from distretto.core.pagination import paginate
from distretto.loyalty import services as loyalty
from distretto.loyalty.auth import card_auth
from distretto.loyalty.models import Program

router = Router(tags=["checkins"])

IdempotencyKey = Header(None, alias="Idempotency-Key")


# --- Venues ---------------------------------------------------------------------------------


@router.get("/points", response=PointPage)
def list_points(
    request: HttpRequest, district: int | None = None, limit: int = 50, offset: int = 0
):
    points = points_for(request.auth).select_related("business").order_by("-id")
    if district is not None:
        points = points.filter(business__district=district)
    return paginate(points, limit, offset)


@router.post("/points", response={201: PointOut})
def create_point(request: HttpRequest, payload: PointIn):
    """A check-in venue at one of the district's businesses (district managers)."""
    require_write(request.auth)
    fields = payload.dict()
    business = get_in_scope(
        businesses_for(request.auth).select_related("district"), fields.pop("business"), "business"
    )
    require_manager(request.auth, business.district)
    return Status(201, services.create_point(business, fields))


def _managed_point(request: HttpRequest, point_id: int) -> CheckinPoint:
    point = get_in_scope(
        points_for(request.auth).select_related("business__district"), point_id, "venue"
    )
    require_manager(request.auth, point.business.district)
    require_write(request.auth)
    return point


@router.get("/points/{point_id}", response=PointOut)
def get_point(request: HttpRequest, point_id: int):
    return get_in_scope(points_for(request.auth).select_related("business"), point_id, "venue")


@router.patch("/points/{point_id}", response=PointOut)
def update_point(request: HttpRequest, point_id: int, payload: PointPatch):
    point = _managed_point(request, point_id)
    return services.update_point(point, payload.dict(exclude_unset=True))


@router.get("/points/{point_id}/code", response=CodeOut, url_name="checkins_point_code")
def point_code(request: HttpRequest, point_id: int):
    """The venue's current 6-digit code, when it changes, and the QR that opens the
    check-in page with venue and code filled in (managers, the venue's merchant or
    its terminal token)."""
    point = get_in_scope(
        code_points_for(request.auth).select_related("business__district"), point_id, "venue"
    )
    shown = services.current_code(point)
    return {
        "code": shown["code"],
        "valid_until": shown["valid_until"],
        "qr_url": request.build_absolute_uri(shown["qr_path"]),
        "checkin_url": request.build_absolute_uri(shown["checkin_path"]),
    }


# --- Check-in (card token) ------------------------------------------------------------------


@router.post("", response={201: CheckinOut}, auth=card_auth, url_name="checkins_check_in")
def check_in(request: HttpRequest, payload: CheckinIn, idempotency_key: str = IdempotencyKey):
    """Check in at a venue with the card's token. Accepted: 201 with the points and
    badges; rejected: 422 whose error ``code`` is the reason (see ``decision.py``).
    Every attempt is stored. Server time only."""
    card = request.auth
    point = get_in_scope(
        CheckinPoint.objects.select_related("business__district"), payload.point, "venue"
    )
    result = services.check_in(
        card,
        point,
        lat=payload.lat,
        lon=payload.lon,
        accuracy_m=payload.accuracy_m,
        code=payload.code,
        key=idempotency_key,
    )
    result.raise_if_rejected()
    return Status(201, result.body)


@router.get("/passport", response=PassportOut, auth=card_auth)
def passport(request: HttpRequest):
    """The visitor's stamps, route progress and badges."""
    return services.passport(request.auth)


# --- Fraud view (managers) ------------------------------------------------------------------


@router.get("/attempts", response=AttemptPage)
def list_attempts(
    request: HttpRequest,
    point: int | None = None,
    decision: str | None = None,
    card: str | None = None,
    limit: int = 50,
    offset: int = 0,
):
    """Every attempt at the caller's venues, newest first, with distance and decision."""
    attempts = attempts_for(request.auth).select_related("card").order_by("-created_at", "-id")
    if point is not None:
        attempts = attempts.filter(point=point)
    if decision:
        attempts = attempts.filter(decision=decision)
    if card:
        attempts = attempts.filter(card__number=loyalty.parse_card_number(card))
    return paginate(attempts, limit, offset)


def _districts(request: HttpRequest, district: int | None):
    managed = managed_districts(request.auth)
    if district is not None:
        return managed.filter(pk=get_in_scope(districts_for(request.auth), district, "district").pk)
    return managed


@router.get("/stats", response=StatsOut)
def stats(request: HttpRequest, district: int | None = None, days: int = Query(14, ge=1, le=366)):
    """Check-ins per venue and local day, and the rejection reasons."""
    chosen = _districts(request, district)
    return {
        "days": services.daily_counts(chosen, days=days),
        "reasons": services.reason_counts(chosen, days=days),
    }


@router.get("/suspicious", response=list[SuspiciousCard])
def suspicious(request: HttpRequest, district: int | None = None):
    """Cards with many rejections or repeated impossible travel in the last 30 days."""
    return services.suspicious_cards(_districts(request, district))


@router.post("/cards/{number}/block", response=CardStatusOut)
def block_card(request: HttpRequest, number: str):
    """Block a card of a programme the caller manages."""
    require_write(request.auth)
    programs = Program.objects.filter(district__in=managed_districts(request.auth))
    card = services.block_card(loyalty.find_card(number, programs))
    return {"card": card.number, "status": card.status}


# --- Routes and badges ----------------------------------------------------------------------


def _managed_district(request: HttpRequest, district_id: int):
    district = get_in_scope(districts_for(request.auth), district_id, "district")
    require_manager(request.auth, district)
    require_write(request.auth)
    return district


@router.get("/routes", response=RoutePage)
def list_routes(request: HttpRequest, limit: int = 50, offset: int = 0):
    routes = routes_for(request.auth).prefetch_related("points").order_by("-id")
    return paginate(routes, limit, offset)


@router.post("/routes", response={201: RouteOut})
def create_route(request: HttpRequest, payload: RouteIn):
    fields = payload.dict()
    district = _managed_district(request, fields.pop("district"))
    point_ids = fields.pop("points")
    return Status(201, services.save_route(Route(district=district, **fields), point_ids))


@router.get("/badges", response=BadgePage)
def list_badges(request: HttpRequest, limit: int = 50, offset: int = 0):
    return paginate(badges_for(request.auth).order_by("-id"), limit, offset)


@router.post("/badges", response={201: BadgeOut})
def create_badge(request: HttpRequest, payload: BadgeIn):
    fields = payload.dict()
    district = _managed_district(request, fields.pop("district"))
    route_id = fields.pop("route")
    route = None
    if route_id is not None:
        route = get_in_scope(Route.objects.filter(district=district), route_id, "route")
    return Status(201, services.save_badge(Badge(district=district, route=route, **fields)))
