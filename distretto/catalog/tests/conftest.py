"""Catalog fixtures: service types, a few products, and the actors' shop as a venue."""

from __future__ import annotations

import pytest

from distretto.catalog import services
from distretto.catalog.models import VenueProfile
from distretto.testing import ComuneFactory


@pytest.fixture
def service_types(db):
    services.ensure_service_types()
    return services.service_types()


@pytest.fixture
def comuni(db):
    return {
        "lodi": ComuneFactory(),
        "branzi": ComuneFactory(
            istat_code="016036",
            name="Branzi",
            province="BG",
            province_name="Bergamo",
            region="Lombardia",
            population=690,
        ),
        "castelmagno": ComuneFactory(
            istat_code="004050",
            name="Castelmagno",
            province="CN",
            province_name="Cuneo",
            region="Piemonte",
            population=60,
        ),
    }


@pytest.fixture
def products(db, comuni):
    """Four products: two cheeses (DOP, PAT) of Lombardy, one of Piedmont, one hazelnut."""
    branzi = services.save_product(
        None,
        {
            "name": "Branzi",
            "category": "cheese",
            "designation": "PAT",
            "region": "Lombardia",
            "description": "Formaggio di latte vaccino dell'Alta Valle Brembana.",
            "description_en": "Cow's milk cheese of the upper Brembana valley.",
            "comuni": [comuni["branzi"]],
        },
    )
    taleggio = services.save_product(
        None,
        {"name": "Taleggio", "category": "cheese", "designation": "DOP", "region": "Lombardia"},
    )
    castelmagno = services.save_product(
        None,
        {
            "name": "Castelmagno",
            "category": "cheese",
            "designation": "DOP",
            "region": "Piemonte",
            "description": "Formaggio della Valle Grana.",
            "description_fr": "Fromage de la vallée Grana.",
            "comuni": [comuni["castelmagno"]],
        },
    )
    nocciola = services.save_product(
        None,
        {
            "name": "Nocciola Piemonte",
            "name_en": "Piedmont hazelnut",
            "category": "vegetables",
            "designation": "IGP",
            "region": "Piemonte",
        },
    )
    return {
        "branzi": branzi,
        "taleggio": taleggio,
        "castelmagno": castelmagno,
        "nocciola": nocciola,
    }


@pytest.fixture
def venue(actors, service_types, products, comuni):
    """The actors' shop in Lodi with a published page, two products and two services."""
    shop = actors.shop
    shop.comune = comuni["lodi"]
    shop.opening_hours = {"mon": [["08:00", "13:00"]], "sat": [["08:00", "12:30"]]}
    shop.save()
    VenueProfile.objects.create(
        venue=shop,
        published=True,
        intro="Panetteria con angolo dei formaggi delle valli.",
        intro_en="Bakery with a corner for the valley cheeses.",
        how_to_reach="In centro, vicino al Duomo.",
    )
    services.set_venue_products(shop, [products["branzi"], products["taleggio"]])
    services.offer_service(shop, "tourist_info", contact="0371 000000")
    services.offer_service(
        shop,
        "spid_help",
        opening_hours={"sat": [["09:00", "12:00"]]},
        notes={"it": "Su appuntamento"},
    )
    return shop


@pytest.fixture
def foreign_venue(actors, service_types, products):
    """A published venue in the other chamber's district, in Cuneo."""
    actors.foreign_shop.lat, actors.foreign_shop.lon = 44.3893, 7.5478
    actors.foreign_shop.address = "Piazza Galimberti, Cuneo"
    actors.foreign_shop.save()
    VenueProfile.objects.create(venue=actors.foreign_shop, published=True, intro="Caffè storico.")
    services.set_venue_products(actors.foreign_shop, [products["castelmagno"]])
    services.offer_service(actors.foreign_shop, "atm")
    return actors.foreign_shop
