"""Tourism, services, totems, energy and projects: each indicator against a month
counted by hand (March 2026, see each test's docstring) and against its module's
own report."""

from __future__ import annotations

import datetime as dt
from datetime import date
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
from distretto.multiservice import services as multiservice
from distretto.multiservice.models import (
    Checkup,
    Enrolment,
    MultiserviceShop,
    TrainingEdition,
    TrainingModule,
)
from distretto.multiservice.tests.conftest import GOOD_ANSWERS
from distretto.observatory import compute, services
from distretto.observatory import indicators as ind
from distretto.observatory.models import MonthlyValue
from distretto.observatory.tests.conftest import MARCH, at, new_card
from distretto.signage import services as signage
from distretto.signage.models import Content, Display, PlayRecord
from distretto.testing import ProjectFactory

pytestmark = pytest.mark.django_db


def value(district, code: str, month: date = MARCH, part: str = "") -> float | None:
    row = MonthlyValue.objects.filter(
        district=district, month=month, indicator=code, part=part
    ).first()
    return None if row is None else row.value


def test_tourism_indicators_match_the_hand_count(actors, program):
    """Card A checks in at venue 1 in February, again in March, then at venue 2 (the
    route's last venue); card B once (and once too far away); card C once.
    March: 4 check-ins, 3 cards, 1 returning (A), 1 route completed (A)."""
    one = checkins.create_point(actors.shop, {})
    two = checkins.create_point(actors.other_shop, {})
    route = Route.objects.create(district=actors.district, name="Giro del centro")
    route.points.set([one, two])
    a, b, c = (new_card(program, at(1, month=2)) for _ in range(3))

    def attempt(card, point, day: dt.date, decision=Decision.ACCEPTED):
        Attempt.objects.create(
            point=point,
            card=card,
            created_at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            local_date=day,
            decision=decision,
        )

    attempt(a, one, date(2026, 2, 20))
    attempt(a, one, date(2026, 3, 5))
    attempt(a, two, date(2026, 3, 12))
    attempt(b, one, date(2026, 3, 6))
    attempt(b, two, date(2026, 3, 6), Decision.TOO_FAR)
    attempt(c, two, date(2026, 3, 7))

    compute.refresh_month(MARCH)

    assert value(actors.district, "checkins") == 4
    assert value(actors.district, "checkin_cards") == 3
    assert value(actors.district, "returning_cards") == 1
    assert value(actors.district, "routes_completed") == 1
    # The module's own report: accepted check-ins per venue and day.
    days = checkins.daily_counts([actors.district], days=31, today=date(2026, 3, 31))
    assert value(actors.district, "checkins") == sum(row["accepted"] for row in days)


def test_check_in_points_are_spent_first(actors, program):
    """Card D: 30 points from a purchase and 15 check-in points in February, 15 more
    check-in points in March, then redeems 50 in March: 30 of them were check-in
    points. Card E: 10 check-in points, nothing redeemed. March: 30 points spent."""
    d = new_card(program, at(1, month=2))
    e = new_card(program, at(1, month=2))
    loyalty.earn(d, actors.shop, Decimal("30.00"), now=at(2, month=2))
    loyalty.grant_points(d, 15, "checkins", "v1", "k1", now=at(20, month=2))
    loyalty.grant_points(d, 15, "checkins", "v2", "k2", now=at(5))
    loyalty.grant_points(e, 10, "checkins", "v3", "k3", now=at(7))
    loyalty.redeem(d, actors.other_shop, 50, now=at(9))

    compute.refresh_month(MARCH)

    assert value(actors.district, "checkin_points_spent") == 30
    assert value(actors.district, "checkin_points_spent", date(2026, 2, 1)) is None


@pytest.fixture
def deliveries(actors):
    """March: 2 + 3 pagoPA payments at the bakery (a multiservice shop), 4 tourist
    informations at the bookshop; 9 more in February. 9 services at 2 venues."""
    catalog.ensure_service_types()
    MultiserviceShop.objects.create(
        business=actors.shop, since=date(2025, 1, 1), comune=actors.district.comune
    )
    catalog.record_delivery(
        venue=actors.shop, service_type="pagopa_payments", on=date(2026, 3, 3), count=2
    )
    catalog.record_delivery(
        venue=actors.shop, service_type="pagopa_payments", on=date(2026, 3, 10), count=3
    )
    catalog.record_delivery(
        venue=actors.other_shop, service_type="tourist_info", on=date(2026, 3, 4), count=4
    )
    catalog.record_delivery(
        venue=actors.other_shop, service_type="tourist_info", on=date(2026, 2, 20), count=9
    )


