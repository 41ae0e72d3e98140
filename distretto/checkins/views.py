"""Pages of the check-ins app: the manager's fraud view, the venue's screen with the
rotating code, the visitor's check-in page and passport. Thin: rules live in
``services`` and ``decision``."""

from __future__ import annotations

import io
import re

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from distretto.accounts.scoping import principal_for_user
from distretto.checkins import services
from distretto.checkins.access import code_points_for, managed_districts
from distretto.checkins.models import Badge, CheckinPoint, Route
from distretto.core.errors import DomainError
from distretto.loyalty import services as loyalty
from distretto.loyalty.models import Program

CODE_PATTERN = re.compile(r"^\d{6}$")


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """The manager's view: venues on a map, check-ins per venue and day, rejection
    reasons, suspicious cards (with blocking)."""
    district, districts = _managed_district(request)
    chosen = districts.filter(pk=district.pk)
    if request.method == "POST":
        try:
            programs = Program.objects.filter(district=district)
            card = loyalty.find_card(request.POST.get("card", ""), programs)
            services.block_card(card)
            messages.success(request, _("Card %(number)s blocked.") % {"number": card.number})
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(f"{reverse('checkins:manage')}?district={district.pk}")
    return render(
        request,
        "checkins/manage.html",
        {
            "district": district,
            "districts": districts,
            "points": CheckinPoint.objects.filter(business__district=district).select_related(
                "business"
            ),
            "days": services.daily_counts(chosen),
            "reasons": services.reason_counts(chosen),
            "suspicious": services.suspicious_cards(chosen),
        },
    )


def _managed_district(request: HttpRequest):
    principal = principal_for_user(request.user)
    districts = managed_districts(principal).order_by("name")
    if not districts.exists():
        raise Http404
    chosen = request.GET.get("district") or request.POST.get("district") or ""
    district = districts.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    return district or districts[0], districts


