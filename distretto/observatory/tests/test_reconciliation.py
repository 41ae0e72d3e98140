"""Every indicator against the figure its own module shows its users.

The hand-counted tests (``test_commerce``, ``test_indicators``) say what a month
should be; these say that the observatory's month is the one the module reports:
its report pages and APIs, read the way a manager reads them. Where a module has
no report of a figure, the comparison is with the module's own listing or service
function that its pages use, and the test says so (``NO_REPORT``).

Each test is marked with the indicators it reconciles (``@reconciles``); the last
test fails when an indicator in ``indicators.py`` has no reconciliation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from distretto.accounts.scoping import Principal
from distretto.catalog import services as catalog
from distretto.checkins import services as checkins
from distretto.checkins.models import Attempt, Decision, Route
from distretto.energy import services as energy
from distretto.energy.ingestion import store
from distretto.energy.models import Meter, Site, Unit
from distretto.loyalty import services as loyalty
from distretto.loyalty.models import Card
from distretto.multiservice import services as multiservice
from distretto.multiservice.models import (
    Checkup,
    Enrolment,
    MultiserviceShop,
    TrainingEdition,
    TrainingModule,
)
from distretto.multiservice.tests.conftest import GOOD_ANSWERS
from distretto.observatory import compute
from distretto.observatory import indicators as ind
from distretto.observatory.models import MonthlyValue
from distretto.observatory.tests.conftest import MARCH, ROME, at, new_card
from distretto.signage import proof
from distretto.signage import services as signage
from distretto.signage.models import Content, Display
from distretto.testing import BusinessFactory, ProjectFactory

pytestmark = pytest.mark.django_db

FEBRUARY = date(2026, 2, 1)
APRIL = date(2026, 4, 1)

# indicator code -> the module's figure it is compared with
RECONCILED: dict[str, str] = {}
# Indicators whose module has no report of that figure: compared with its listing or
# the service function its pages use.
NO_REPORT: set[str] = set()


def reconciles(against: str, *codes: str, no_report: bool = False) -> Callable:
    def mark(test: Callable) -> Callable:
        for code in codes:
            RECONCILED[code] = against
            if no_report:
                NO_REPORT.add(code)
        return test

    return mark


def value(district, code: str, month: date = MARCH, part: str = "") -> float | None:
    row = MonthlyValue.objects.filter(
        district=district, month=month, indicator=code, part=part
    ).first()
    return None if row is None else row.value


def in_march(moment: str) -> bool:
    """Whether an API timestamp falls in March 2026, Rome time (the district's)."""
    local = dt.datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(ROME)
    return local.year == 2026 and local.month == 3


def every(api, path: str, **params) -> list[dict]:
    """All the items of a paginated API listing."""
    items: list[dict] = []
    while True:
        page = api.get(path, {**params, "limit": 500, "offset": len(items)})
        assert page.status_code == 200, page.content
        body = page.json()
        items += body["items"]
        if len(items) >= body["count"]:
            return items


# --- Commerce: the loyalty module ---------------------------------------------------------


@reconciles(
    "loyalty monthly settlement (GET /api/v1/loyalty/settlements)",
    "points_issued",
    "points_redeemed",
    "redemption_rate",
    "settlement_flows_eur",
)
def test_commerce_reconciles_with_the_settlement_report(actors, program, commerce, api_as):
    compute.refresh_month(MARCH)
    report = api_as(actors.manager).get(
        "loyalty/settlements", {"period": "2026-03", "program": program.pk}
    )
    assert report.status_code == 200
    body = report.json()
    issued = body["district"]["points_issued"]
    redeemed = body["district"]["points_redeemed"]
    assert value(actors.district, "points_issued") == issued == 100
    assert value(actors.district, "points_redeemed") == redeemed == 40
    assert value(actors.district, "redemption_rate") == round(redeemed / issued * 100, 1)
    # What moves between the shops: each shop's statement that ends in its favour.
    owed = sum((Decimal(row["net"]) for row in body["businesses"]), Decimal(0))
    paid = sum(
        (Decimal(row["net"]) for row in body["businesses"] if Decimal(row["net"]) > 0), Decimal(0)
    )
    assert owed < 0 < paid  # the bakery owes, the bookshop is owed: a real flow
    assert Decimal(str(value(actors.district, "settlement_flows_eur"))) == paid


@reconciles(
    "loyalty movements listing (GET /api/v1/loyalty/transactions)",
    "cards_active",
    "merchants_active",
    "cards_cross_shopping",
    "purchases_eur",
    no_report=True,
)
def test_card_activity_reconciles_with_the_movements_listing(actors, program, commerce, api_as):
    """The loyalty module has no activity report: its back office and tills list the
    movements, and the activity is counted from that listing."""
    # A movement of another district's programme must not count in Lodi.
    elsewhere = loyalty.create_program(
        actors.other_district,
        {"name": "Carta di Cuneo", "point_value": Decimal("0.01"), "earn_rate": Decimal("1")},
    )
    stranger = new_card(elsewhere, at(1))
    loyalty.earn(stranger, actors.foreign_shop, Decimal("12.00"), now=at(4))
    compute.refresh_month(MARCH)

    rows = [
        row
        for row in every(api_as(actors.manager), "loyalty/transactions")
        if in_march(row["created_at"])
    ]
    till = [row for row in rows if row["kind"] in ("earn", "redeem")]
    shops_of: dict[str, set[int]] = defaultdict(set)
    for row in till:
        shops_of[row["card"]].add(row["business"])
    earned = sum((Decimal(r["amount"]) for r in till if r["kind"] == "earn"), Decimal(0))
    reversed_ids = {r["reverses"] for r in rows if r["kind"] == "reversal"}
    taken_back = sum(
        (Decimal(r["amount"]) for r in till if r["id"] in reversed_ids and r["kind"] == "earn"),
        Decimal(0),
    )

    assert value(actors.district, "cards_active") == len(shops_of) == 2
    assert value(actors.district, "merchants_active") == len({r["business"] for r in till}) == 2
    crossing = sum(1 for shops in shops_of.values() if len(shops) >= 2)
    assert value(actors.district, "cards_cross_shopping") == crossing == 1
    assert Decimal(str(value(actors.district, "purchases_eur"))) == earned - taken_back
    assert earned - taken_back == Decimal("100.00")


@reconciles("loyalty card list (GET /api/v1/loyalty/cards)", "cards_new", no_report=True)
def test_new_cards_reconcile_with_the_card_list(actors, program, commerce, api_as):
    """The card list (page and API) shows every card with its issue date; a card
    replaced in March is a new card too."""
    replacement, _token = loyalty.replace_card(commerce["c"], now=at(25))
    Card.objects.filter(pk=replacement.pk).update(created_at=at(25))
    new_card(program, at(1, month=4))
    compute.refresh_month(MARCH)

    cards = every(api_as(actors.manager), "loyalty/cards", program=program.pk)
    issued = [card for card in cards if in_march(card["created_at"])]
    assert value(actors.district, "cards_new") == len(issued) == 3


@reconciles(
    "the cardholders' wallets (loyalty.services.wallet)", "checkin_points_spent", no_report=True
)
def test_check_in_points_spent_reconcile_with_the_wallets(actors, program):
    """No module reports check-in points spent in shops: each card's wallet lists its
    movements, and the rule (reward points not yet spent are spent first) is applied
    to them month by month."""
    d = new_card(program, at(1, month=2))
    e = new_card(program, at(1, month=2))
    loyalty.earn(d, actors.shop, Decimal("30.00"), now=at(2, month=2))
    loyalty.grant_points(d, 15, "checkins", "v1", "k1", now=at(20, month=2))
    loyalty.redeem(d, actors.other_shop, 10, now=at(21, month=2))
    loyalty.grant_points(d, 15, "checkins", "v2", "k2", now=at(5))
    loyalty.grant_points(e, 10, "checkins", "v3", "k3", now=at(7))
    loyalty.earn(e, actors.shop, Decimal("90.00"), now=at(7))
    loyalty.redeem(d, actors.other_shop, 30, now=at(9))
    loyalty.redeem(e, actors.shop, 60, now=at(10))
    compute.refresh_month(MARCH)

    spent_in_march = 0
    for card in (d, e):
        movements = sorted(
            loyalty.wallet(Card.objects.get(pk=card.pk))["history"],
            key=lambda row: row["created_at"],
        )
        unspent = 0
        for row in movements:
            if row["kind"] == "grant":
                unspent += row["points"]
            elif row["kind"] == "redeem":
                spent = min(unspent, -row["points"])
                unspent -= spent
                if row["created_at"].astimezone(ROME).month == 3:
                    spent_in_march += spent
    # d: 10 of its 15 February points in February, the other 5 + 15 in March; e: 10.
    assert value(actors.district, "checkin_points_spent") == spent_in_march == 30


# --- Tourism: the check-ins module ----------------------------------------------------------


@pytest.fixture
def visits(actors, program) -> dict:
    """A two-venue route; card A stamps venue one in February and both in March, card
    B one venue in March (and is refused at the other), card C one venue in March."""
    one = checkins.create_point(actors.shop, {})
    two = checkins.create_point(actors.other_shop, {})
    route = Route.objects.create(district=actors.district, name="Giro del centro")
    route.points.set([one, two])
    cards = {name: new_card(program, at(1, month=2)) for name in "abc"}

    def attempt(card, point, day: date, decision=Decision.ACCEPTED):
        Attempt.objects.create(
            point=point,
            card=card,
            created_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            local_date=day,
            decision=decision,
        )

    attempt(cards["a"], one, date(2026, 2, 20))
    attempt(cards["a"], one, date(2026, 3, 5))
    attempt(cards["a"], two, date(2026, 3, 12))
    attempt(cards["b"], one, date(2026, 3, 6))
    attempt(cards["b"], two, date(2026, 3, 6), Decision.TOO_FAR)
    attempt(cards["c"], two, date(2026, 3, 7))
    attempt(cards["c"], two, date(2026, 4, 2))
    return cards


@reconciles("check-ins per venue and day (manager page, GET /api/v1/checkins/stats)", "checkins")
def test_checkins_reconcile_with_the_daily_counts(actors, visits):
    compute.refresh_month(MARCH)
    # The manager's page and the stats API show ``daily_counts`` up to today; the
    # month is read as of its last day so that the test does not age.
    days = checkins.daily_counts([actors.district], days=31, today=date(2026, 3, 31))
    march = [row for row in days if row["day"].month == 3]
    assert value(actors.district, "checkins") == sum(row["accepted"] for row in march) == 4


@reconciles(
    "the attempts listing (GET /api/v1/checkins/attempts)",
    "checkin_cards",
    "returning_cards",
    no_report=True,
)
def test_checkin_cards_reconcile_with_the_attempts_listing(actors, visits, api_as):
    """The check-ins module reports counts per venue and day, not per card: the cards
    are counted from its attempts listing (the managers' fraud view)."""
    compute.refresh_month(MARCH)
    accepted = [
        row
        for row in every(api_as(actors.manager), "checkins/attempts")
        if row["decision"] == Decision.ACCEPTED
    ]
    march = {row["card"] for row in accepted if row["local_date"].startswith("2026-03")}
    before = {row["card"] for row in accepted if row["local_date"] < "2026-03"}
    assert value(actors.district, "checkin_cards") == len(march) == 3
    assert value(actors.district, "returning_cards") == len(march & before) == 1


@reconciles("the visitors' passports (GET /api/v1/checkins/passport)", "routes_completed")
def test_routes_completed_reconcile_with_the_passports(actors, visits):
    """A passport shows each route's venues stamped out of its total: the routes
    completed over the months are the passports' complete routes."""
    for month in (FEBRUARY, MARCH, APRIL):
        compute.refresh_month(month)
    complete = sum(
        1
        for card in visits.values()
        for route in checkins.passport(card)["routes"]
        if route["stamped"] == route["total"]
    )
    months = [value(actors.district, "routes_completed", m) or 0 for m in (FEBRUARY, MARCH, APRIL)]
    assert sum(months) == complete == 1
    assert months == [0, 1, 0]


# --- Services: the catalogue and the multiservice network ---------------------------------


@pytest.fixture
def network(actors) -> dict:
    """Three multiservice shops: the bakery (open since 2025), the bookshop (opens in
    April) and a shop whose business has closed; deliveries at the bakery, the
    bookshop and the closed shop in March, one in February."""
    catalog.ensure_service_types()
    closed = BusinessFactory(district=actors.district, name="Alimentari chiuso", active=False)
    for business, since in (
        (actors.shop, date(2025, 1, 1)),
        (actors.other_shop, date(2026, 4, 10)),
        (closed, date(2025, 6, 1)),
    ):
        MultiserviceShop.objects.create(
            business=business, since=since, comune=actors.district.comune
        )
    for venue, code, day, count in (
        (actors.shop, "pagopa_payments", date(2026, 3, 3), 2),
        (actors.shop, "pagopa_payments", date(2026, 3, 10), 3),
        (actors.shop, "tourist_info", date(2026, 3, 11), 1),
        (actors.other_shop, "tourist_info", date(2026, 3, 4), 4),
        (actors.other_shop, "tourist_info", date(2026, 2, 20), 9),
    ):
        catalog.record_delivery(venue=venue, service_type=code, on=day, count=count)
    return {"closed": closed}


@reconciles(
    "the venues' delivery registers (catalog.services.deliveries, GET "
    "/api/v1/catalog/venues/{id}/deliveries)",
    "services_delivered",
    "services_per_venue",
    no_report=True,
)
def test_services_reconcile_with_the_delivery_registers(actors, network):
    """The catalogue has no district report: each venue's page and API list its
    deliveries (``catalog.services.deliveries``), added up here."""
    compute.refresh_month(MARCH)
    venues = type(actors.shop).objects.filter(district=actors.district)
    rows = list(catalog.deliveries(venues, date(2026, 3, 1), date(2026, 3, 31)))
    by_type: dict[str, int] = defaultdict(int)
    for row in rows:
        by_type[row.service_type.code] += row.count
    total = sum(by_type.values())
    assert value(actors.district, "services_delivered") == total == 10
    for code, count in by_type.items():
        assert value(actors.district, "services_delivered", part=code) == count
    venues_with = len({row.venue_id for row in rows})
    assert value(actors.district, "services_per_venue") == round(total / venues_with, 1)


@reconciles("the network's impact report (multiservice impact page)", "costs_avoided_eur")
def test_costs_avoided_reconcile_with_the_impact_report(actors, network):
    compute.refresh_month(MARCH)
    report = multiservice.impact_report(
        MultiserviceShop.objects.filter(business__district=actors.district),
        date(2026, 3, 1),
        date(2026, 3, 31),
    )
    assert report["savings_eur"] and Decimal(report["savings_eur"]) > 0
    assert value(actors.district, "costs_avoided_eur") == float(report["savings_eur"])


@reconciles("the public network list (GET /api/v1/multiservice/shops)", "multiservice_shops_open")
def test_shops_open_reconcile_with_the_network_list(actors, network, anonymous_api):
    """The network's public list shows the shops that are open; at the end of March
    the bookshop has not opened yet and the closed shop is not shown."""
    compute.refresh_month(MARCH)
    districts_shops = set(
        type(actors.shop).objects.filter(district=actors.district).values_list("pk", flat=True)
    )
    listed = [
        shop
        for shop in every(anonymous_api, "multiservice/shops")
        if shop["business"] in districts_shops and shop["since"] <= "2026-03-31"
    ]
    assert value(actors.district, "multiservice_shops_open") == len(listed) == 1


@reconciles(
    "the enrolments report (training page, GET /api/v1/multiservice/training/enrolments)",
    "trainings_completed",
)
def test_trainings_reconcile_with_the_enrolments_report(actors, api_as):
    module = TrainingModule.objects.create(
        code="pagopa", title="pagoPA", topic="digital", hours=Decimal("4"), format="classroom"
    )
    edition = TrainingEdition.objects.create(
        module=module,
        district=actors.district,
        starts_on=date(2026, 2, 20),
        ends_on=date(2026, 3, 20),
        capacity=10,
    )
    for name, done in (
        ("Anna", date(2026, 3, 20)),
        ("Bruno", date(2026, 3, 2)),
        ("Carla", date(2026, 2, 27)),
        ("Dario", None),
    ):
        Enrolment.objects.create(
            edition=edition,
            business=actors.shop,
            participant=name,
            status=Enrolment.Status.COMPLETED if done else Enrolment.Status.ENROLLED,
            completed_on=done,
        )
    compute.refresh_month(MARCH)
    rows = every(api_as(actors.operator), "multiservice/training/enrolments")
    completed = [
        row
        for row in rows
        if row["status"] == Enrolment.Status.COMPLETED
        and (row["completed_on"] or "").startswith("2026-03")
    ]
    assert value(actors.district, "trainings_completed") == len(completed) == 2


@reconciles("the check-ups list (GET /api/v1/multiservice/checkups)", "checkup_score")
def test_checkup_score_reconciles_with_the_checkups_list(actors, api_as):
    catalog.ensure_service_types()
    scores = []
    for answers in (GOOD_ANSWERS, {**GOOD_ANSWERS, "years_active": 1, "staff": 0}):
        result = multiservice.assess(Principal(user=actors.assessor), actors.shop, answers)
        Checkup.objects.filter(pk=result.checkup_id).update(submitted_at=at(15))
        scores.append(result.score)
    assert len(set(scores)) == 2  # two different scores, so the mean is a real mean
    compute.refresh_month(MARCH)
    rows = every(api_as(actors.operator), "multiservice/checkups", status="submitted")
    march = [Decimal(row["score"]) for row in rows if in_march(row["submitted_at"])]
    assert len(march) == 2
    assert value(actors.district, "checkup_score") == round(float(sum(march) / len(march)), 1)


# --- Totems: signage ------------------------------------------------------------------------


@pytest.fixture
def totems(actors) -> dict:
    """Two approved totems installed in February, one more installed on 16 March, one
    not approved; plays in March of the district's notice and a shop's offer."""
    first, _ = signage.create_display(actors.district, {"name": "Piazza"})
    second, _ = signage.create_display(actors.district, {"name": "Stazione"})
    Display.objects.update(created_at=at(10, month=2))
    third, _ = signage.create_display(actors.district, {"name": "Ospedale"})
    Display.objects.filter(pk=third.pk).update(created_at=at(16))
    hidden, _ = signage.create_display(actors.district, {"name": "Magazzino"})
    Display.objects.filter(pk=hidden.pk).update(approved=False, created_at=at(1))
    notice = Content.objects.create(
        district=actors.district,
        kind="text",
        title="Mercato",
        valid_from=at(1, month=1),
        status="approved",
    )
    offer = Content.objects.create(
        district=actors.district,
        business=actors.shop,
        kind="text",
        title="Pane caldo",
        valid_from=at(1, month=1),
        status="approved",
    )
    plays = [
        (first, notice, 2, 0),
        (first, notice, 2, 1),
        (first, offer, 3, 0),
        (second, offer, 2, 0),
        (third, notice, 20, 0),
        (third, offer, 21, 0),
    ]
    for display, content, day, n in plays:
        proof.record_plays(
            display,
            [
                {
                    "id": f"{display.pk}-{day}-{n}",
                    "content": content.pk,
                    "started_at": at(day, 9 + n),
                    "duration_s": 10,
                }
            ],
        )
    return {"displays": [first, second, third], "hidden": hidden}


@reconciles(
    "the proof-of-play report (report page, GET /api/v1/signage/reports/plays)",
    "plays",
    "plays_shop_share",
)
def test_plays_reconcile_with_the_proof_of_play_report(actors, totems, api_as):
    compute.refresh_month(MARCH)
    report = api_as(actors.manager).get(
        "signage/reports/plays",
        {"since": "2026-03-01", "until": "2026-03-31", "district": actors.district.pk},
    )
    assert report.status_code == 200
    body = report.json()
    shops = sum(row["plays"] for row in body["by_content"] if row["business"])
    assert value(actors.district, "plays") == body["plays"] == 6
    assert value(actors.district, "plays_shop_share") == round(shops / body["plays"] * 100, 1)


@reconciles(
    "the fleet list (displays page, GET /api/v1/signage/displays) and the proof-of-play "
    "report's rows per day and totem",
    "totems",
    "totems_online_pct",
    no_report=True,
)
def test_totems_reconcile_with_the_fleet_and_the_report(actors, totems, api_as):
    """The fleet list shows the totems and whether each is online now (the last
    heartbeat): there is no history of being online, so the days a totem played are
    read from the proof-of-play report's rows (one per day, content and totem); the
    days it could have played come from its installation, which the fleet list does
    not show (read from the totem's record)."""
    compute.refresh_month(MARCH)
    api = api_as(actors.manager)
    fleet = every(api, "signage/displays", district=actors.district.pk)
    approved = [row for row in fleet if row["approved"]]
    assert value(actors.district, "totems") == len(approved) == 3
    report = api.get(
        "signage/reports/plays",
        {
            "since": "2026-03-01",
            "until": "2026-03-31",
            "district": actors.district.pk,
            "limit": 1000,
        },
    ).json()
    assert len(report["items"]) == report["count"]
    days_playing = len({(row["day"], row["display"]) for row in report["items"]})
    installed = {
        d.pk: d.created_at.astimezone(ROME).date() for d in Display.objects.filter(approved=True)
    }
    days_possible = sum(
        31 - max(0, (installed[row["id"]] - MARCH).days) for row in approved
    )  # 31 + 31 + 16
    assert days_possible == 78
    assert value(actors.district, "totems_online_pct") == round(
        days_playing / days_possible * 100, 1
    )


# --- Energy ---------------------------------------------------------------------------------


@pytest.fixture
def site(actors) -> Site:
    """140 m² heated; March 2025: 3,100 kWh at 310 degree days, March 2026: 2,232 kWh
    at 248; co-generation in March 2026: 100 kWh produced, 30 exported."""
    site = Site.objects.create(district=actors.district, name="Condominio Aurora")
    Unit.objects.create(site=site, name="Interno 1", area_m2=Decimal("80"))
    Unit.objects.create(site=site, name="Negozio", area_m2=Decimal("60"))
    boiler = Meter.objects.create(site=site, kind="heat", role="generator", external_id="B")
    chp = Meter.objects.create(site=site, kind="chp_electric", role="generator", external_id="C")
    export = Meter.objects.create(
        site=site, kind="electricity", role="grid_export", external_id="X"
    )
    for year, first, last, temperature in ((2025, 1000, 4100, 10.0), (2026, 4100, 6332, 12.0)):
        store([(boiler.pk, at(1, 1, 3, year), first), (boiler.pk, at(31, 22, 3, year), last)])
        energy.record_weather(
            site, [(date(year, 3, 1) + timedelta(days=n), temperature) for n in range(31)]
        )
    store([(chp.pk, at(1, 1), 0), (chp.pk, at(31, 22), 100)])
    store([(export.pk, at(1, 1), 0), (export.pk, at(31, 22), 30)])
    return site


@reconciles(
    "the site's co-generation balance, degree days and units (energy site page and API)",
    "energy_heat_kwh",
    "energy_heat_per_m2",
    "energy_heat_per_m2_dd",
    "energy_heat_change_pct",
    "energy_chp_self_consumption_pct",
    "energy_savings_kwh",
    "energy_savings_eur",
    "energy_savings_co2_kg",
)
def test_energy_reconciles_with_the_site_reports(actors, site, api_as):
    """The site page shows the co-generation balance and the degree days of a period;
    the units API their floor areas. The savings are the observatory's estimate, made
    from those figures with the factors in ``indicators.py``."""
    compute.refresh_month(MARCH)
    api = api_as(actors.energy_manager)
    units = every(api, "energy/units", site=site.pk)
    area = sum(float(unit["area_m2"]) for unit in units)
    this = energy.cogeneration_balance(site, date(2026, 3, 1), date(2026, 4, 1))
    last = energy.cogeneration_balance(site, date(2025, 3, 1), date(2025, 4, 1))
    degree_days = energy.degree_days_between(site, date(2026, 3, 1), date(2026, 4, 1))
    degree_days_before = energy.degree_days_between(site, date(2025, 3, 1), date(2025, 4, 1))
    heat = this["heat"]["produced_kwh"]
    expected = last["heat"]["produced_kwh"] / degree_days_before * degree_days
    saved = expected - heat
    gas = saved / ind.BOILER_EFFICIENCY / ind.GAS_KWH_PER_SMC

    assert (area, heat, degree_days) == (140, 2232, 248)
    assert value(actors.district, "energy_heat_kwh") == heat
    assert value(actors.district, "energy_heat_per_m2") == round(heat / area, 2)
    assert value(actors.district, "energy_heat_per_m2_dd") == round(
        heat / (area * degree_days) * 1000, 1
    )
    assert value(actors.district, "energy_heat_change_pct") == round(-saved / expected * 100, 1)
    assert value(actors.district, "energy_chp_self_consumption_pct") == round(
        this["electricity"]["self_consumption_ratio"] * 100, 1
    )
    assert value(actors.district, "energy_savings_kwh") == round(saved)
    assert value(actors.district, "energy_savings_eur") == round(gas * ind.GAS_EUR_PER_SMC, 2)
    assert value(actors.district, "energy_savings_co2_kg") == round(gas * ind.CO2_KG_PER_SMC)


# --- Projects: the territory registry ------------------------------------------------------


@reconciles(
    "the projects registry (projects page, GET /api/v1/territory/projects)",
    "projects_started",
    "projects_budget_eur",
)
def test_projects_reconcile_with_the_registry(actors, api_as):
    for year, budget, axes in (
        (2026, "90000", ("new_technologies", "territorial_marketing")),
        (2026, "30000", ("business_networks",)),
        (2025, "50000", ("business_networks",)),
    ):
        ProjectFactory(
            chamber=actors.chamber,
            comune=actors.district.comune,
            year=year,
            budget=Decimal(budget),
            **{f"axis_{axis}": axis in axes for axis in ind_axes()},
        )
    cancelled = ProjectFactory(
        chamber=actors.chamber, comune=actors.district.comune, year=2026, budget=Decimal("7")
    )
    cancelled.status = type(cancelled).Status.CANCELLED
    cancelled.save()
    january = date(2026, 1, 1)
    compute.refresh_month(january)

    rows = every(api_as(actors.operator), "territory/projects", year=2026)
    started = [row for row in rows if row["status"] != "cancelled"]
    assert value(actors.district, "projects_started", january) == len(started) == 2
    total = sum(Decimal(row["budget"]) for row in started)
    assert value(actors.district, "projects_budget_eur", january) == float(total) == 120000
    for axis in ind_axes():
        share = sum(
            (Decimal(row["budget"]) / len(row["axes"]) for row in started if axis in row["axes"]),
            Decimal(0),
        )
        assert value(actors.district, "projects_budget_eur", january, axis) == float(share)


def ind_axes() -> list[str]:
    return ["business_networks", "new_technologies", "territorial_marketing"]


# --- Every indicator ------------------------------------------------------------------------


def test_every_indicator_is_reconciled_with_its_module():
    missing = set(ind.BY_CODE) - set(RECONCILED)
    assert not missing, f"indicators with no reconciliation: {sorted(missing)}"
    assert set(RECONCILED) <= set(ind.BY_CODE)
    # The figures no module reports, compared with a listing or a service function
    # instead: a new one is a decision, not an accident.
    assert {
        "cards_active",
        "cards_new",
        "merchants_active",
        "cards_cross_shopping",
        "purchases_eur",
        "checkin_points_spent",
        "checkin_cards",
        "returning_cards",
        "services_delivered",
        "services_per_venue",
        "totems",
        "totems_online_pct",
    } == NO_REPORT