def test_service_indicators_match_the_hand_count(actors, deliveries):
    module = TrainingModule.objects.create(
        code="pagopa", title="pagoPA", topic="digital", hours=Decimal("4"), format="classroom"
    )
    edition = TrainingEdition.objects.create(
        module=module,
        district=actors.district,
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 20),
        capacity=10,
    )
    for name, day in (("Anna", date(2026, 3, 20)), ("Bruno", date(2026, 3, 20))):
        Enrolment.objects.create(
            edition=edition,
            business=actors.shop,
            participant=name,
            status=Enrolment.Status.COMPLETED,
            completed_on=day,
        )
    Enrolment.objects.create(
        edition=edition, business=actors.shop, participant="Carla", completed_on=None
    )
    result = multiservice.assess(Principal(user=actors.assessor), actors.shop, GOOD_ANSWERS)
    Checkup.objects.filter(pk=result.checkup_id).update(submitted_at=at(15))

    compute.refresh_month(MARCH)

    assert value(actors.district, "services_delivered") == 9
    assert value(actors.district, "services_delivered", part="pagopa_payments") == 5
    assert value(actors.district, "services_delivered", part="tourist_info") == 4
    assert value(actors.district, "services_per_venue") == 4.5
    assert value(actors.district, "multiservice_shops_open") == 1
    assert value(actors.district, "trainings_completed") == 2
    assert value(actors.district, "checkup_score") == float(result.score)
    # 5 pagoPA payments at the multiservice shop × €6.00 avoided each.
    assert value(actors.district, "costs_avoided_eur") == 30.0


def test_services_reconcile_with_the_network_impact_report(actors, deliveries):
    compute.refresh_month(MARCH)
    report = multiservice.impact_report(
        MultiserviceShop.objects.all(), date(2026, 3, 1), date(2026, 3, 31)
    )
    assert value(actors.district, "costs_avoided_eur") == float(report["savings_eur"])
    shops_only = sum(row["count"] for row in report["by_shop"])
    assert value(actors.district, "services_delivered", part="pagopa_payments") == shops_only


def test_totem_indicators_match_the_hand_count(actors):
    """Two totems installed in February; in March the first plays the district's
    notice twice on the 2nd and a shop's offer on the 3rd, the second the shop's
    offer on the 2nd: 4 plays, half of them shop content, 3 totem-days with plays
    out of 62."""
    first, _ = signage.create_display(actors.district, {"name": "Piazza"})
    second, _ = signage.create_display(actors.district, {"name": "Stazione"})
    Display.objects.update(created_at=at(10, month=2))
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

    def play(display, content, day, n):
        return {
            "id": f"{display.pk}-{day}-{n}",
            "content": content.pk,
            "started_at": at(day, 9 + n),
            "duration_s": 10,
        }

    signage.record_plays(first, [play(first, notice, 2, 0), play(first, notice, 2, 1)])
    signage.record_plays(first, [play(first, offer, 3, 0)])
    signage.record_plays(second, [play(second, offer, 2, 0)])

    compute.refresh_month(MARCH)

    assert value(actors.district, "totems") == 2
    assert value(actors.district, "plays") == 4
    assert value(actors.district, "plays_shop_share") == 50.0
    assert value(actors.district, "totems_online_pct") == round(3 / 62 * 100, 1)
    in_march = PlayRecord.objects.filter(started_at__gte=at(1, 0), started_at__lt=at(1, 0, 4))
    report = signage.play_report(in_march, at(1).tzinfo)
    assert value(actors.district, "plays") == sum(row["plays"] for row in report)


