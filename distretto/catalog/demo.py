"""Demo data: information-point pages of the demo bistros and multiservice shops.

Loads the service types and the bundled reference list of typical products, gives
the featured products their stories in Italian and English (French and German for
the Cuneo valleys, near the French border), and fills the pages of the venues the
territory demo creates (Cuneo, the Bergamo valleys, Campobasso), plus any
"Bistrot" the check-ins demo created in the Cuneo district. Deterministic and
idempotent: rows are found by natural keys and saved only when they differ.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from distretto.catalog import services
from distretto.catalog.models import Product, ServiceDelivery, VenueProfile, VenueService
from distretto.territory.models import Business, Comune

# What `distretto demo` prints as the way in.
DEMO_LINKS = [("information", "/catalog/"), ("near me", "/catalog/near/")]

# name, region: English name, Italian story, English story, extra (fr/de, season...)
FEATURED: dict[tuple[str, str], dict] = {
    ("Branzi", "Lombardia"): {
        "origin": "Alta Valle Brembana (BG)",
        "comuni": [("Branzi", "BG")],
        "description": "Formaggio a pasta semidura di latte vaccino intero, nato nel paese di "
        "Branzi in Alta Valle Brembana. Si mangia giovane o stagionato ed è l'ingrediente "
        "della polenta taragna.",
        "description_en": "A semi-hard cheese of whole cow's milk from the village of Branzi in "
        "the upper Brembana valley. Eaten young or aged, and melted into polenta taragna.",
        "producers": ["Caseificio Branzi"],
    },
    ("Formai de Mut dell'Alta Valle Brembana", "Lombardia"): {
        "origin": "Alta Valle Brembana (BG)",
        "description": "Formaggio di latte vaccino intero a pasta semicotta. «Mut» in dialetto "
        "bergamasco vuol dire alpeggio: d'estate si produce in quota, d'inverno a valle. "
        "Stagiona almeno 45 giorni.",
        "description_en": "A semi-cooked cheese of whole cow's milk. 'Mut' means mountain "
        "pasture in the Bergamo dialect: made up on the pastures in summer, down in the "
        "valley in winter. Aged at least 45 days.",
        "producers": ["Caseificio Branzi"],
    },
    ("Bitto", "Lombardia"): {
        "origin": "Valtellina (SO) e Alta Valle Brembana (BG)",
        "description": "Formaggio d'alpeggio prodotto solo d'estate, di latte vaccino con "
        "un'aggiunta di latte di capra, lavorato subito dopo la mungitura nelle baite "
        "degli alpeggi.",
        "description_en": "A summer cheese of the mountain pastures, made of cow's milk with "
        "some goat's milk, worked in the huts of the pastures right after milking.",
    },
    ("Strachitunt", "Lombardia"): {
        "origin": "Val Taleggio (BG)",
        "description": "Erborinato a due cagliate della Val Taleggio: la cagliata della sera "
        "e quella del mattino si uniscono, e le venature blu nascono senza aggiunta di muffe.",
        "description_en": "A blue cheese of the Taleggio valley made from two curds, evening "
        "and morning: its blue veins come naturally, without added moulds.",
    },
    ("Taleggio", "Lombardia"): {
        "origin": "Val Taleggio (BG)",
        "description": "Formaggio a pasta molle e crosta lavata, nato nelle grotte della Val "
        "Taleggio. Stagiona almeno 35 giorni.",
        "description_en": "A soft washed-rind cheese born in the caves of the Taleggio "
        "valley. Aged at least 35 days.",
    },
    ("Agrì di Valtorta", "Lombardia"): {
        "origin": "Valtorta (BG)",
        "comuni": [("Valtorta", "BG")],
        "description": "Piccolo formaggio fresco di latte vaccino della Valle Brembana, dal "
        "sapore acidulo, da mangiare in pochi giorni.",
        "description_en": "A small fresh cow's milk cheese of the Brembana valley, slightly "
        "sour, to be eaten within a few days.",
    },
    ("Castelmagno", "Piemonte"): {
        "name_fr": "Castelmagno",
        "origin": "Valle Grana (CN)",
        "comuni": [("Castelmagno", "CN"), ("Pradleves", "CN"), ("Monterosso Grana", "CN")],
        "description": "Formaggio a pasta semidura, friabile, a volte erborinato, prodotto in "
        "Valle Grana nei comuni di Castelmagno, Pradleves e Monterosso Grana.",
        "description_en": "A crumbly semi-hard cheese, sometimes blue-veined, made in the Grana "
        "valley in Castelmagno, Pradleves and Monterosso Grana.",
        "description_fr": "Fromage à pâte mi-dure et friable, parfois persillé, produit dans "
        "la vallée Grana.",
        "description_de": "Bröckeliger halbfester Käse, manchmal mit Blauschimmel, aus dem "
        "Grana-Tal.",
    },
    ("Raschera", "Piemonte"): {
        "origin": "Provincia di Cuneo",
        "description": "Formaggio di latte vaccino, a volte con latte ovino o caprino, della "
        "provincia di Cuneo; il Raschera «di alpeggio» si produce oltre i 900 metri.",
        "description_en": "A cow's milk cheese, sometimes with sheep's or goat's milk, of the "
        "province of Cuneo; 'di alpeggio' Raschera comes from above 900 metres.",
        "description_fr": "Fromage de lait de vache de la province de Cuneo; le Raschera "
        "« d'alpage » est produit au-dessus de 900 mètres.",
    },
    ("Bra", "Piemonte"): {
        "origin": "Provincia di Cuneo",
        "description": "Formaggio di latte vaccino, tenero o duro, che prende il nome dalla "
        "città di Bra dove si commerciava.",
        "description_en": "A cow's milk cheese, soft or hard, named after the town of Bra "
        "where it was traded.",
    },
    ("Toma Piemontese", "Piemonte"): {
        "description": "Formaggio di latte vaccino a pasta morbida o semidura, prodotto in "
        "gran parte del Piemonte.",
        "description_en": "A soft or semi-hard cow's milk cheese made across most of Piedmont.",
    },
    ("Nocciola Piemonte", "Piemonte"): {
        "name_en": "Piedmont hazelnut",
        "name_fr": "Noisette du Piémont",
        "name_de": "Piemont-Haselnuss",
        "origin": "Langhe, Roero e Monferrato",
        "description": "Nocciola della varietà Tonda Gentile Trilobata, coltivata sulle "
        "colline piemontesi: la base della torta di nocciole e dei gianduiotti.",
        "description_en": "Hazelnuts of the Tonda Gentile Trilobata variety grown on the "
        "Piedmont hills: the base of hazelnut cake and gianduiotti.",
        "description_fr": "Noisette de la variété Tonda Gentile Trilobata, cultivée sur les "
        "collines du Piémont.",
        "description_de": "Haselnuss der Sorte Tonda Gentile Trilobata aus den Hügeln des Piemont.",
    },
    ("Castagna Cuneo", "Piemonte"): {
        "name_en": "Cuneo chestnut",
        "name_fr": "Châtaigne de Cuneo",
        "name_de": "Kastanie aus Cuneo",
        "season_from": 9,
        "season_to": 11,
        "description": "Castagne e marroni delle valli cuneesi, freschi o essiccati.",
        "description_en": "Chestnuts and marrons of the Cuneo valleys, fresh or dried.",
    },
    ("Crudo di Cuneo", "Piemonte"): {
        "description": "Prosciutto crudo del Cuneese, stagionato a lungo.",
        "description_en": "Long-aged raw ham of the Cuneo area.",
    },
    ("Caciocavallo Silano", "Molise"): {
        "description": "Formaggio a pasta filata di latte vaccino, a forma di pera con la "
        "testina, prodotto nel Mezzogiorno, Molise compreso.",
        "description_en": "A stretched-curd cow's milk cheese, pear-shaped with a small head, "
        "made in southern Italy, Molise included.",
    },
    ("Pecorino del Sannio", "Molise"): {
        "description": "Pecorino stagionato di latte ovino intero del Sannio molisano.",
        "description_en": "Aged sheep's milk cheese of the Molise Sannio.",
    },
    ("Tintilia del Molise", "Molise"): {
        "description": "Vino rosso del vitigno autoctono Tintilia, coltivato sulle colline "
        "del Molise.",
        "description_en": "Red wine of the native Tintilia grape, grown on the Molise hills.",
    },
}

VALLI_PRODUCTS = [
    ("Branzi", "Lombardia"),
    ("Formai de Mut dell'Alta Valle Brembana", "Lombardia"),
    ("Bitto", "Lombardia"),
    ("Strachitunt", "Lombardia"),
    ("Taleggio", "Lombardia"),
    ("Agrì di Valtorta", "Lombardia"),
    ("Casoncelli", "Lombardia"),
    ("Polenta e osei", "Lombardia"),
]
CUNEO_PRODUCTS = [
    ("Castelmagno", "Piemonte"),
    ("Raschera", "Piemonte"),
    ("Bra", "Piemonte"),
    ("Toma Piemontese", "Piemonte"),
    ("Nocciola Piemonte", "Piemonte"),
    ("Castagna Cuneo", "Piemonte"),
    ("Crudo di Cuneo", "Piemonte"),
    ("Mela Rossa Cuneo", "Piemonte"),
]
MOLISE_PRODUCTS = [
    ("Caciocavallo Silano", "Molise"),
    ("Pecorino del Sannio", "Molise"),
    ("Tintilia del Molise", "Molise"),
    ("Molise (olio extravergine di oliva)", "Molise"),
]

SHOP_SERVICES = [
    "pagopa_payments",
    "parcel_pickup",
    "tourist_info",
    "internet_point",
    "photocopies",
    "pharmacy_dispensary",
    "home_delivery",
    "spid_help",
]
BISTRO_SERVICES = [
    "tourist_info",
    "pagopa_payments",
    "spid_help",
    "health_booking",
    "registry_certificates",
    "internet_point",
]
MORNINGS = {day: [["09:00", "12:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}

# venue name: (products, services, Italian intro, English intro, how to reach (it, en))
VENUES: dict[str, tuple] = {
    "Bottega Multiservizi Piazza Brembana": (
        VALLI_PRODUCTS,
        [*SHOP_SERVICES, "postal_counter", "atm"],
        "Negozio di paese che è anche ufficio turistico, internet point e sportello per i "
        "servizi pubblici dell'Alta Valle Brembana.",
        "The village shop that is also the tourist office, internet point and public "
        "services counter of the upper Brembana valley.",
        (
            "In piazza, fermata dell'autobus per Bergamo a 50 metri.",
            "On the square, 50 metres from the bus stop for Bergamo.",
        ),
    ),
    "Emporio di Valtorta": (
        VALLI_PRODUCTS[:6],
        SHOP_SERVICES,
        "Emporio e punto di servizi di Valtorta: spesa, pacchi, pagamenti pagoPA, aiuto SPID.",
        "Valtorta's general store and service point: groceries, parcels, pagoPA payments, "
        "SPID help.",
        (
            "In centro paese, parcheggio gratuito davanti.",
            "In the village centre, free parking in front.",
        ),
    ),
    "Negozio di Cassiglio": (
        VALLI_PRODUCTS[:4],
        SHOP_SERVICES[:6],
        "Il negozio multiservizio di Cassiglio, in Valle Stabina.",
        "Cassiglio's multiservice shop, in the Stabina valley.",
        ("", ""),
    ),
    "Market Averara": (
        VALLI_PRODUCTS[:5],
        [*SHOP_SERVICES[:5], "transport_tickets"],
        "Market di Averara con prodotti delle valli e servizi per residenti e turisti.",
        "Averara's market with valley products and services for residents and visitors.",
        ("", ""),
    ),
    "Alimentari Fuipiano": (
        VALLI_PRODUCTS[:3],
        SHOP_SERVICES,
        "Alimentari e servizi di Fuipiano Valle Imagna.",
        "Grocery and services of Fuipiano Valle Imagna.",
        ("", ""),
    ),
    "Bistrot di San Pellegrino": (
        VALLI_PRODUCTS,
        ["tourist_info", "internet_point", "ticketing"],
        "Bistrot con angolo di degustazione dei formaggi delle valli bergamasche e punto "
        "informazioni turistiche.",
        "A bistro with a tasting corner for the cheeses of the Bergamo valleys and a tourist "
        "information point.",
        (
            "A due passi dal Casinò, lungo il Brembo.",
            "A short walk from the Casino, along the Brembo river.",
        ),
    ),
    "Agriturismo Valle Imagna": (
        VALLI_PRODUCTS[:4],
        ["tourist_info"],
        "Agriturismo con cucina di valle e prodotti tipici.",
        "Farm stay with valley cooking and typical products.",
        ("", ""),
    ),
    "Caffè Galimberti": (
        CUNEO_PRODUCTS[:5],
        ["tourist_info", "internet_point"],
        "Caffè storico di piazza Galimberti con degustazione di prodotti del Cuneese.",
        "Historic café on Piazza Galimberti with tastings of Cuneo products.",
        (
            "In piazza Galimberti, a 10 minuti a piedi dalla stazione.",
            "On Piazza Galimberti, a 10-minute walk from the station.",
        ),
    ),
    "Bottega dei Formaggi del Cuneese": (
        CUNEO_PRODUCTS[:4],
        ["parcel_pickup"],
        "Bottega dei formaggi DOP del Cuneese: Castelmagno, Raschera, Bra, Toma.",
        "A shop of the DOP cheeses of Cuneo: Castelmagno, Raschera, Bra, Toma.",
        ("", ""),
    ),
    "Osteria della Chiocciola": (
        CUNEO_PRODUCTS,
        [],
        "Osteria di cucina piemontese con i prodotti delle valli cuneesi.",
        "A Piedmontese osteria cooking with products of the Cuneo valleys.",
        ("", ""),
    ),
    "Ufficio Turistico ATL": (
        CUNEO_PRODUCTS[4:],
        ["tourist_info", "ticketing", "transport_tickets"],
        "Ufficio turistico: itinerari nelle valli, eventi, biglietti.",
        "Tourist office: routes in the valleys, events, tickets.",
        ("", ""),
    ),
    "Bar Palazzo Ex GIL": (
        MOLISE_PRODUCTS,
        ["tourist_info"],
        "Bar nel Palazzo ex GIL di Campobasso, con prodotti tipici molisani.",
        "A bar in the former GIL palace of Campobasso, with typical Molise products.",
        ("", ""),
    ),
}
# Bistrots the check-ins demo may have added in the Cuneo district (looked up by name).
BISTRO_PRODUCTS = CUNEO_PRODUCTS


def _put(instance, values: dict) -> None:
    """Set ``values`` and save only if something differs (a re-run writes nothing)."""
    changed = instance.pk is None
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    if changed:
        instance.save()


def _product(name: str, region: str) -> Product | None:
    return Product.objects.filter(name=name, region=region).first()


def _feature_products() -> None:
    for (name, region), data in FEATURED.items():
        product = _product(name, region)
        if product is None:
            continue
        data = dict(data)
        comuni = data.pop("comuni", [])
        producers = data.pop("producers", [])
        _put(product, data)
        found = [
            c
            for n, p in comuni
            if (c := Comune.objects.filter(name=n, province=p).order_by("pk").first())
        ]
        if found and set(product.comuni.all()) != set(found):
            product.comuni.set(found)
        makers = list(Business.objects.filter(name__in=producers))
        if makers and set(product.producers.all()) != set(makers):
            product.producers.set(makers)


def _venue(venue: Business, products: list, codes: list, intro, intro_en, reach) -> None:
    profile = VenueProfile.objects.filter(venue=venue).first() or VenueProfile(venue=venue)
    _put(
        profile,
        {
            "published": True,
            "intro": intro,
            "intro_en": intro_en,
            "how_to_reach": reach[0],
            "how_to_reach_en": reach[1],
        },
    )
    wanted = [p for key in products if (p := _product(*key))]
    if set(venue.catalog_products.all()) != set(wanted):
        venue.catalog_products.set(wanted)
    for code in codes:
        if not VenueService.objects.filter(venue=venue, service_type__code=code).exists():
            services.offer_service(
                venue,
                code,
                opening_hours=MORNINGS if code in {"spid_help", "health_booking"} else {},
                contact=venue.phone,
            )


def _deliveries(venue: Business, codes: list[str], days: int = 56) -> None:
    """A few services delivered each opening day of the last eight weeks."""
    rng = random.Random(f"catalog-demo-{venue.name}")
    today = timezone.localdate()
    types = {st.code: st for st in services.service_types().filter(code__in=codes)}
    existing = set(
        ServiceDelivery.objects.filter(venue=venue).values_list("service_type__code", "date")
    )
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        for code in codes:
            count = rng.choice([0, 0, 1, 1, 2, 3])
            if not count or day.weekday() == 6 or (code, day) in existing:
                continue
            services.record_delivery(venue=venue, service_type=types[code], on=day, count=count)


def seed() -> None:
    services.ensure_service_types()
    services.ensure_reference_products()
    with transaction.atomic():
        _feature_products()
        for name, (products, codes, intro, intro_en, reach) in VENUES.items():
            venue = Business.objects.filter(name=name).order_by("pk").first()
            if venue is not None:
                _venue(venue, products, codes, intro, intro_en, reach)
        bistros = Business.objects.filter(
            district__slug="cuneo", name__icontains="bistr", active=True
        ).exclude(name__in=VENUES)
        for bistro in bistros.order_by("pk"):
            _venue(
                bistro,
                BISTRO_PRODUCTS,
                BISTRO_SERVICES,
                "Bistrot de pays: angolo di degustazione dei prodotti tipici e sportello per i "
                "servizi pubblici della valle.",
                "Bistrot de pays: a tasting corner for typical products and a counter for the "
                "valley's public services.",
                ("", ""),
            )
            _deliveries(bistro, BISTRO_SERVICES)
        san_pellegrino = Business.objects.filter(name="Bistrot di San Pellegrino").first()
        if san_pellegrino is not None:
            _deliveries(san_pellegrino, ["tourist_info", "internet_point"])
