"""Demo data: the five multiservice shops of the Bergamo network (four in Val Brembana,
one in Valle Imagna) with their services, check-ups with different verdicts, training
editions with enrolments and attendance, and three months of services delivered.

Deterministic (fixed seed, dates relative to today) and idempotent: a second run
changes nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from distretto.accounts.models import Membership, Role
from distretto.accounts.scoping import Principal
from distretto.catalog import services as catalog
from distretto.catalog.models import ServiceDelivery
from distretto.multiservice import services
from distretto.multiservice.models import (
    Attendance,
    AvoidedCost,
    Checkup,
    Enrolment,
    MultiserviceShop,
    ShopService,
    TrainingEdition,
    TrainingModule,
)
from distretto.territory.models import Business, District

DISTRICT = "valli-bergamasche"
SHOPKEEPER = ("negoziante.valtorta", "Maria", "Bottegaia", "Emporio di Valtorta")
# What `distretto demo` prints as the way in.
DEMO_LINKS = [
    ("shops network", "/multiservice/"),
    ("check-ups", "/multiservice/checkups/"),
    ("impact", "/multiservice/impact/"),
]
DEMO_LOGINS = [(SHOPKEEPER[0], f"Esercente · {SHOPKEEPER[3]}")]
DEMO_PASSWORD = "distretto-demo"

MODULES = [
    (
        "digital-public-services",
        "Servizi digitali e pubblici allo sportello",
        "digital_public_services",
        "12",
        "classroom",
        "SPID, CIE, certificati anagrafici online, Fascicolo sanitario: guida passo passo.",
    ),
    (
        "pagopa-operations",
        "Operatività pagoPA per il punto di incasso",
        "pagopa",
        "8",
        "online",
        "Avvisi pagoPA (codice avviso, QR, CBILL), riconciliazione, ricevute.",
    ),
    (
        "tourist-hospitality",
        "Accoglienza turistica e informazioni sul territorio",
        "tourist_hospitality",
        "10",
        "classroom",
        "Sentieri, rifugi, eventi delle valli; materiale dell'ufficio turistico.",
    ),
    (
        "food-safety",
        "Sicurezza alimentare (HACCP) per il negozio di vicinato",
        "food_safety",
        "6",
        "classroom",
        "Manuale HACCP, registri di temperatura, allergeni.",
    ),
    (
        "marketing",
        "Marketing del negozio multiservizio",
        "marketing",
        "8",
        "on_site",
        "Vetrina, social, insegna distintiva della rete, fidelizzazione.",
    ),
]

# business name, since, funding EUR, funding source, services (code, own hours or None)
SHOPS = [
    (
        "Bottega Multiservizi Piazza Brembana",
        "2019-05-15",
        "30000.00",
        "CCIAA Bergamo, bando Negozi Multiservizio 2019",
        ["pagopa_payments", "parcel_pickup", "tourist_info", "internet_point", "photocopies"],
    ),
    (
        "Emporio di Valtorta",
        "2019-09-01",
        "25000.00",
        "CCIAA Bergamo, bando Negozi Multiservizio 2019",
        ["pagopa_payments", "registry_certificates", "pharmacy_dispensary", "home_delivery"],
    ),
    (
        "Negozio di Cassiglio",
        "2020-03-02",
        "22000.00",
        "CCIAA Bergamo e Comune di Cassiglio",
        ["parcel_pickup", "pharmacy_dispensary", "ehealth_help", "transport_tickets"],
    ),
    (
        "Market Averara",
        "2020-06-15",
        "20000.00",
        "CCIAA Bergamo, bando Negozi Multiservizio 2019",
        ["tourist_info", "internet_point", "postal_counter", "atm"],
    ),
    (
        "Alimentari Fuipiano",
        "2020-10-01",
        "24000.00",
        "CCIAA Bergamo, Negozio Multiservizio in Valle Imagna",
        ["pagopa_payments", "spid_help", "home_delivery", "tourist_info"],
    ),
]
# Morning-only hours for the services that need the shopkeeper's full attention.
MORNINGS = {day: [["09:00", "12:30"]] for day in ("tue", "wed", "thu", "fri", "sat")}
MORNING_SERVICES = {"registry_certificates", "spid_help", "ehealth_help"}

FEASIBLE = {
    "residents": 280,
    "over65_share": 34,
    "tourist_presences": 7000,
    "grocery_km": 11,
    "grocery_minutes": 22,
    "pharmacy_km": 11,
    "pharmacy_minutes": 22,
    "post_office_km": 8,
    "post_office_minutes": 18,
    "bank_km": 11,
    "bank_minutes": 22,
    "public_transport": "rare",
    "floor_area_m2": 90,
    "service_space_m2": 12,
    "step_free_access": True,
    "broadband_available": True,
    "broadband_mbps": 100,
    "years_active": 15,
    "weekly_opening_hours": 44,
    "staff": 2,
    "turnover_band": "150k_300k",
    "succession": "assured",
    "services_offered": [],
    "comune_premises": True,
    "comune_contribution_eur": 8000,
    "willingness": "high",
    "training_needs": ["digital_public_services", "pagopa"],
}
CONDITIONAL = {
    **FEASIBLE,
    "residents": 150,
    "tourist_presences": 1500,
    "broadband_available": True,
    "broadband_mbps": 8,
    "service_space_m2": 3,
    "weekly_opening_hours": 32,
    "staff": 1,
    "turnover_band": "50k_150k",
    "succession": "uncertain",
    "comune_premises": False,
    "comune_contribution_eur": 0,
    "willingness": "medium",
    "training_needs": ["food_safety"],
}
NOT_FEASIBLE = {
    **CONDITIONAL,
    "residents": 5000,
    "grocery_km": 0.3,
    "grocery_minutes": 2,
    "pharmacy_km": 0.5,
    "pharmacy_minutes": 3,
    "post_office_km": 0.4,
    "post_office_minutes": 3,
    "bank_km": 0.4,
    "bank_minutes": 3,
    "public_transport": "regular",
    "broadband_available": False,
    "broadband_mbps": 0,
    "succession": "none",
    "willingness": "low",
    "training_needs": [],
}
# business, answers, days ago
CHECKUPS = [
    ("Emporio di Valtorta", CONDITIONAL, 540),
    ("Emporio di Valtorta", FEASIBLE, 60),
    ("Alimentari Fuipiano", FEASIBLE, 200),
    ("Caseificio Branzi", CONDITIONAL, 30),
    ("Bistrot di San Pellegrino", NOT_FEASIBLE, 20),
]


def _user(username: str, first: str, last: str):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _modules() -> None:
    for code, title, topic, hours, fmt, materials in MODULES:
        TrainingModule.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "topic": topic,
                "hours": Decimal(hours),
                "format": fmt,
                "materials": materials,
            },
        )


def _shops(district: District) -> list[MultiserviceShop]:
    shops = []
    for name, since, funding, source, codes in SHOPS:
        business = Business.objects.filter(district=district, name=name).first()
        if business is None:
            continue
        shop, _created = MultiserviceShop.objects.update_or_create(
            business=business,
            defaults={
                "since": since,
                "comune": business.comune,
                "funding_eur": Decimal(funding),
                "funding_source": source,
            },
        )
        nearest = services.nearest_other_grocery(business)
        if nearest is not None and shop.nearest_grocery_km is None:
            shop.nearest_grocery_name, shop.nearest_grocery_km = nearest[0].name, nearest[1]
            shop.save(update_fields=["nearest_grocery_name", "nearest_grocery_km"])
        for code in codes:
            offer, _created = ShopService.objects.get_or_create(
                shop=shop,
                service_type=catalog.get_service_type(code),
                defaults={"opening_hours": MORNINGS if code in MORNING_SERVICES else {}},
            )
            catalog.list_service(business, offer.service_type, opening_hours=offer.opening_hours)
        shops.append(shop)
    return shops


def _checkups(district: District, assessor, zone: ZoneInfo) -> None:
    if Checkup.objects.filter(business__district=district, assessor=assessor).exists():
        return
    principal = Principal(user=assessor)
    today = timezone.localdate()
    for name, answers, days_ago in CHECKUPS:
        business = Business.objects.filter(district=district, name=name).first()
        if business is None:
            continue
        result = services.assess(principal, business, answers)
        moment = datetime.combine(today - timedelta(days=days_ago), time(10, 30), zone)
        Checkup.objects.filter(pk=result.checkup_id).update(created_at=moment, submitted_at=moment)
        result.checkup.results.update(created_at=moment)
    # A draft left half-way, to show the questionnaire.
    draft_business = Business.objects.filter(district=district, name="Market Averara").first()
    if draft_business is not None:
        draft = services.start_checkup(principal, draft_business, prefill=True)
        services.save_draft(principal, draft, {"over65_share": 38, "tourist_presences": 9000})


def _training(district: District, trainer, shopkeeper_business: Business | None) -> None:
    today = timezone.localdate()
    modules = {m.code: m for m in TrainingModule.objects.all()}
    # module, starts in N days (negative: past), length in days, capacity, location
    editions = [
        ("digital-public-services", -75, 14, 12, "Piazza Brembana, sala consiliare"),
        ("food-safety", -40, 2, 10, "Zogno, sede CCIAA"),
        ("pagopa-operations", 14, 7, 8, "Online"),
        ("tourist-hospitality", 30, 3, 2, "Sant'Omobono Terme"),
        ("marketing", 45, 1, 6, "Alla bottega"),
    ]
    created = []
    for code, offset, length, capacity, location in editions:
        starts = today + timedelta(days=offset)
        edition, _new = TrainingEdition.objects.get_or_create(
            module=modules[code],
            district=district,
            location=location,
            defaults={
                "starts_on": starts,
                "ends_on": starts + timedelta(days=length),
                "capacity": capacity,
                "trainer": trainer,
            },
        )
        created.append(edition)
    if Enrolment.objects.filter(edition__district=district).exists():
        return
    participants = [
        (shop.business, f"Titolare {shop.business.name}")
        for shop in MultiserviceShop.objects.filter(business__district=district).select_related(
            "business"
        )
    ]
    past_digital, past_food, pagopa, tourist, _marketing = created
    for index, (business, person) in enumerate(participants):
        enrolment = Enrolment.objects.create(
            edition=past_digital, business=business, participant=person
        )
        # Three sessions of four hours each; the last shop missed the last one.
        sessions = 3 if index < len(participants) - 1 else 2
        for day in range(sessions):
            Attendance.objects.create(
                enrolment=enrolment,
                attended_on=past_digital.starts_on + timedelta(days=day * 4),
                hours=Decimal("4"),
            )
        _complete_if_done(enrolment)
    for business, person in participants[:3]:
        Enrolment.objects.create(edition=pagopa, business=business, participant=person)
    for business, person in participants[:2]:  # two seats: the edition is full
        Enrolment.objects.create(edition=tourist, business=business, participant=person)
    if shopkeeper_business is not None:
        enrolment = Enrolment.objects.create(
            edition=past_food, business=shopkeeper_business, participant="Maria Bottegaia"
        )
        Attendance.objects.create(
            enrolment=enrolment, attended_on=past_food.starts_on, hours=Decimal("6")
        )
        _complete_if_done(enrolment)


def _complete_if_done(enrolment: Enrolment) -> None:
    """As ``services.record_attendance`` does, without a trainer's request."""
    if services.attended_hours(enrolment) >= enrolment.edition.module.hours:
        last = enrolment.attendances.order_by("-attended_on").first().attended_on
        enrolment.status = Enrolment.Status.COMPLETED
        enrolment.completed_on = last
        enrolment.certificate_code = f"MS-{last.year}-{enrolment.pk:06d}"
        enrolment.save(update_fields=["status", "completed_on", "certificate_code"])