def test_energy_indicators_match_the_hand_count(actors):
    """140 m² heated. March 2025: 3,100 kWh of heat at 310 degree days; March 2026:
    2,232 kWh at 248 degree days. Expected = 3,100 / 310 × 248 = 2,480 kWh, so 248
    kWh saved (-10 %). Co-generation: 100 kWh produced, 30 exported: 70 % used."""
    site = Site.objects.create(district=actors.district, name="Condominio Aurora")
    Unit.objects.create(site=site, name="Interno 1", area_m2=Decimal("80"))
    Unit.objects.create(site=site, name="Negozio", area_m2=Decimal("60"))
    boiler = Meter.objects.create(site=site, kind="heat", role="generator", external_id="B")
    chp = Meter.objects.create(site=site, kind="chp_electric", role="generator", external_id="C")
    export = Meter.objects.create(
        site=site, kind="electricity", role="grid_export", external_id="X"
    )
    for year, first, last, temperature in ((2025, 1000, 4100, 10.0), (2026, 4100, 6332, 12.0)):
        store(
            [
                (boiler.pk, at(1, 1, 3, year), first),
                (boiler.pk, at(31, 22, 3, year), last),
            ]
        )
        energy.record_weather(
            site,
            [(date(year, 3, 1) + dt.timedelta(days=n), temperature) for n in range(31)],
        )
    store([(chp.pk, at(1, 1), 0), (chp.pk, at(31, 22), 100)])
    store([(export.pk, at(1, 1), 0), (export.pk, at(31, 22), 30)])

    compute.refresh_month(MARCH)

    assert value(actors.district, "energy_heat_kwh") == 2232
    assert value(actors.district, "energy_heat_per_m2") == round(2232 / 140, 2)
    assert value(actors.district, "energy_heat_per_m2_dd") == round(2232 / (140 * 248) * 1000, 1)
    assert value(actors.district, "energy_heat_change_pct") == -10.0
    assert value(actors.district, "energy_savings_kwh") == 248
    gas = 248 / ind.BOILER_EFFICIENCY / ind.GAS_KWH_PER_SMC  # 28.14 Sm³
    assert value(actors.district, "energy_savings_eur") == round(gas * ind.GAS_EUR_PER_SMC, 2)
    assert value(actors.district, "energy_savings_co2_kg") == round(gas * ind.CO2_KG_PER_SMC)
    assert value(actors.district, "energy_chp_self_consumption_pct") == 70.0
    # The module's own reports.
    balance = energy.cogeneration_balance(site, date(2026, 3, 1), date(2026, 4, 1))
    assert value(actors.district, "energy_heat_kwh") == balance["heat"]["produced_kwh"]
    assert balance["electricity"]["self_consumption_ratio"] * 100 == 70.0
    assert energy.degree_days_between(site, date(2026, 3, 1), date(2026, 4, 1)) == 248


def test_projects_budget_by_axis_and_before_after(actors):
    """A 2026 project in Lodi (€90,000 on two axes) and one with no comune (€10,000)."""
    ProjectFactory(
        chamber=actors.chamber,
        comune=actors.district.comune,
        year=2026,
        budget=Decimal("90000"),
        axis_new_technologies=True,
        axis_territorial_marketing=True,
    )
    ProjectFactory(
        chamber=actors.chamber,
        year=2026,
        budget=Decimal("10000"),
        axis_new_technologies=False,
        axis_business_networks=True,
    )
    january = date(2026, 1, 1)

    compute.refresh_month(january)

    assert value(actors.district, "projects_started", january) == 1
    assert value(actors.district, "projects_budget_eur", january) == 90000
    assert value(actors.district, "projects_budget_eur", january, "new_technologies") == 45000
    chamber = MonthlyValue.objects.filter(chamber=actors.chamber, district=None, month=january)
    totals = {(row.indicator, row.part): row.value for row in chamber}
    assert totals[("projects_started", "")] == 2
    assert totals[("projects_budget_eur", "")] == 100000
    assert totals[("projects_budget_eur", "business_networks")] == 10000
    # Six months before the start averaged 10 active cards, the six from it 16.
    for n in range(-6, 6):
        month = compute.add_months(january, n)
        MonthlyValue.objects.create(
            chamber=actors.chamber,
            district=actors.district,
            month=month,
            indicator="cards_active",
            value=10 if n < 0 else 16,
            computed_at=at(1),
        )
    [project] = [
        p for p in services.project_timeline(actors.chamber) if p["district_id"] is not None
    ]
    [cards] = [row for row in project["before_after"] if row["indicator"].code == "cards_active"]
    assert (cards["before"], cards["after"], cards["change"]) == (10, 16, 60.0)
