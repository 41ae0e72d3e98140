"""Demo data: the bistros of the Valle Maira and Valle Grana (Cuneo) as check-in venues,
two valley routes ("passports"), badges, and three months of check-ins decided by the
real rules. Deterministic (fixed seed, dates relative to today) and idempotent."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from distretto.checkins import codes, services
from distretto.checkins.models import Attempt, Badge, CheckinPoint, Route
from distretto.core.errors import DomainError
from distretto.loyalty import cardnumbers
from distretto.loyalty import services as loyalty
from distretto.loyalty.models import Account, Card, Program
from distretto.territory.demo import demo_partita_iva
from distretto.territory.models import Business, Comune, District

PROGRAM_NAME = "Carta del Distretto di Cuneo e delle Valli"
# Fixed so that the demo can print the passport link of the demo cardholder.
DEMO_PASSPORT_TOKEN = "lcw_demo-cliente-cuneo"
# What `distretto demo` prints as the way in.
DEMO_LINKS = [("check-ins", "/checkins/"), ("passport", f"/checkins/p/{DEMO_PASSPORT_TOKEN}/")]
CARD_COUNT = 24
CHEATER = 2  # index of the card that tries to check in from afar

# name, comune ISTAT, position (in the comune's centre), route
BISTROS = [
    ("Bistrot della Valle Maira", "004082", (44.46680, 7.36650), "maira"),  # Dronero
    ("Locanda di Roccabruna", "004187", (44.47650, 7.34260), "maira"),
    ("Bistrot di Cartignano", "004044", (44.47830, 7.28510), "maira"),
    ("Bottega e Bistrot di San Damiano", "004207", (44.48850, 7.25650), "maira"),
    ("Osteria di Macra", "004112", (44.50010, 7.18000), "maira"),
    ("Bistrot di Stroppo", "004224", (44.50600, 7.12650), "maira"),
    ("Rifugio-Bistrot di Elva", "004083", (44.53930, 7.08930), "maira"),
    ("Bistrot di Acceglio", "004001", (44.47560, 6.99080), "maira"),
    ("Bistrot di Monterosso Grana", "004139", (44.40800, 7.32340), "grana"),
    ("Locanda di Pradleves", "004173", (44.41930, 7.28190), "grana"),
    ("Bistrot del Castelmagno", "004053", (44.40890, 7.21250), "grana"),
]

ROUTES = {
    "maira": (
        "Passaporto della Valle Maira",
        "Da Dronero ad Acceglio: otto bistrot lungo la valle, un timbro in ciascuno.",
    ),
    "grana": (
        "Passaporto della Valle Grana",
        "Monterosso, Pradleves e Castelmagno: la valle del formaggio Castelmagno DOP.",
    ),
}


def _program(district: District) -> Program:
    program = Program.objects.filter(district=district).order_by("pk").first()
    if program is not None:
        return program
    return loyalty.create_program(
        district,
        {
            "name": PROGRAM_NAME,
            "point_value": Decimal("0.01"),
            "earn_rate": Decimal("1.00"),
            "min_redemption": 100,
            "expiry_months": 12,
            "promoter": "Distretto del Commercio e del Turismo di Cuneo",
            "area": "Città di Cuneo e valli Maira e Grana",
            "prizes": "Sconto in cassa di 0,01 euro per punto nei locali aderenti",
        },
    )


def _card(program: Program, index: int, user=None) -> Card:
    """A demo card with a fixed number and token (as loyalty's own demo makes them)."""
    body = f"8{index:010d}"
    number = body + cardnumbers.luhn_check_digit(body)
    card = Card.objects.filter(number=number).first()
    if card is None:
        token = DEMO_PASSPORT_TOKEN if index == 1 else f"lcw_demo-valli-{index:04d}"
        card = Card.objects.create(
            program=program,
            number=number,
            token_hash=loyalty.token_digest(token),
            holder_name="Sara Cliente" if user else "",
            consent_privacy=bool(user),
            user=user,
            batch="demo-valli",
        )
        Account.objects.create(program=program, kind=Account.Kind.CARD, card=card)
    return card


def _venues(district: District) -> dict[str, list[CheckinPoint]]:
    by_route: dict[str, list[CheckinPoint]] = {"maira": [], "grana": []}
    for index, (name, istat, (lat, lon), route) in enumerate(BISTROS):
        comune = Comune.objects.filter(pk=istat).first()
        business, _created = Business.objects.get_or_create(
            district=district,
            name=name,
            defaults={
                "partita_iva": demo_partita_iva("cuneo", 100 + index),
                "legal_name": f"{name} S.n.c.",
                "ateco_code": "56.30.01",
                "category": Business.Category.BAR_CAFE,
                "comune": comune,
                "address": f"Piazza del Municipio, {comune.name if comune else ''}".strip(", "),
                "lat": lat,
                "lon": lon,
            },
        )
        point = CheckinPoint.objects.filter(business=business).first()
        if point is None:
            point = services.create_point(
                business,
                {
                    "lat": lat,
                    "lon": lon,
                    "radius_m": 75,
                    "reward_points": 20 if route == "maira" else 15,
                    # Elva and Acceglio: steep valley sides, poor GPS — code required.
                    "requires_code": istat in {"004083", "004001"},
                },
            )
            # A secret derived from the name keeps the demo deterministic.
            digest = hashlib.sha256(f"distretto-demo-{name}".encode()).digest()[:20]
            point.code_secret = base64.b32encode(digest).decode()
            point.save(update_fields=["code_secret"])
        by_route[route].append(point)
    return by_route


def _routes_and_badges(district: District, venues: dict[str, list[CheckinPoint]]) -> None:
    routes = {}
    for key, (name, description) in ROUTES.items():
        route = Route.objects.filter(district=district, name=name).first()
        if route is None:
            route = services.save_route(
                Route(district=district, name=name, description=description),
                [p.pk for p in venues[key]],
            )
        routes[key] = route
    badges = [
        ("Benvenuto in valle", "La prima timbratura", "first_checkin", 1, None, []),
        ("Esploratore", "Cinque bistrot diversi", "distinct_venues", 5, None, []),
        ("Passaporto Valle Maira", "Tutti i bistrot della Valle Maira", "route", 1, "maira", []),
        ("Passaporto Valle Grana", "Tutti i bistrot della Valle Grana", "route", 1, "grana", []),
        ("Fedele alle valli", "Visite in tre mesi diversi", "distinct_months", 3, None, []),
        (
            "Autunno in valle",
            "Tre timbri tra settembre e novembre",
            "seasonal",
            3,
            None,
            [9, 10, 11],
        ),
        ("Estate in quota", "Tre timbri tra giugno e agosto", "seasonal", 3, None, [6, 7, 8]),
    ]
    for name, description, kind, threshold, route, months in badges:
        if not Badge.objects.filter(district=district, name=name).exists():
            services.save_badge(
                Badge(
                    district=district,
                    name=name,
                    description=description,
                    kind=kind,
                    threshold=threshold,
                    route=routes[route] if route else None,
                    months=months,
                )
            )


def _check_ins(district: District, cards: list[Card], venues: list[CheckinPoint]) -> None:
    """About three months of visits, each decided by the real rules: mostly honest
    visitors on weekends, and one card that tries from the town and hops valleys."""
    zone = ZoneInfo(district.time_zone)
    rng = random.Random(2026)
    today = timezone.localdate()
    first_day = today - timedelta(days=90)
    grana = [p for p in venues if p.business.comune_id in {"004139", "004173", "004053"}]

    def attempt(card: Card, point: CheckinPoint, moment: datetime, metres: float, accuracy: float):
        code = codes.code_at(point.code_secret, moment) if point.requires_code else None
        with contextlib.suppress(DomainError):  # e.g. a closed settlement month
            services.check_in(
                card,
                point,
                lat=point.lat + metres / 111_195,
                lon=point.lon,
                accuracy_m=accuracy,
                code=code,
                now=moment,
            )

    # The demo cardholder: the whole Valle Grana and five of the Valle Maira bistros.
    sara = cards[0]
    for offset, point in enumerate(grana + [p for p in venues if p not in grana][:5]):
        day = first_day + timedelta(days=7 * offset + 3)
        attempt(sara, point, datetime.combine(day, time(12, 30), zone), 10, 9)
    day = first_day
    while day < today:
        weekend = day.weekday() >= 5
        for _i in range(rng.randint(3, 7) if weekend else rng.randint(0, 2)):
            card = rng.choice(cards[2:])
            point = rng.choice(venues)
            moment = datetime.combine(day, time(rng.randint(9, 18), rng.randint(0, 59)), zone)
            metres = rng.choice([5, 10, 15, 25, 40, 60, 400])  # a few from the car park below
            accuracy = rng.choice([5, 8, 12, 20, 35, 60, 220])
            attempt(card, point, moment, metres, accuracy)
        day += timedelta(days=1)
    cheater = cards[CHEATER - 1]
    for week in range(4):
        day = today - timedelta(days=7 * week + 2)
        base = datetime.combine(day, time(17, 0), zone)
        attempt(cheater, venues[0], base, 20, 10)
        attempt(cheater, venues[7], base + timedelta(minutes=6), 15, 10)  # Dronero → Acceglio
        for minutes in (20, 21, 23):
            attempt(cheater, venues[5], base + timedelta(minutes=minutes), 2_500, 15)


def seed() -> None:
    district = District.objects.filter(slug="cuneo").first()
    if district is None:
        return
    program = _program(district)
    cliente = get_user_model().objects.filter(username="cliente").first()
    cards = [_card(program, 1, user=cliente)] + [
        _card(program, index) for index in range(2, CARD_COUNT + 1)
    ]
    by_route = _venues(district)
    _routes_and_badges(district, by_route)
    venues = by_route["maira"] + by_route["grana"]
    if not Attempt.objects.filter(point__in=venues).exists():
        _check_ins(district, cards, venues)
