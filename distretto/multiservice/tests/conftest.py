"""The multiservice cast: a village grocery of the district that wants to become a
multiservice shop, the catalogue's service types, the default scoring model and a
complete set of questionnaire answers."""

from __future__ import annotations

import pytest

# A shop in a small mountain frazione: far from everything, decent premises, slow line.
GOOD_ANSWERS: dict = {
    "residents": 420,
    "over65_share": 31,
    "tourist_presences": 6000,
    "grocery_km": 9,
    "grocery_minutes": 20,
    "pharmacy_km": 12,
    "pharmacy_minutes": 25,
    "post_office_km": 9,
    "post_office_minutes": 20,
    "bank_km": 14,
    "bank_minutes": 30,
    "public_transport": "rare",
    "floor_area_m2": 80,
    "service_space_m2": 10,
    "step_free_access": True,
    "broadband_available": True,
    "broadband_mbps": 30,
    "years_active": 12,
    "weekly_opening_hours": 48,
    "staff": 2,
    "turnover_band": "150k_300k",
    "succession": "assured",
    "services_offered": ["tourist_info"],
    "comune_premises": True,
    "comune_contribution_eur": 5000,
    "willingness": "high",
    "training_needs": ["food_safety"],
}


@pytest.fixture
def answers() -> dict:
    """A fresh copy of a complete, feasible set of answers."""
    return dict(GOOD_ANSWERS)


@pytest.fixture
def catalogue(db) -> None:
    """The catalogue's service types (pagopa_payments, tourist_info, ...)."""
    from distretto.catalog import services as catalog

    catalog.ensure_service_types()


@pytest.fixture
def network_shop(actors, catalogue):
    """The merchant's bakery as a multiservice shop offering two services."""
    from distretto.catalog import services as catalog
    from distretto.multiservice.models import MultiserviceShop, ShopService

    shop = MultiserviceShop.objects.create(
        business=actors.shop,
        since="2024-03-01",
        comune=actors.shop.district.comune,
        frazione="Riolo",
        frazione_population=310,
        nearest_grocery_km="6.5",
    )
    for code in ("tourist_info", "pagopa_payments"):
        ShopService.objects.create(shop=shop, service_type=catalog.get_service_type(code))
    return shop


@pytest.fixture
def modules(db):
    """The training modules the default scoring model refers to."""
    from distretto.multiservice.models import TrainingModule

    rows = [
        ("digital-public-services", "Servizi digitali e pubblici", "digital_public_services"),
        ("pagopa-operations", "Operatività pagoPA", "pagopa"),
        ("tourist-hospitality", "Accoglienza turistica", "tourist_hospitality"),
        ("food-safety", "Sicurezza alimentare (HACCP)", "food_safety"),
        ("marketing", "Marketing del negozio", "marketing"),
    ]
    return {
        code: TrainingModule.objects.create(
            code=code, title=title, topic=topic, hours=8, format="classroom"
        )
        for code, title, topic in rows
    }