# Typical services a day: (mean count) per service type.
DAILY = {
    "pagopa_payments": 3,
    "registry_certificates": 1,
    "parcel_pickup": 4,
    "tourist_info": 3,
    "internet_point": 1,
    "photocopies": 2,
    "pharmacy_dispensary": 3,
    "home_delivery": 2,
    "ehealth_help": 1,
    "transport_tickets": 2,
    "postal_counter": 2,
    "atm": 3,
    "spid_help": 1,
}


def _deliveries(shops: list[MultiserviceShop], recorder) -> None:
    venues = [shop.business for shop in shops]
    if ServiceDelivery.objects.filter(venue__in=venues).exists():
        return
    rng = random.Random(7)
    today = timezone.localdate()
    day = today - timedelta(days=91)
    while day < today:
        if day.weekday() in (1, 2, 3, 4, 5):  # the shops open Tuesday to Saturday
            for shop in shops:
                for service in shop.services.select_related("service_type").order_by("id"):
                    code = service.service_type.code
                    if rng.random() < 0.35:
                        continue
                    count = max(1, round(rng.gauss(DAILY.get(code, 1), 1)))
                    people = max(1, count - rng.randint(0, 1))
                    catalog.record_delivery(
                        venue=shop.business,
                        service_type=service.service_type,
                        on=day,
                        count=count,
                        people=people,
                        by=recorder,
                    )
        day += timedelta(days=1)


def seed() -> None:
    district = District.objects.filter(slug=DISTRICT).select_related("chamber").first()
    if district is None:
        return
    catalog.ensure_service_types()
    services.ensure_default_model()
    _modules()
    shops = _shops(district)
    username, first, last, shop_name = SHOPKEEPER
    shopkeeper = _user(username, first, last)
    shop_business = Business.objects.filter(district=district, name=shop_name).first()
    if shop_business is not None:
        Membership.objects.get_or_create(
            user=shopkeeper, role=Role.MERCHANT, business=shop_business
        )
    trainer = get_user_model().objects.filter(username="formatore").first()
    zone = ZoneInfo(district.time_zone)
    if trainer is not None:
        _checkups(district, trainer, zone)
    _training(district, trainer, shop_business)
    AvoidedCost.objects.get_or_create(
        chamber=district.chamber,
        service_type=catalog.get_service_type("registry_certificates"),
        defaults={"cost_eur": Decimal("14.00")},
    )
    _deliveries(shops, shopkeeper)
