"""Demo data: the Lodi fidelity card with cards, four months of till movements, a
running campaign and a closed settlement. Deterministic and idempotent."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from distretto.core.errors import DomainError
from distretto.loyalty import cardnumbers, ledger, services, settlement
from distretto.loyalty.models import Account, Campaign, Card, MerchantRate, Program
from distretto.territory.models import District

PROGRAM_NAME = "Carta Fedeltà Distretto di Lodi"
# The demo cardholder's wallet token is fixed so that the demo can print the link.
DEMO_WALLET_TOKEN = "lcw_demo-cliente-lodi"
# What `distretto demo` prints as the way in.
DEMO_LINKS = [
    ("fidelity card", "/loyalty/"),
    ("web till", "/loyalty/till/"),
    ("card wallet", f"/loyalty/w/{DEMO_WALLET_TOKEN}/"),
]
CARD_COUNT = 40


def _demo_number(index: int) -> str:
    body = f"9{index:010d}"
    return body + cardnumbers.luhn_check_digit(body)


def _card(program: Program, index: int, user=None) -> Card:
    number = _demo_number(index)
    card = Card.objects.filter(number=number).first()
    if card is None:
        token = DEMO_WALLET_TOKEN if index == 1 else f"lcw_demo-card-{index:04d}"
        card = Card.objects.create(
            program=program,
            number=number,
            token_hash=services.token_digest(token),
            holder_name="Sara Cliente" if user else "",
            holder_email="cliente@example.org" if user else "",
            consent_privacy=bool(user),
            user=user,
            batch="demo",
        )
        Account.objects.create(program=program, kind=Account.Kind.CARD, card=card)
    return card


def _program(district: District) -> Program:
    program = Program.objects.filter(district=district, name=PROGRAM_NAME).first()
    if program is not None:
        return program
    return services.create_program(
        district,
        {
            "name": PROGRAM_NAME,
            "point_value": Decimal("0.01"),
            "earn_rate": Decimal("1.00"),
            "min_redemption": 100,
            "expiry_months": 12,
            "promoter": "Distretto Urbano del Commercio di Lodi, Piazza della Vittoria, Lodi",
            "area": "Centro storico di Lodi",
            "prizes": "Sconto in cassa di 0,01 euro per punto nei negozi aderenti",
            "guarantee": Decimal("500.00"),
            "rules_text": (
                "Operazione a premio (DPR 430/2001). Si guadagna 1 punto per euro di spesa "
                "nei negozi aderenti; i punti si spendono come sconto in qualunque negozio "
                "aderente, a partire da 100 punti. I punti scadono 12 mesi dopo la fine del "
                "mese in cui sono stati guadagnati."
            ),
        },
    )


def _month_start(day: date, back: int) -> date:
    year, month = ledger.add_months(day.year, day.month, -back)
    return date(year, month, 1)


def _movements(program: Program, cards: list[Card]) -> None:
    zone = ZoneInfo(program.district.time_zone)
    today = timezone.localdate()
    shops = list(program.district.businesses.filter(active=True).order_by("name"))
    rng = random.Random(2025)
    start = _month_start(today, 4)
    day = start
    key = 0
    while day < today:
        for _i in range(rng.randint(4, 9)):
            key += 1
            moment = datetime.combine(day, time(rng.randint(9, 18), rng.randint(0, 59)), zone)
            card = rng.choice(cards)
            shop = rng.choice(shops)
            try:
                if rng.random() < 0.8:
                    amount = Decimal(rng.randint(300, 9000)) / 100
                    services.earn(card, shop, amount, key=f"demo-{key}", now=moment)
                elif (balance := services.balance_of(card)) >= 100:
                    points = rng.randint(100, balance)
                    services.redeem(card, shop, points, key=f"demo-{key}", now=moment)
            except DomainError:
                continue
        day += timedelta(days=1)
    first_tx = program.transactions.filter(kind="earn").order_by("posted_at").first()
    if first_tx is not None:
        services.reverse(first_tx, key="demo-reversal", now=first_tx.posted_at)


def seed() -> None:
    district = District.objects.filter(slug="lodi").first()
    if district is None:
        return
    with transaction.atomic():
        program = _program(district)
        cliente = get_user_model().objects.filter(username="cliente").first()
        cards = [_card(program, 1, user=cliente)] + [
            _card(program, index) for index in range(2, CARD_COUNT + 1)
        ]
        today = timezone.localdate()
        Campaign.objects.get_or_create(
            program=program,
            name="Sabato in centro: punti doppi",
            defaults={
                "starts_on": _month_start(today, 1),
                "ends_on": date(today.year + 1, 12, 31),
                "weekdays": [5],
                "multiplier": Decimal("2.00"),
                "cap_per_card_per_day": 200,
            },
        )
        bakery = district.businesses.filter(name="Panetteria Fanfulla").first()
        if bakery is not None:
            MerchantRate.objects.get_or_create(
                program=program, business=bakery, defaults={"multiplier": Decimal("1.50")}
            )
    if not program.transactions.exists():
        _movements(program, cards)
    last_month = _month_start(today, 1).strftime("%Y-%m")
    if not program.settlements.filter(period=last_month).exists():
        settlement.close_period(program, last_month)
