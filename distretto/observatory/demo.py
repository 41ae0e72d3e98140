"""Demo data: a year and more of believable history behind every indicator, then the
monthly values and the last month's reports.

The other apps' demos cover the last weeks or months; this one adds what came
before, written through the apps' models (in bulk, so that seeding stays quick):
card movements in Lodi over the 17 months before (so that a 2026 project has six months before
its start), cards issued month by month, check-ins and check-in rewards in the
Cuneo valleys with some of those points spent in town, services delivered at the
valleys' shops and bistros, completed trainings, a year of proof of play on the
Cuneo totems, and two 2026 projects. Deterministic; run twice, it changes nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import F, Min
from django.utils import timezone

from distretto.catalog.models import ServiceDelivery, VenueService
from distretto.checkins.models import Attempt, CheckinPoint, Decision, Route
from distretto.loyalty import cardnumbers, ledger, settlement
from distretto.loyalty import services as loyalty
from distretto.loyalty.models import Account, Card, Entry, LedgerTransaction, Program
from distretto.multiservice.models import (
    Enrolment,
    MultiserviceShop,
    TrainingEdition,
    TrainingModule,
)
from distretto.observatory import compute, report
from distretto.observatory.models import MonthlyValue
from distretto.signage import proof
from distretto.signage.models import Content, Display, PlayRecord
from distretto.territory.models import Business, Chamber, Comune, District, Project

# What `distretto demo` prints as the way in.
DEMO_LINKS = [
    ("observatory", "/observatory/?chamber=cuneo"),
    ("open data", "/observatory/open-data/"),
]
BATCH = "demo-osservatorio"
PLAY_PREFIX = "demo-osservatorio-"
LODI_MONTHS = 13  # months of history before the loyalty demo's own four
HISTORY_MONTHS = 12
# New cards issued in a month: about this many, times the month's season.
NEW_LODI_CARDS = 3
NEW_VISITOR_CARDS = 4
# Spending is higher before Christmas and lower in August.
SEASON = {
    1: 0.8,
    2: 0.85,
    3: 0.95,
    4: 1.0,
    5: 1.0,
    6: 1.0,
    7: 0.9,
    8: 0.6,
    9: 1.0,
    10: 1.0,
    11: 1.1,
    12: 1.45,
}
# Visitors come to the valleys in summer and at weekends.
VALLEY_SEASON = {
    1: 0.3,
    2: 0.35,
    3: 0.5,
    4: 0.8,
    5: 1.0,
    6: 1.4,
    7: 2.0,
    8: 2.4,
    9: 1.3,
    10: 0.9,
    11: 0.4,
    12: 0.5,
}

PROJECTS = [
    (
        "milomb",
        "Vetrine digitali e wi-fi nel centro di Lodi",
        "098031",
        ["new_technologies", "territorial_marketing"],
        "85000.00",
        (45.31430, 9.50370),
        "Wi-fi pubblico, vetrine digitali e campagne della carta fedeltà nel centro storico.",
    ),
    (
        "cuneo",
        "Totem e percorsi dei bistrot di valle",
        "004078",
        ["business_networks", "territorial_marketing"],
        "120000.00",
        (44.39010, 7.54770),
        "Rete dei bistrot delle valli Maira e Grana, passaporti a timbri e totem in città.",
    ),
]


def month_add(month: date, months: int) -> date:
    return compute.add_months(month, months)


def issue_days(
    first_month: date, today: date, rng: random.Random, per_month: int, season: dict[int, float]
) -> list[date]:
    """The days on which new cards are issued: some in every month from ``first_month``
    up to yesterday (``per_month`` times the month's season, at least one), so that
    the history shows new cards in every month, the current one included."""
    days = []
    month, last_day = first_month, today - timedelta(days=1)
    while month <= last_day:
        end = min(month_add(month, 1) - timedelta(days=1), last_day)
        count = max(1, round(per_month * season[month.month] * rng.uniform(0.7, 1.3)))
        days += [month + timedelta(days=rng.randint(0, (end - month).days)) for _ in range(count)]
        month = month_add(month, 1)
    return sorted(days)


def _card(program: Program, index: int, created: datetime) -> tuple[Card, Account]:
    body = f"7{index:010d}"
    number = body + cardnumbers.luhn_check_digit(body)
    card = Card.objects.filter(number=number).first()
    if card is None:
        card = Card.objects.create(
            program=program,
            number=number,
            token_hash=loyalty.token_digest(f"lcw_demo-osservatorio-{index:04d}"),
            batch=BATCH,
        )
        Account.objects.create(program=program, kind=Account.Kind.CARD, card=card)
    Card.objects.filter(pk=card.pk).update(created_at=created)
    return card, Account.objects.get(card=card)


class BulkLedger:
    """Balanced two-leg movements kept in memory and written in bulk at the end, with
    the card balances they add; a redemption only spends what this history earned."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.zone = ZoneInfo(program.district.time_zone)
        self.rows: list[tuple[LedgerTransaction, list[tuple[Account, int, date | None]]]] = []
        self.balance: dict[int, int] = defaultdict(int)
        self.accounts: dict[tuple[str, int | None], Account] = {}

    def _account(self, kind: str, business: Business | None = None) -> Account:
        key = (kind, business.pk if business else None)
        if key not in self.accounts:
            self.accounts[key] = ledger.system_account(self.program, kind, business)
        return self.accounts[key]

    def _post(self, kind, card, account, counter, points, at, **fields) -> None:
        local_day = at.astimezone(self.zone).date()
        expires = ledger.expiry_date(local_day, self.program.expiry_months) if points > 0 else None
        tx = LedgerTransaction(
            program=self.program,
            kind=kind,
            card=card,
            points=points,
            posted_at=at,
            period=ledger.period_of(self.program, at),
            **fields,
        )
        self.rows.append((tx, [(account, points, expires), (counter, -points, None)]))
        self.balance[account.pk] += points

    def earn(self, card, account, shop: Business, amount: Decimal, at: datetime) -> None:
        points = int(amount * self.program.earn_rate)
        if points > 0:
            counter = self._account(Account.Kind.MERCHANT_ISSUED, shop)
            self._post("earn", card, account, counter, points, at, business=shop, amount=amount)

    def redeem(self, card, account, shop: Business, points: int, at: datetime) -> None:
        if points < max(self.program.min_redemption, 1) or points > self.balance[account.pk]:
            return
        counter = self._account(Account.Kind.MERCHANT_REDEEMED, shop)
        self._post("redeem", card, account, counter, -points, at, business=shop)

    def grant(self, card, account, points: int, at: datetime, reference: str) -> None:
        counter = self._account(Account.Kind.PROMOTION)
        self._post(
            "grant", card, account, counter, points, at, source="checkins", reference=reference
        )

    def write(self) -> None:
        self.rows.sort(key=lambda row: row[0].posted_at)
        LedgerTransaction.objects.bulk_create([tx for tx, _legs in self.rows], batch_size=500)
        insert_rows(
            Entry,
            ["transaction", "account", "points", "expires_on"],
            [
                (tx.pk, account.pk, points, expires)
                for tx, legs in self.rows
                for account, points, expires in legs
            ],
        )
        for account_id, delta in self.balance.items():
            Account.objects.filter(pk=account_id).update(balance=F("balance") + delta)
        self._close_again()

    def _close_again(self) -> None:
        """The loyalty demo closed its last month before this history existed, so
        that month's frozen figures lack the history's points (its opening liability
        would not be the month before's closing one): close it again from the ledger
        as it now stands, as if it had been closed after the history."""
        for closed in list(self.program.settlements.order_by("period")):
            closed.delete()
            settlement.close_period(self.program, closed.period, by=closed.closed_by)


def insert_rows(model, names: list[str], rows: list[tuple]) -> None:
    """INSERT ``rows`` (values of the fields ``names``, foreign keys as ids) in one
    executemany: the demo's history is tens of thousands of rows, and building a model
    instance for each would take most of the seeding time."""
    fields = [model._meta.get_field(name) for name in names]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    prepared = [
        [
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, row, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def _moment(rng: random.Random, day: date, zone: ZoneInfo, first: int = 9, last: int = 19):
    return datetime.combine(day, time(rng.randint(first, last - 1), rng.randint(0, 59)), zone)


def _days(first: date, end: date):
    day = first
    while day < end:
        yield day
        day += timedelta(days=1)


# --- Commerce in Lodi ----------------------------------------------------------------------


def _commerce(lodi: District, today: date) -> bool:
    program = Program.objects.filter(district=lodi).order_by("pk").first()
    if program is None or Card.objects.filter(program=program, batch=BATCH).exists():
        return False
    zone = ZoneInfo(lodi.time_zone)
    rng = random.Random("osservatorio-lodi")
    first_month = month_add(today.replace(day=1), -(LODI_MONTHS + 4))
    end = month_add(today.replace(day=1), -4)  # where the loyalty demo's movements start
    months = [month_add(first_month, n) for n in range(LODI_MONTHS)]
    # The loyalty demo's cards joined during the first months.
    joined: list[tuple[date, Card, Account]] = []
    own = list(Card.objects.filter(program=program).exclude(batch=BATCH).order_by("pk"))
    for index, card in enumerate(own):
        month = months[index * len(months) // max(len(own), 1)]
        day = month + timedelta(days=(index * 11) % 27)
        Card.objects.filter(pk=card.pk).update(created_at=datetime.combine(day, time(10), zone))
        joined.append((day, card, Account.objects.get(card=card)))
    # The history's own cards (so that the seeding knows it has run), issued month by
    # month up to now: those issued after the history's end have no movements in it.
    for index, day in enumerate(issue_days(first_month, today, rng, NEW_LODI_CARDS, SEASON)):
        card, account = _card(program, index + 1, datetime.combine(day, time(11), zone))
        joined.append((day, card, account))
    joined.sort(key=lambda item: item[0])
    shops = list(lodi.businesses.filter(active=True).order_by("name"))
    book = BulkLedger(program)
    for day in _days(first_month, end):
        members = [(card, account) for since, card, account in joined if since <= day]
        if not members or day.weekday() == 6:
            continue
        growth = 0.45 + 0.55 * (day - first_month).days / max((end - first_month).days, 1)
        for _n in range(round(rng.randint(4, 9) * growth * SEASON[day.month])):
            card, account = rng.choice(members)
            shop = rng.choice(shops)
            at = _moment(rng, day, zone)
            if rng.random() < 0.8:
                book.earn(card, account, shop, Decimal(rng.randint(400, 9000)) / 100, at)
            elif book.balance[account.pk] >= 100:
                book.redeem(card, account, shop, rng.randint(100, book.balance[account.pk]), at)
    book.write()
    return True


# --- Tourism in the Cuneo valleys -----------------------------------------------------------


def _tourism(cuneo: District, today: date) -> bool:
    program = Program.objects.filter(district=cuneo).order_by("pk").first()
    points = list(CheckinPoint.objects.filter(business__district=cuneo).order_by("pk"))
    if program is None or not points:
        return False
    if Card.objects.filter(program=program, batch=BATCH).exists():
        return False
    zone = ZoneInfo(cuneo.time_zone)
    rng = random.Random("osservatorio-valli")
    first_month = month_add(today.replace(day=1), -HISTORY_MONTHS)
    check_in_end = today - timedelta(days=92)  # the check-ins demo's own 90 days follow
    visitors: list[tuple[date, Card, Account]] = []
    own = Card.objects.filter(program=program).exclude(batch=BATCH).order_by("pk")
    for index, card in enumerate(own):
        day = first_month + timedelta(days=(index * 13) % 250)
        Card.objects.filter(pk=card.pk).update(created_at=datetime.combine(day, time(10), zone))
        visitors.append((day, card, Account.objects.get(card=card)))
    joining = issue_days(first_month, today, rng, NEW_VISITOR_CARDS, VALLEY_SEASON)
    for index, day in enumerate(joining):
        card, account = _card(program, 1000 + index, datetime.combine(day, time(12), zone))
        visitors.append((day, card, account))
    routes = [
        [p for p in route.points.order_by("pk")]
        for route in Route.objects.filter(district=cuneo).order_by("pk")
    ]
    book = BulkLedger(program)
    attempts: list[Attempt] = []
    stamped: set[tuple[int, int, date]] = set()

    def check_in(card, account, point, day) -> None:
        if (card.pk, point.pk, day) in stamped or day >= check_in_end:
            return
        stamped.add((card.pk, point.pk, day))
        at = _moment(rng, day, zone, 10, 18)
        attempts.append(
            Attempt(
                point=point,
                card=card,
                created_at=at,
                local_date=day,
                lat=point.lat + 12 / 111_195,
                lon=point.lon,
                accuracy_m=rng.choice([6.0, 9.0, 14.0, 22.0]),
                distance_m=12.0,
                code_given=point.requires_code,
                code_valid=True if point.requires_code else None,
                decision=Decision.ACCEPTED,
                points_awarded=point.reward_points,
            )
        )
        book.grant(card, account, point.reward_points, at, f"demo-{card.pk}-{point.pk}-{day}")

    # Some visitors walk a whole route over a few weekends.
    for index, (since, card, account) in enumerate(visitors[::3]):
        route = routes[index % len(routes)] if routes else []
        day = max(since, first_month) + timedelta(days=(index * 17) % 120)
        for point in route:
            check_in(card, account, point, day)
            day += timedelta(days=rng.choice([1, 6, 7, 14]))
    shops = list(cuneo.businesses.filter(active=True).exclude(checkin_points__in=points))
    for day in _days(first_month, today):
        present = [(card, account) for since, card, account in visitors if since <= day]
        if not present:
            continue
        weekend = day.weekday() >= 5
        visits = rng.randint(2, 6) if weekend else rng.randint(0, 2)
        for _n in range(round(visits * VALLEY_SEASON[day.month])):
            card, account = rng.choice(present)
            check_in(card, account, rng.choice(points), day)
        # In town, visitors shop with the card and spend their points.
        for _n in range(rng.randint(0, 3)):
            card, account = rng.choice(present)
            shop = rng.choice(shops)
            at = _moment(rng, day, zone)
            if book.balance[account.pk] >= 120 and rng.random() < 0.5:
                book.redeem(card, account, shop, book.balance[account.pk] // 2 + 40, at)
            else:
                book.earn(card, account, shop, Decimal(rng.randint(300, 4000)) / 100, at)
    Attempt.objects.bulk_create(attempts, batch_size=500)
    book.write()
    return True


# --- Services, trainings and totems ---------------------------------------------------------


def _services(districts: list[District], today: date) -> bool:
    """Services delivered at every venue that offers some, for the year before the
    other demos' weeks (each venue up to its first recorded delivery)."""
    first = month_add(today.replace(day=1), -HISTORY_MONTHS)
    # The other demos record the last weeks only: a delivery in the history's first
    # week means that this has run.
    ran = ServiceDelivery.objects.filter(
        venue__district__in=districts, date__lt=first + timedelta(days=7)
    )
    if ran.exists():
        return False
    recorded = dict(
        ServiceDelivery.objects.filter(venue__district__in=districts)
        .values("venue")
        .annotate(first=Min("date"))
        .values_list("venue", "first")
    )
    now = timezone.now()
    offers = (
        VenueService.objects.filter(venue__district__in=districts, active=True)
        .select_related("service_type", "venue")
        .order_by("venue__name", "service_type__code")
    )
    rows = []
    for offer in offers:
        rng = random.Random(f"osservatorio-{offer.venue.name}-{offer.service_type.code}")
        summer = offer.service_type.code in {"tourist_info", "internet_point", "parcel_pickup"}
        for day in _days(first, recorded.get(offer.venue_id, today)):
            if day.weekday() == 6:
                continue
            busy = VALLEY_SEASON[day.month] if summer else 1.0
            count = round(rng.choice([0, 0, 1, 1, 2, 3]) * busy)
            if count:
                people = count + (rng.random() < 0.2)
                rows.append((offer.venue_id, offer.service_type_id, day, count, people, now))
    insert_rows(
        ServiceDelivery, ["venue", "service_type", "date", "count", "people", "created_at"], rows
    )
    return bool(rows)


PARTICIPANTS = ["Giulia", "Marco", "Elena", "Paolo", "Silvia", "Luca", "Anna", "Davide"]


def _trainings(valli: District, today: date) -> bool:
    shops = list(
        MultiserviceShop.objects.filter(business__district=valli).select_related("business")
    )
    modules = list(TrainingModule.objects.order_by("code"))
    if not shops or not modules:
        return False
    written = False
    for n, months_ago in enumerate((11, 8, 5)):
        starts = month_add(today.replace(day=1), -months_ago) + timedelta(days=6)
        edition, created = TrainingEdition.objects.get_or_create(
            module=modules[n % len(modules)],
            district=valli,
            location="Zogno, sede CCIAA (edizione precedente)",
            starts_on=starts,
            defaults={"ends_on": starts + timedelta(days=9), "capacity": 12},
        )
        if not created:
            continue
        written = True
        for index in range(5 + n):
            shop = shops[index % len(shops)].business
            Enrolment.objects.create(
                edition=edition,
                business=shop,
                participant=f"{PARTICIPANTS[index % len(PARTICIPANTS)]} ({shop.name})",
                status=Enrolment.Status.COMPLETED,
                completed_on=edition.ends_on,
                certificate_code=f"OSS-{edition.pk}-{index + 1}",
            )
    return written


def _totems(cuneo: District, today: date) -> bool:
    displays = list(Display.objects.filter(district=cuneo).order_by("pk"))
    contents = list(Content.objects.filter(district=cuneo).order_by("pk"))
    mine = PlayRecord.objects.filter(display__in=displays, record_id__startswith=PLAY_PREFIX)
    if not displays or not contents or mine.exists():
        return False
    zone = ZoneInfo(cuneo.time_zone)
    rng = random.Random("osservatorio-totem")
    first = month_add(today.replace(day=1), -HISTORY_MONTHS)
    end = today - timedelta(days=7)  # the signage demo's own week follows
    shops_content = [c for c in contents if c.business_id]
    now = timezone.now()
    rows = []
    for index, display in enumerate(displays):
        installed = first if index < 3 else month_add(first, 5)
        Display.objects.filter(pk=display.pk).update(
            created_at=datetime.combine(installed - timedelta(days=3), time(9), zone)
        )
        repair = month_add(first, 3 + index) + timedelta(days=10)
        for day in _days(installed, end):
            if rng.random() < 0.04 or repair <= day < repair + timedelta(days=5):
                continue  # switched off, or waiting for a repair
            shop_share = 0.15 + 0.35 * (day - first).days / 365
            for slot in range(rng.randint(5, 8)):
                pool = shops_content if shops_content and rng.random() < shop_share else contents
                content = rng.choice(pool)
                at = datetime.combine(day, time(8 + 2 * slot, rng.randint(0, 50)), zone)
                rows.append(
                    (
                        display.pk,
                        f"{PLAY_PREFIX}{display.pk}-{day:%Y%m%d}-{slot}",
                        content.pk,
                        content.business_id,
                        content.title,
                        at,
                        float(content.duration_s),
                        now,
                    )
                )
    insert_rows(
        PlayRecord,
        [
            "display",
            "record_id",
            "content",
            "business",
            "content_title",
            "started_at",
            "duration_s",
            "received_at",
        ],
        rows,
    )
    # The totems' reports read daily aggregates; raw plays this old would not be kept.
    proof.rebuild_daily(cuneo, first, end - timedelta(days=1))
    return True


def _projects() -> bool:
    year = timezone.localdate().year
    written = False
    for code, title, istat, axes, budget, (lat, lon), description in PROJECTS:
        chamber = Chamber.objects.filter(code=code).first()
        if chamber is None:
            continue
        project = Project(
            chamber=chamber,
            title=title,
            comune=Comune.objects.filter(pk=istat).first(),
            year=year,
            budget=Decimal(budget),
            status=Project.Status.ACTIVE,
            description=description,
            lat=lat,
            lon=lon,
        )
        project.set_axes(axes)
        if not Project.objects.filter(chamber=chamber, title=title).exists():
            project.full_clean()
            project.save()
            written = True
    return written


# --- Seeding ---------------------------------------------------------------------------------


def seed() -> None:
    today = timezone.localdate()
    districts = {d.slug: d for d in District.objects.filter(active=True)}
    written = False
    if "lodi" in districts:
        written |= _commerce(districts["lodi"], today)
    if "cuneo" in districts:
        written |= _tourism(districts["cuneo"], today)
        written |= _totems(districts["cuneo"], today)
    if "valli-bergamasche" in districts:
        written |= _trainings(districts["valli-bergamasche"], today)
    written |= _services(list(districts.values()), today)
    written |= _projects()
    if not written and MonthlyValue.objects.filter(district__isnull=True).exists():
        return
    current = today.replace(day=1)
    months = [month_add(current, -n) for n in range(LODI_MONTHS + 4, -1, -1)]
    compute.refresh(months)
    last = month_add(current, -1)
    for chamber in Chamber.objects.filter(
        pk__in=MonthlyValue.objects.filter(month=last).values("chamber")
    ).order_by("pk"):
        report.store(chamber, last, "it")