def _numbers(text: str) -> list[int]:
    return [int(part) for part in re.split(r"[\s,;]+", text or "") if part]


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Where a manager opens venues and defines routes and badges."""
    district, districts = _managed_district(request)
    if request.method == "POST":
        data = request.POST
        try:
            action = data.get("action")
            if action == "venue":
                business = get_object_or_404(district.businesses, pk=data.get("business"))
                services.create_point(
                    business,
                    {
                        "radius_m": int(data.get("radius_m") or 75),
                        "reward_points": int(data.get("reward_points") or 10),
                        "requires_code": bool(data.get("requires_code")),
                    },
                )
                messages.success(request, _("Venue opened at %(name)s.") % {"name": business})
            elif action == "edit_venue":
                point = get_object_or_404(
                    CheckinPoint, business__district=district, pk=data.get("point")
                )
                services.update_point(
                    point,
                    {
                        "radius_m": int(data.get("radius_m") or point.radius_m),
                        "reward_points": int(data.get("reward_points") or point.reward_points),
                        "requires_code": bool(data.get("requires_code")),
                        "active": bool(data.get("active")),
                    },
                )
                messages.success(request, _("Venue %(name)s saved.") % {"name": point.name})
            elif action == "route":
                route = Route(
                    district=district,
                    name=data.get("name", "").strip(),
                    description=data.get("description", "").strip(),
                )
                services.save_route(route, [int(pk) for pk in data.getlist("points")])
                messages.success(request, _("Route saved."))
            elif action == "badge":
                route = None
                if data.get("route"):
                    route = get_object_or_404(Route, district=district, pk=data.get("route"))
                badge = Badge(
                    district=district,
                    name=data.get("name", "").strip(),
                    description=data.get("description", "").strip(),
                    kind=data.get("kind", ""),
                    threshold=int(data.get("threshold") or 1),
                    route=route,
                    months=_numbers(data.get("months", "")),
                )
                services.save_badge(badge)
                messages.success(request, _("Badge saved."))
            return redirect(f"{reverse('checkins:setup')}?district={district.pk}")
        except ValueError:
            messages.error(request, _("Check the numbers you typed."))
        except DomainError as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    points = CheckinPoint.objects.filter(business__district=district).select_related("business")
    return render(
        request,
        "checkins/setup.html",
        {
            "district": district,
            "districts": districts,
            "points": points,
            "free_businesses": district.businesses.filter(active=True, checkin_points=None),
            "routes": Route.objects.filter(district=district).prefetch_related("points"),
            "badges": Badge.objects.filter(district=district).select_related("route"),
            "kinds": Badge.Kind.choices,
        },
    )


@login_required
def venues_geojson(request: HttpRequest, district_id: int) -> JsonResponse:
    principal = principal_for_user(request.user)
    districts = managed_districts(principal).filter(pk=district_id)
    if not districts.exists():
        raise Http404
    venues = services.venue_totals(districts)
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [v["lon"], v["lat"]]},
                    "properties": {k: v[k] for k in ("id", "name", "accepted", "rejected")},
                }
                for v in venues
            ],
        }
    )


@login_required
def screen(request: HttpRequest, point_id: int) -> HttpResponse:
    """The bistro's screen: the current code and a QR that opens the check-in page
    with venue and code filled in, both refreshing. With ``?poster=1``, a page to
    print: a lasting QR of the check-in page, the code read at the counter."""
    principal = principal_for_user(request.user)
    point = get_object_or_404(
        code_points_for(principal).select_related("business__district"), pk=point_id
    )
    poster = bool(request.GET.get("poster"))
    return render(
        request,
        "checkins/screen.html",
        {
            "point": point,
            "poster": poster,
            "shown": None if poster else services.current_code(point),
            "poster_qr": reverse("checkins:qr", args=[point.pk]),
        },
    )


def qr(request: HttpRequest, point_id: int) -> HttpResponse:
    """PNG of the QR that opens the check-in page (with ``?code=`` when given)."""
    point = get_object_or_404(CheckinPoint, pk=point_id)
    code = request.GET.get("code") or None
    if code is not None and not CODE_PATTERN.match(code):
        raise Http404
    target = request.build_absolute_uri(services.checkin_path(point, code))
    buffer = io.BytesIO()
    qrcode.make(target, border=2, box_size=10).save(buffer, format="PNG")
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, max-age=120"
    return response


def checkin_page(request: HttpRequest, point_id: int) -> HttpResponse:
    """The visitor's check-in page (opened from the venue's QR)."""
    point = get_object_or_404(
        CheckinPoint.objects.select_related("business__district", "business__comune"), pk=point_id
    )
    code = request.GET.get("code", "")
    return render(
        request,
        "checkins/checkin.html",
        {
            "point": point,
            "code": code if CODE_PATTERN.match(code) else "",
            "strings": {
                "locating": _("Finding your position…"),
                "accuracy": _("Position found, accurate to ±%(m)s m."),
                "sending": _("Checking in…"),
                "denied": _(
                    "Location permission was denied. Allow location for this site in your "
                    "browser's settings and try again, or type the code shown at the venue."
                ),
                "unavailable": _(
                    "Your position is not available here. Type the code shown at the venue "
                    "and check in with it."
                ),
                "unsupported": _("This browser cannot share its position: type the venue code."),
                "no_card": _("Open your card's passport link on this phone first."),
                "accepted": _("Checked in! +%(points)s points, balance %(balance)s points."),
                "badge": _("New badge: %(name)s"),
                "failed": _("Something went wrong: try again."),
            },
        },
    )


def _card(token: str):
    card = loyalty.card_for_token(token)
    if card is None:
        raise Http404
    return card


def passport_page(request: HttpRequest, token: str) -> HttpResponse:
    """The visitor's passport: stamps on a map, routes, badges."""
    card = _card(token)
    return _passport(request, card, token, reverse("checkins:passport_geojson", args=[token]))


@login_required
def my_passport(request: HttpRequest, card_id: int) -> HttpResponse:
    """The signed-in cardholder's passport, found through the account."""
    card = _own_card(request, card_id)
    return _passport(request, card, None, reverse("checkins:my_passport_geojson", args=[card.pk]))


@login_required
def my_passport_geojson(request: HttpRequest, card_id: int) -> JsonResponse:
    return _stamps_geojson(_own_card(request, card_id))


def _own_card(request: HttpRequest, card_id: int):
    from distretto.loyalty.models import Card

    return get_object_or_404(
        Card.objects.select_related("program__district"), pk=card_id, user=request.user
    )


def _passport(request: HttpRequest, card, token: str | None, stamps_url: str) -> HttpResponse:
    return render(
        request,
        "checkins/passport.html",
        {
            "card": card,
            "passport": services.passport(card),
            "district": card.program.district,
            "token": token,
            "stamps_url": stamps_url,
        },
    )


def passport_geojson(request: HttpRequest, token: str) -> JsonResponse:
    return _stamps_geojson(_card(token))


def _stamps_geojson(card) -> JsonResponse:
    venues = services.stamped_venues(card)
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [v["lon"], v["lat"]]},
                    "properties": {
                        "id": v["id"],
                        "name": v["name"],
                        "comune": v["comune"],
                        "stamped": v["stamped"],
                        "visits": v["visits"],
                        "url": reverse("checkins:checkin", args=[v["id"]]),
                    },
                }
                for v in venues
            ],
        }
    )
